// Pages that stop running: a phone freezes a background tab (Page Lifecycle `frozen`, through CDP), a
// laptop sleeps. A member coming back must find its room by itself: a guest as a guest of the host
// that kept the room going, not taking the room over (issue #17: a guest frozen 20 s hosted on resume
// with a higher epoch, and the healthy host and everyone else moved under it); a host as a guest of
// the member that took over, not keeping a second room. The freeze is real (the page's timers stop;
// each case checks it), so each browser is started by hand and attached over CDP (launchAttached: a
// playwright-launched page does not freeze). Three home NATs with the server's STUN: real links
// through NATs. Then networks that change under a running page (a router's public address replaced):
// heartbeats notice, and the member is back by itself. And hosts whose tabs are hidden for 3 minutes
// under Chromium's intensive timer throttling keep their rooms, one with a guest and one alone: that
// case runs beside the others, in two more LANs, so the file costs its 3 minutes once. One topology
// for the file; run directly by node, as nat.test.mjs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  recordStatuses, say, statusesSeen, until, waitForLines, waitForMembers, waitForStatus,
} from '../browser/harness.mjs';
import {
  ORIGIN, joinInLan, joinTimeline, launchAttachedInLan, skipUnlessLab, startLab, timelinesIfFailing, traceJoin,
} from './people.mjs';

await skipUnlessLab();

// The issue measured 20 s; 10 s is past every liveness window (a host drops a silent guest at 4.5 s,
// guests fail over at 3 s) with room to chat meanwhile, and keeps the suite lean. The simulation
// plays 3.5, 20 and 65 s (tests/room/pause_tests.cpp).
const FROZEN_MS = 10000;

// Issue #17: a host tab hidden for 3 minutes, with guests and alone, keeps its room. Chromium limits a
// hidden page's chained timers to one wake-up a minute after 5 minutes hidden; this feature and its
// parameters bring that down to 10 s (ENGINEERING.md), so 3 minutes show it.
const HIDDEN_MS = 3 * 60 * 1000;
const THROTTLING = '--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/10,' +
                   'QuickIntensiveWakeUpThrottlingAfterLoading:grace_period_seconds_loaded/10';

let lab;
let alice, bob, carol;  // pages, one Chromium each, in LANs home1..home3: frozen, or moved
let hider, watcher;     // home4's (the hidden hosts' tabs) and home5's (their guest, then a newcomer)
const browsers = [];
let hiddenHosts;  // the hidden hosts' case, started at once and awaited by the file's last test

before(async () => {
  const lans = ['home1', 'home2', 'home3', 'home4', 'home5'];
  ({ lab } = await startLab(Object.fromEntries(lans.map((lan) => [lan, 'home'])), ({ stun }) => ['--stun', stun]));
  const people = await Promise.all(lans.map((lan) => launchAttachedInLan(lab, lan, lan, [THROTTLING])));
  browsers.push(...people.map((p) => p.browser));
  [alice, bob, carol, hider, watcher] = people.map((p) => p.page);
  await Promise.all([alice, bob, carol].map(traceJoin));  // the network changes log what the moved page did
  hiddenHosts = hideHosts();
  hiddenHosts.catch(() => {});  // its test reports it
});

after(async () => {
  // The lab comes down whatever a browser's close does (else its namespaces and servers hold the run).
  try {
    await Promise.all(browsers.map((b) => b.close()));
  } finally {
    await lab?.teardown();
  }
});

// Freezes `page` for FROZEN_MS, checking that its timers really stopped: a counter ticking every
// 100 ms must not move while frozen (the page still answers CDP's evaluate then). `meanwhile` runs
// while it is frozen. Resolves with the time it was resumed.
async function frozen(page, meanwhile) {
  await page.evaluate(() => { window.ticks = 0; setInterval(() => { window.ticks += 1; }, 100); });
  await page.waitForFunction(() => window.ticks > 2);
  await page.lifecycle('frozen');
  const frozenAt = Date.now();
  const ticksAtFreeze = await page.evaluate(() => window.ticks);
  await meanwhile();
  await new Promise((resolve) => { setTimeout(resolve, Math.max(0, frozenAt + FROZEN_MS - Date.now())); });
  assert.equal(await page.evaluate(() => window.ticks), ticksAtFreeze, 'the frozen page\'s timers ran');
  await page.lifecycle('active');
  return Date.now();
}

