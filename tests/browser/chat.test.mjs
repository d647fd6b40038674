// A real conversation among separate browser processes through the real server: the same history
// in the same order everywhere, a late joiner catching up, a taken nickname refused, hostile text
// shown as text, a guest closing its tab, and chat going on after the server is gone.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  ROOMS, closeBrowsers, joinAs, notices, openBrowsers, roomsByDefault, say, screenshot, startServer, submitJoin,
  waitForLines, waitForMembers, waitForStatus,
} from './harness.mjs';

roomsByDefault(ROOMS);  // private rooms unless WEBCHAT_ROOMS=public

const ROOM = 'chat';
const SCRIPTY_NICK = '<img src=x onerror=pwned=1>';
const SCRIPTY_TEXT = '<script>pwned=1</script><b onclick="pwned=1">bold?</b>';
const LINK_TEXT = 'see https://example.org/a?b=1&c=<x>. and javascript:alert(1)';

let server;
let browsers = [];
let alice, bob, carol, dave;

before(async () => {
  server = await startServer();
  // Bob's page is phone-sized and dark, so the screenshots show both layouts.
  browsers = await openBrowsers(['alice', 'bob', 'carol', 'dave'], { bob: { width: 390, height: 760, dark: true } });
  [alice, bob, carol, dave] = browsers.map((b) => b.page);
  await Promise.all(browsers.map((b) => b.page.goto(`${server.url}/#${ROOM}`)));
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

test('three browsers join, chat at once, and see the same history in the same order', async () => {
  await screenshot(alice, 'join-form');
  assert.equal(await alice.evaluate(() => document.getElementById('room').value), ROOM, 'the hash names the room');
  assert.match(await alice.evaluate(() => document.getElementById('nick').value), /^[a-z]+-[a-z]+$/, 'a friendly nick');

  assert.match(await joinAs(alice, { nick: 'alice', room: ROOM }), /^Hosting/);
  assert.match(await joinAs(bob, { nick: 'bob', room: ROOM }), /^Connected as guest/);
  assert.match(await joinAs(carol, { nick: 'carol', room: ROOM }), /^Connected as guest/);
  await Promise.all([alice, bob, carol].map((page) => waitForMembers(page, ['alice', 'bob', 'carol'])));

  // Everyone talks at once: the host's order is the one order.
  await Promise.all([alice, bob, carol].map(async (page, who) => {
    for (let i = 1; i <= 3; i++) await say(page, `line ${i} from ${['alice', 'bob', 'carol'][who]}`);
  }));
  const [atAlice, atBob, atCarol] = await Promise.all([alice, bob, carol].map((page) => waitForLines(page, 9)));
  assert.equal(atAlice.length, 9);
  assert.deepEqual(atBob, atAlice);
  assert.deepEqual(atCarol, atAlice);
  for (const who of ['alice', 'bob', 'carol']) {
    const own = atAlice.filter((line) => line.startsWith(`${who}:`));
    assert.deepEqual(own, [1, 2, 3].map((i) => `${who}: line ${i} from ${who}`), 'each author\'s lines keep their order');
  }

  const label = ROOMS === 'private' ? 'private room' : ROOM;
  assert.deepEqual(await notices(alice), [`You joined “${label}” as alice`, 'bob joined', 'carol joined']);
  const badges = await bob.evaluate(() => [...document.querySelectorAll('#members li')].map((li) =>
    [...li.querySelectorAll('.nick, .badge:not(.link-badge)')].map((part) => part.textContent).join(' ')));
  assert.deepEqual(badges, ['alice host', 'bob you', 'carol']);
  // A guest's link is with the host only: measured (loopback is direct), with its round-trip time.
  const links = await bob.waitForFunction(() => {
    const shown = [...document.querySelectorAll('#members li')].map((li) => li.querySelector('.link-badge')?.textContent ?? '');
    return shown[0] && shown;
  });
  assert.match(links[0], /^direct · \d+ ms$/);
  assert.deepEqual(links.slice(1), ['', '']);

  // Safety codes (docs/security.md): each pair of members sees the same code on both pages, one per
  // pair, none for oneself.
  const codes = async (page) => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#members li')]
    .map((li) => [li.querySelector('.nick').textContent, li.querySelector('.safety-code')?.textContent ?? null])));
  const [seenByAlice, seenByBob, seenByCarol] = await Promise.all([alice, bob, carol].map(codes));
  assert.equal(seenByAlice.alice, null);
  assert.match(seenByAlice.bob, /^\d{5}( \d{5}){5}$/);
  assert.equal(seenByBob.alice, seenByAlice.bob);
  assert.equal(seenByCarol.alice, seenByAlice.carol);
  assert.equal(seenByCarol.bob, seenByBob.carol);
  assert.equal(new Set([seenByAlice.bob, seenByAlice.carol, seenByBob.carol]).size, 3, 'one code per pair');
  await screenshot(alice, 'chat-as-host');
  await screenshot(bob, 'chat-as-guest-phone-dark');
});

