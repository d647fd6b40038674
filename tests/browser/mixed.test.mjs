// Firefox and Chromium in one room, in both roles. The other browser tests already alternate the two
// browsers (WEBCHAT_BROWSERS=mixed, the default: Firefox hosts there); this file pins the other
// direction and the crossings: a Chromium host with Firefox guests, its crash handing the room to a
// Firefox successor that keeps the history and its order, a Chromium joiner getting that history from
// the Firefox host, a long line of multi-byte text crossing both ways, and a Firefox guest's crash seen
// by the others.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  BROWSERS, ROOMS, closeBrowsers, killBrowser, joinAs, notices, openBrowsers, roomsByDefault, say, startServer,
  waitForLines, waitForMembers, waitForStatus,
} from './harness.mjs';

roomsByDefault(ROOMS);  // private rooms unless WEBCHAT_ROOMS=public

const ROOM = 'mixed';
// 4,000 characters (the longest line) of 3-byte UTF-8, with JSON's worst escapes: about 13 KB on the
// wire, far under the 64 KiB data-channel message both browsers accept.
const LONG_LINE = `${'€'.repeat(3990)}"\\\t<>&'x`.slice(0, 4000);

const skip = BROWSERS !== 'mixed' && `pins browsers per member: runs with WEBCHAT_BROWSERS=mixed, not ${BROWSERS}`;

let server;
let browsers = [];
const byName = (name) => browsers.find((b) => b.name === name);
const page = (name) => byName(name).page;

before(async () => {
  if (skip) return;
  server = await startServer();
  browsers = await openBrowsers(['hana', 'ivan', 'judy', 'kurt'], {
    hana: { browser: 'chromium' }, ivan: { browser: 'firefox' }, judy: { browser: 'firefox' }, kurt: { browser: 'chromium' },
  });
  await Promise.all(browsers.map((b) => b.page.goto(server.url)));
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

const kill = (name) => killBrowser(browsers, name);

test('a Chromium host and Firefox guests chat both ways in one order', { skip }, async () => {
  assert.match(await joinAs(page('hana'), { nick: 'hana', room: ROOM }), /^Hosting/);
  assert.match(await joinAs(page('ivan'), { nick: 'ivan', room: ROOM }), /^Connected as guest/);
  assert.match(await joinAs(page('judy'), { nick: 'judy', room: ROOM }), /^Connected as guest/);
  await Promise.all(['hana', 'ivan', 'judy'].map((name) => waitForMembers(page(name), ['hana', 'ivan', 'judy'])));

  await Promise.all(['hana', 'ivan', 'judy'].map(async (name) => {
    for (let i = 1; i <= 3; i++) await say(page(name), `${name} ${i}`);
  }));
  const atHana = await waitForLines(page('hana'), 9);
  for (const name of ['ivan', 'judy']) assert.deepEqual(await waitForLines(page(name), 9), atHana);
  for (const name of ['hana', 'ivan', 'judy']) {
    assert.deepEqual(atHana.filter((line) => line.startsWith(`${name}:`)), [1, 2, 3].map((i) => `${name}: ${name} ${i}`));
  }

  await say(page('ivan'), LONG_LINE);  // Firefox → Chromium host → Firefox
  for (const name of ['hana', 'ivan', 'judy']) assert.equal((await waitForLines(page(name), 10))[9], `ivan: ${LONG_LINE}`);
});

test('the Chromium host is killed: a Firefox guest takes over with the history in order', { skip }, async () => {
  const before = await waitForLines(page('judy'), 10);
  kill('hana');
  await Promise.all(['ivan', 'judy'].map((name) => waitForMembers(page(name), ['ivan', 'judy'])));
  assert.match(await waitForStatus(page('ivan'), /^(Hosting|Connected as guest)/), /^Hosting/, 'the first successor hosts');
  assert.match(await waitForStatus(page('judy'), /^(Hosting|Connected as guest)/), /^Connected as guest/);
  assert.ok((await notices(page('judy'))).includes('hana left'));

  await say(page('judy'), 'after the failover');
  const atIvan = await waitForLines(page('ivan'), 11);
  assert.deepEqual(atIvan.slice(0, 10), before, 'history intact, in order');
  assert.deepEqual(await waitForLines(page('judy'), 11), atIvan);
});

test('a Chromium joiner gets the Firefox host\'s history and a long line back', { skip }, async () => {
  assert.match(await joinAs(page('kurt'), { nick: 'kurt', room: ROOM }), /^Connected as guest/);
  const atKurt = await waitForLines(page('kurt'), 11);
  assert.deepEqual(atKurt, await waitForLines(page('ivan'), 11));
  await say(page('kurt'), LONG_LINE);  // Chromium → Firefox host → Firefox
  for (const name of ['ivan', 'judy', 'kurt']) assert.equal((await waitForLines(page(name), 12))[11], `kurt: ${LONG_LINE}`);
});

test('a Firefox guest is killed: the Firefox host and the Chromium guest see it go within 6 s', { skip }, async () => {
  await waitForMembers(page('kurt'), ['ivan', 'judy', 'kurt']);
  kill('judy');
  const took = await Promise.all(['ivan', 'kurt'].map((name) => waitForMembers(page(name), ['ivan', 'kurt'])));
  assert.ok(Math.max(...took) < 6000, `took ${took} ms`);
  await say(page('kurt'), 'still here');
  assert.deepEqual((await waitForLines(page('ivan'), 13)).slice(12), ['kurt: still here']);
});