const memberIds = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('#members li')].map((li) => [li.querySelector('.nick').textContent, li.dataset.id])));

// The page's lines as "nick: text", those still being sent marked "(pending)".
const lines = (page) => page.evaluate(() => [...document.querySelectorAll('#messages li.line')]
  .map((li) => `${li.querySelector(':scope > .nick').textContent}: ${li.querySelector(':scope > .text').textContent}` +
               (li.classList.contains('pending') ? ' (pending)' : '')));

// Waits until every page shows the same `count` lines in the same order, none pending; resolves with them.
function sameHistory(pages, count) {
  return until(`not the same ${count} lines everywhere`, async () => {
    const shown = await Promise.all(pages.map(lines));
    const same = shown.every((l) => JSON.stringify(l) === JSON.stringify(shown[0]));
    return [same && shown[0].length === count && !shown[0].some((l) => l.endsWith('(pending)')), shown];
  }).then((shown) => shown[0]);
}

// Waits until every page's member list shows these nicks (in any order).
const allShowMembers = (pages, nicks) => Promise.all(pages.map((page) => waitForMembers(page, nicks, { anyOrder: true })));

const statusOf = (page) => page.evaluate(() => document.getElementById('status').textContent);
const nicksShown = (page) => page.evaluate(() => [...document.querySelectorAll('#members li .nick')].map((s) => s.textContent));

async function hosts(pages) {
  const statuses = await Promise.all(pages.map(statusOf));
  return statuses.filter((s) => s.startsWith('Hosting')).length;
}

test('a guest frozen for 10 s: the room goes on without it, and it comes back as the same member of the same host', async () => {
  assert.match(await joinInLan(alice, { nick: 'alice', room: 'sleepy' }), /^Hosting/);
  assert.match(await joinInLan(bob, { nick: 'bob', room: 'sleepy' }), /^Connected as guest/);
  assert.match(await joinInLan(carol, { nick: 'carol', room: 'sleepy' }), /^Connected as guest/);
  await say(bob, 'before the nap');
  await sameHistory([alice, bob, carol], 1);
  const ids = await memberIds(alice);
  await recordStatuses(alice);

  // bob is the first successor: the member that used to take over on waking.
  const resumed = await frozen(bob, async () => {
    await allShowMembers([alice, carol], ['alice', 'carol']);  // the host dropped the silent guest
    await say(alice, 'while bob slept');
    await say(carol, 'me too');
    await sameHistory([alice, carol], 3);
  });

  await waitForStatus(bob, /^Connected as guest in/);
  await allShowMembers([alice, bob, carol], ['alice', 'bob', 'carol']);
  console.log(`bob back in the room ${Date.now() - resumed} ms after resuming`);
  assert.deepEqual(await memberIds(bob), { alice: ids.alice, bob: ids.bob, carol: ids.carol }, 'the same members');
  await say(bob, 'after the nap');
  assert.deepEqual(await sameHistory([alice, bob, carol], 4),
                   ['bob: before the nap', 'alice: while bob slept', 'carol: me too', 'bob: after the nap']);
  // alice hosted all along: no failover, no merge under the returning guest.
  const seen = await statusesSeen(alice);
  assert.ok(seen.every((text) => text.startsWith('Hosting')), seen.join('\n'));
  assert.equal(await hosts([alice, bob, carol]), 1);
});

