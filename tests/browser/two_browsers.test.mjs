// Two separate Chromium processes join one room through the real server; each one's line shows up
// in the other's message list.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { joinAs, openBrowser, say, screenshot, startServer, waitForMessages } from './harness.mjs';

let server;
const browsers = [];

before(async () => {
  server = await startServer();
});

after(async () => {
  await Promise.all(browsers.map((b) => b.browser.close()));
  await server?.stop();
});

test('a line typed in each browser shows up in the other', async () => {
  const alice = await openBrowser('alice');
  const bob = await openBrowser('bob');
  browsers.push(alice, bob);
  await alice.page.goto(server.url);
  await bob.page.goto(server.url);
  await screenshot(alice.page, 'join-form');

  await joinAs(alice.page, { nick: 'alice', room: 'e2e' });
  await alice.page.waitForFunction(() => document.querySelector('#members .host')?.textContent === 'alice');
  await joinAs(bob.page, { nick: 'bob', room: 'e2e' });

  await say(alice.page, 'hello from alice');
  assert.deepEqual(await waitForMessages(bob.page, 1), ['alice: hello from alice']);
  await say(bob.page, 'hello from bob');
  const atAlice = await waitForMessages(alice.page, 2);
  assert.deepEqual(atAlice, ['alice: hello from alice', 'bob: hello from bob']);
  assert.deepEqual(await waitForMessages(bob.page, 2), atAlice);

  const members = await bob.page.$$eval('#members li', (items) => items.map((li) => li.textContent));
  assert.deepEqual(members, ['alice', 'bob']);
  await screenshot(alice.page, 'chat-as-host');
  await screenshot(bob.page, 'chat-as-guest');
});
