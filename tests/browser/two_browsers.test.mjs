// Two separate Chromium processes join one room through the real server; each one's line shows up
// in the other's message list; the built page also works when opened from disk.

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { joinAs, openBrowser, say, screenshot, startServer, waitForMessages, WEB_ROOT } from './harness.mjs';

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

test('the built page opened from disk joins a room through the configured server', async () => {
  const fromDisk = await openBrowser('from-disk');
  const served = await openBrowser('served');
  browsers.push(fromDisk, served);
  await fromDisk.page.goto(pathToFileURL(resolve(WEB_ROOT, 'index.html')).href);
  assert.equal(await fromDisk.page.inputValue('#signal'), 'http://127.0.0.1:8080/sig', 'default for file://');
  await served.page.goto(server.url);

  await joinAs(served.page, { nick: 'served', room: 'disk' });
  await joinAs(fromDisk.page, { nick: 'disk', room: 'disk', signal: server.signal });
  await say(fromDisk.page, 'sent from a file:// page');
  assert.deepEqual(await waitForMessages(served.page, 1), ['disk: sent from a file:// page']);
  await say(served.page, 'and back');
  assert.deepEqual(await waitForMessages(fromDisk.page, 2), ['disk: sent from a file:// page', 'served: and back']);
});