test('a host frozen for 10 s: the room fails over, and the old host joins the new one, one history everywhere', async () => {
  // Member order now: alice (host), carol, bob. Lines sent as alice freezes sit in her channels.
  await recordStatuses(bob);
  const resumed = await frozen(alice, async () => {
    await say(bob, 'bob as alice froze');
    await say(carol, 'carol as alice froze');
    await waitForStatus(carol, /^Hosting/);  // the first successor took over
    await waitForStatus(bob, /^Connected as guest/);
    await say(bob, 'while alice slept');
    await sameHistory([bob, carol], 7);
  });

  // bob, the second successor, said what went on (the stage words of docs/web.md).
  const seen = await statusesSeen(bob);
  const said = (text) => seen.findIndex((t) => t.startsWith(text));
  assert.ok(said('The host went away: reconnecting') > 0 &&
            said('The host went away: found who hosts the room now') > said('The host went away: reconnecting') &&
            seen.at(-1).startsWith('Connected as guest'), seen.join('\n'));

  await waitForStatus(alice, /^Connected as guest in/);
  await allShowMembers([alice, bob, carol], ['alice', 'bob', 'carol']);
  console.log(`alice back in the room ${Date.now() - resumed} ms after resuming`);
  await say(alice, 'back from the nap');
  const history = await sameHistory([alice, bob, carol], 8);
  assert.deepEqual(history.slice(0, 4), ['bob: before the nap', 'alice: while bob slept', 'carol: me too', 'bob: after the nap']);
  assert.equal(history.at(-1), 'alice: back from the nap');
  // A while later still one room: the old host kept no second one.
  await new Promise((resolve) => { setTimeout(resolve, 5000); });
  assert.equal(await hosts([alice, bob, carol]), 1);
  assert.match(await carol.evaluate(() => document.getElementById('status').textContent), /^Hosting/);
});

// A phone moving to another network: its router's public address changes, and every flow through
// the old one dies (links and signaling alike). A laptop given another address on its own interface
// (what was bound to the old address is dead). Nothing tells the page: it watches its own addresses
// (web/network-watch.js, every second) and its heartbeats notice the silence. Who moves: the guest
// next in line (the first successor, which used to take the room over: issue #17), then the host.
const PAGES = () => [alice, bob, carol];
const LANS_OF_PAGES = ['home1', 'home2', 'home3'];
let renumbered = 0;
async function pageOf(role) {
  const statuses = await Promise.all(PAGES().map(statusOf));
  const host = PAGES()[statuses.findIndex((text) => text.startsWith('Hosting'))];
  if (role === 'host') return host;
  // The first successor: the first member after the host in the host's list (join order).
  const nicks = ['alice', 'bob', 'carol'];
  const hostNick = nicks[PAGES().indexOf(host)];
  const next = (await nicksShown(host)).find((nick) => nick !== hostNick);
  return PAGES()[nicks.indexOf(next)];
}
async function renumber(role) {
  const page = await pageOf(role);
  renumbered += 1;
  await lab.renumber(LANS_OF_PAGES[PAGES().indexOf(page)], `203.0.113.${30 + renumbered}`);
  return page;
}
async function readdress(role) {
  const page = await pageOf(role);
  const lan = LANS_OF_PAGES[PAGES().indexOf(page)];
  const address = lab.lans[lan].address.replace(/\d+$/, (last) => String(Number(last) + 1));
  await lab.readdress(lan, address);
  return page;
}
// Back within the 10 s (the change to one history on every page, every line once, the lines
// before it in their order); where the guest next in line moves, the room never changes hands: the
// host hosted all along, the moved guest never hosted, the other guest stayed its guest. Its own
// address replaced, its browser may close its link at once (it then looks whether its host is still
// there before taking over: docs/protocol.md, "A channel that closes under a guest") or the link falls
// silent, and Chromium tells the page of its new address only 2 s after the change, when the 3 s of
// silence may have run out: it asks its watch to look before taking over ("A network of one's own").
for (const [who, change, role, sameHost] of [
  ['the guest next in line whose router is renumbered', renumber, 'guest', true],
  ['the host whose router is renumbered', renumber, 'host', false],
  ['the guest next in line whose own address is replaced', readdress, 'guest', true],
  ['the host whose own address is replaced', readdress, 'host', false],
]) {
  test(`${who} is back in the room by itself within 10 s, no line lost or duplicated`, async () => {
    const pages = PAGES();
    const earlier = await lines(alice);
    const before = earlier.length;
    console.log(`before: ${(await Promise.all(pages.map(statusOf))).join(' | ')}`);
    const host = await pageOf('host');
    await Promise.all(pages.map(recordStatuses));
    const changedAt = Date.now();
    const changed = await change(role);
    // A failure tells what every page did (whose offers each took, with which rank; what each watch saw).
    const named = Object.fromEntries(pages.map((page, i) => [`${['alice', 'bob', 'carol'][i]}${page === changed ? ' (moved)' : ''}`, [page, changedAt]]));
    await timelinesIfFailing(named, async () => {
      await say(changed, `${who}: on a new network`);
      await say(pages.find((p) => p !== changed), `${who}: changed networks`);
      const history = await sameHistory(pages, before + 2);
      await allShowMembers(pages, ['alice', 'bob', 'carol']);
      const backMs = Date.now() - changedAt;
      const timeline = (await joinTimeline(changed, changedAt)).filter((line) => !line.startsWith('+-'));
      console.log(`${who}: back, one history everywhere, ${backMs} ms after the change; the moved page:\n  ${timeline.join('\n  ')}`);
      assert.equal(await hosts(pages), 1);
      assert.equal(new Set(history).size, history.length, 'no line twice');
      assert.deepEqual(history.slice(0, before), earlier, 'the lines before the change, in their order');
      assert.ok(backMs < 10000, `back after ${backMs} ms`);
      if (sameHost) {
        const other = pages.find((p) => p !== host && p !== changed);
        const [hostSeen, guestSeen, otherSeen] = await Promise.all([host, changed, other].map(statusesSeen));
        assert.ok(hostSeen.every((text) => text.startsWith('Hosting')), `the host changed:\n${hostSeen.join('\n')}`);
        assert.ok(!guestSeen.some((text) => text.startsWith('Hosting')), `the moved guest hosted:\n${guestSeen.join('\n')}`);
        assert.ok(otherSeen.every((text) => text.startsWith('Connected as guest')), `the other guest moved:\n${otherSeen.join('\n')}`);
      }
    });
  });
}