test('a taken nickname is refused with words saying what to do', async () => {
  await submitJoin(dave, { nick: 'Bob', room: ROOM });
  assert.match(await waitForStatus(dave, /already taken/), /Pick another one/);
  assert.equal(await dave.evaluate(() => document.getElementById('join-form').hidden), false, 'still on the form');
  await screenshot(dave, 'error-nick-taken');
});

test('a late joiner gets the history; script-like nicknames and text render as text', async () => {
  await joinAs(dave, { nick: SCRIPTY_NICK, room: ROOM });
  const atDave = await waitForLines(dave, 9);
  assert.deepEqual(atDave, await waitForLines(alice, 9), 'the same history, in the same order');

  await say(dave, SCRIPTY_TEXT);
  await say(dave, LINK_TEXT);
  const expected = [`${SCRIPTY_NICK}: ${SCRIPTY_TEXT}`, `${SCRIPTY_NICK}: ${LINK_TEXT}`];
  for (const page of [alice, bob, carol, dave]) {
    assert.deepEqual((await waitForLines(page, 11)).slice(9), expected);
    const inspected = await page.evaluate(() => ({
      pwned: window.pwned,
      markup: document.querySelectorAll('#messages img, #messages script, #messages b, #members img').length,
      links: [...document.querySelectorAll('#messages a')].map((a) => [a.getAttribute('href'), a.rel, a.target]),
    }));
    assert.equal(inspected.pwned, undefined);
    assert.equal(inspected.markup, 0);
    assert.deepEqual(inspected.links, [['https://example.org/a?b=1&c=', 'noopener noreferrer', '_blank']]);
  }
  await waitForMembers(carol, ['alice', 'bob', 'carol', SCRIPTY_NICK]);
});

test('a guest that closes its tab leaves everyone\'s member list within 6 s', async () => {
  const gone = browsers.find((b) => b.name === 'carol');
  await gone.page.close();
  const took = await Promise.all([alice, bob, dave].map((page) => waitForMembers(page, ['alice', 'bob', SCRIPTY_NICK])));
  assert.ok(Math.max(...took) < 6000, `took ${took} ms`);
  assert.ok((await notices(bob)).includes('carol left'));
});

test('with the server stopped after everyone joined, chat still flows peer to peer', async () => {
  await server.stop();
  // The host's parked offer fails first: its status says what that means in a room.
  assert.match(await waitForStatus(alice, /signaling server cannot be reached/),
               /^Hosting “.+”: the signaling server cannot be reached, so nobody new can join until it is back; who is here can still talk$/);
  await say(bob, 'the server is gone');
  await say(alice, 'and we still talk');
  for (const page of [alice, bob, dave]) {
    assert.deepEqual((await waitForLines(page, 13)).slice(11), ['bob: the server is gone', 'alice: and we still talk']);
  }
});
