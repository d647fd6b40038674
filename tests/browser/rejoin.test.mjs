// Coming back: a reload rejoins the room the tab was in without a click, as the same member (no
// "left"/"joined" noise), with the history kept in IndexedDB shown before the network answers; a
// member alone in its room keeps its history across a reload; forgetting a room forgets its history.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  closeBrowsers, DEADLINE_MS, joinAs, notices, openBrowsers, recordStatuses, say, screenshot, startServer, statusesSeen,
  submitJoin, waitForLines, waitForMembers, waitForStatus,
} from './harness.mjs';

let server;
let browsers = [];
let alice, bob;

before(async () => {
  server = await startServer();
  // bob reloads with the signaling server held back: Chromium's driver can hold requests.
  browsers = await openBrowsers(['alice', 'bob'], { bob: { browser: 'chromium', holdsRequests: true } });
  [alice, bob] = browsers.map((b) => b.page);
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

// How many entries of `room` this browser's IndexedDB holds.
const stored = (page, room) => page.evaluate((name) => new Promise((resolve) => {
  const open = indexedDB.open('webchat');
  open.onsuccess = () => {
    const get = open.result.transaction('rooms').objectStore('rooms').get(name);
    get.onsuccess = () => resolve(get.result?.entries.length ?? 0);
  };
}), room);

async function waitForStored(page, room, count) {
  const deadline = Date.now() + DEADLINE_MS;
  while (await stored(page, room) < count) {
    if (Date.now() > deadline) throw new Error(`${room}: fewer than ${count} entries stored`);
  }
}

const memberIds = (page) => page.evaluate(() => [...document.querySelectorAll('#members li')].map((li) => [li.dataset.id, li.querySelector('.nick').textContent]));

test('a reload rejoins as the same member, the history shown before the network answers', async () => {
  await alice.goto(server.url);
  await joinAs(alice, { nick: 'alice', room: 'back' });
  await bob.goto(server.url);
  await joinAs(bob, { nick: 'bob', room: 'back' });
  await say(alice, 'before the reload');
  await say(bob, 'me too');
  await waitForLines(bob, 2);
  await waitForLines(alice, 2);
  for (const page of [alice, bob]) await waitForStored(page, 'back', 2);  // each write follows a line at once
  const idsBefore = await memberIds(alice);
  const noticesBefore = await notices(alice);

  const release = await bob.holdRequests('/sig');
  await bob.reload();
  const early = await bob.waitForFunction(() => document.querySelectorAll('#messages li.line').length === 2 && [
    document.getElementById('status').textContent,
    [...document.querySelectorAll('#messages li.line')].map((li) => `${li.querySelector('.nick').textContent}: ${li.querySelector('.text').textContent}`),
    [...document.querySelectorAll('#messages li.line.self .text')].map((t) => t.textContent),
  ]);
  assert.match(early[0], /^Rejoining “back”|^Looking/, 'still waiting for the network');
  assert.deepEqual(early[1], ['alice: before the reload', 'bob: me too']);
  assert.deepEqual(early[2], ['me too'], 'its own lines known as its own');
  await screenshot(bob, 'rejoin-before-network');
  await release();

  await waitForStatus(bob, /^Connected as guest in “back”/);
  assert.deepEqual(await waitForLines(bob, 2), ['alice: before the reload', 'bob: me too']);
  assert.deepEqual(await memberIds(alice), idsBefore, 'the same member id: the same member');
  await say(bob, 'back again');
  await waitForLines(alice, 3);
  assert.deepEqual(await notices(alice), noticesBefore, 'no "left" or "joined" for a reload');
  assert.deepEqual((await notices(bob)).at(-1), 'Back in “back” as bob', 'the page coming back says so, not "You joined"');
});

test('a member alone in its room keeps its history across a reload; leaving ends the tab\'s session', async () => {
  await bob.click('#leave');
  await waitForMembers(alice, ['alice']);
  await waitForStored(alice, 'back', 3);
  await alice.reload();  // alone: no one to hand it the history
  await waitForStatus(alice, /^Hosting “back”/).catch(async (error) => {
    throw new Error(`${error.message}: ${await alice.evaluate(() => [document.getElementById('status').textContent, document.getElementById('start').hidden])}`);
  });
  assert.deepEqual(await waitForLines(alice, 3), ['alice: before the reload', 'bob: me too', 'bob: back again']);
  await alice.click('#leave');
  await alice.reload();
  assert.equal(await alice.evaluate(() => document.getElementById('start').hidden), false, 'left on purpose: the start page');
});

test('forgetting a room forgets its history in this browser', async () => {
  assert.equal(await stored(alice, 'back'), 3);
  await alice.evaluate(() => [...document.querySelectorAll('#recent-rooms li')]
    .find((li) => li.querySelector('.rejoin').textContent === 'back').querySelector('.forget').click());
  await alice.waitForFunction(() => ![...document.querySelectorAll('#recent-rooms .rejoin')].some((b) => b.textContent === 'back'));
  assert.equal(await stored(alice, 'back'), 0);
  await joinAs(alice, { nick: 'alice', room: 'back' });
  await say(alice, 'a fresh start');
  assert.deepEqual(await waitForLines(alice, 1), ['alice: a fresh start']);
});

// A join can take seconds between finding the host and being in (a relay, a slow network, up to the
// "no route" bound): joinRoom reports its stage (onStatus) and the page says it. Held here by holding
// bob's answer at the signaling server: the host's offer is found, the answer does not reach it.
test('while a join is under way the page says its stage: looking for the host, then connecting to it', async () => {
  await bob.goto(server.url);
  await recordStatuses(bob);
  const release = await bob.holdRequests('?set=');
  await submitJoin(bob, { nick: 'bob', room: 'back' });
  await waitForStatus(bob, /^Found the room's host: connecting to it…$/);
  await screenshot(bob, 'join-connecting');
  await bob.emulate({ width: 390, height: 800 });
  await screenshot(bob, 'join-connecting-phone');
  await bob.emulate({ width: 390, height: 800, dark: true });
  await screenshot(bob, 'join-connecting-phone-dark');
  await bob.emulate({});
  await release();
  await waitForStatus(bob, /^Connected as guest in “back”/);
  const seen = await statusesSeen(bob);
  const looking = seen.indexOf('Looking for the room\'s host…');
  const connecting = seen.indexOf('Found the room\'s host: connecting to it…');
  assert.ok(looking >= 0 && connecting > looking, seen.join('\n'));
  assert.ok(seen.findIndex((text) => text.startsWith('Connected as guest')) > connecting, seen.join('\n'));
});