// Hidden hosts (issue #17): home4's browser hosts "busy" (its guest in home5) and "alone" in two tabs,
// both hidden behind a blank one for HIDDEN_MS. Its timers are throttled all along (checked: a
// chained 100 ms timer), and every minute the guest says a line that the hidden host must show. At
// the end lines go both ways, neither host ever stopped hosting nor the guest being its guest, and a
// newcomer finds the lone host's room. A hidden page runs no animation frames, so what is read from
// it is polled with evaluate (until), never with waitForFunction.
const visibility = (page) => page.evaluate(() => document.visibilityState);

async function hideHosts() {
  const busyHost = hider;
  assert.match(await joinInLan(busyHost, { nick: 'hana', room: 'busy' }), /^Hosting/);
  assert.match(await joinInLan(watcher, { nick: 'gus', room: 'busy' }), /^Connected as guest/);
  const loneHost = await hider.newTab();
  await loneHost.front();
  await loneHost.goto(`${ORIGIN}/`);
  assert.match(await joinInLan(loneHost, { nick: 'lena', room: 'alone' }), /^Hosting/);
  // A tab without the app, hidden too: the throttling is in force (it drops to a wake-up a minute).
  const control = await hider.newTab();
  await control.front();
  const hosts = [busyHost, loneHost];
  await Promise.all([...hosts, watcher].map(recordStatuses));
  for (const page of [...hosts, control]) {
    await page.evaluate(() => {
      window.wakeUps = 0;
      const wake = () => { window.wakeUps += 1; setTimeout(wake, 100); };
      wake();
    });
  }
  await (await hider.newTab()).front();  // hides the hosts' tabs and the control
  await until('the hosts\' tabs are not hidden', async () => {
    const states = await Promise.all([...hosts, control].map(visibility));
    return [states.every((state) => state === 'hidden'), states];
  });
  const hiddenAt = Date.now();
  const wakeUpsAtHiding = await Promise.all([...hosts, control].map((page) => page.evaluate(() => window.wakeUps)));

  // The scenario's own clock: the guest speaks once a minute, the hidden host must show it.
  const lineCount = async (page) => (await lines(page)).length;
  for (let minute = 1; minute <= HIDDEN_MS / 60000; minute += 1) {
    await new Promise((resolve) => { setTimeout(resolve, Math.max(0, hiddenAt + minute * 60000 - Date.now())); });
    await say(watcher, `minute ${minute}`);
    await until(`the hidden host does not show minute ${minute}`, async () => {
      const count = await lineCount(busyHost);
      return [count === minute, count];
    });
  }
  const hiddenMs = Date.now() - hiddenAt;
  const wakeUps = await Promise.all([...hosts, control].map((page) => page.evaluate(() => window.wakeUps)));
  const perSecond = wakeUps.map((n, i) => (n - wakeUpsAtHiding[i]) / (hiddenMs / 1000));
  console.log(`hidden ${hiddenMs} ms; a 100 ms chained timer woke ${perSecond.map((r) => r.toFixed(2)).join(' / ')} ` +
              'times a second in the busy host\'s / lone host\'s / control tab');
  assert.deepEqual(await Promise.all([...hosts, control].map(visibility)), ['hidden', 'hidden', 'hidden']);
  // Unthrottled it wakes 10 times a second; hidden, Chromium allows at most once a second, and once a
  // minute after the grace period where no peer connection exempts the page (the control).
  for (const rate of perSecond.slice(0, 2)) assert.ok(rate <= 1.5, `the hosts' timers were not throttled: ${perSecond}`);
  assert.ok(perSecond[2] < 0.2, `the control tab was not throttled to a wake-up a minute: ${perSecond[2]}`);

  // Lines both ways, one order; the room never changed hands.
  await say(busyHost, 'the hidden host speaks');
  await say(watcher, 'the guest answers');
  const busyLines = await until('host and guest do not show the same lines', async () => {
    const shown = await Promise.all([busyHost, watcher].map(lines));
    return [shown[0].length === 5 && JSON.stringify(shown[0]) === JSON.stringify(shown[1]), shown];
  });
  assert.deepEqual(busyLines[0].slice(0, 3), ['gus: minute 1', 'gus: minute 2', 'gus: minute 3']);
  assert.deepEqual(busyLines[0].slice(3).sort(), ['gus: the guest answers', 'hana: the hidden host speaks']);
  assert.deepEqual((await nicksShown(busyHost)).sort(), ['gus', 'hana']);
  const [busySeen, loneSeen, guestSeen] = await Promise.all([busyHost, loneHost, watcher].map(statusesSeen));
  assert.ok(busySeen.every((text) => text.startsWith('Hosting')), busySeen.join('\n'));
  assert.ok(loneSeen.every((text) => text.startsWith('Hosting')), loneSeen.join('\n'));
  assert.ok(guestSeen.every((text) => text.startsWith('Connected as guest')), guestSeen.join('\n'));

  // The lone host's room is still found: a newcomer (a fresh tab in home5) joins it as a guest.
  const newcomer = await watcher.newTab();
  await newcomer.front();
  await newcomer.goto(`${ORIGIN}/`);
  const joining = Date.now();
  assert.match(await joinInLan(newcomer, { nick: 'nia', room: 'alone' }), /^Connected as guest/);
  console.log(`a newcomer joined the lone hidden host's room in ${Date.now() - joining} ms`);
  await until('the lone host does not list the newcomer', async () => {
    const nicks = (await nicksShown(loneHost)).sort();
    return [JSON.stringify(nicks) === '["lena","nia"]', nicks];
  });
  assert.ok((await statusesSeen(loneHost)).every((text) => text.startsWith('Hosting')));
}

test('hosts hidden for 3 minutes under intensive throttling keep their rooms, with a guest and alone', async () => {
  await hiddenHosts;
});
