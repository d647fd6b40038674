// Browsers that die without a goodbye (SIGKILL of the whole process): when it is the host, the
// others re-form the room under a successor and keep chatting with their history; when it is a
// guest, it leaves everyone's member list within 6 s. Both depend on the room logic noticing a
// silent peer (heartbeats) and on host failover.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  ROOMS, closeBrowsers, killBrowser, joinAs, notices, openBrowsers, recordStatuses, roomsByDefault, say, startServer,
  statusesSeen, waitForLines, waitForMembers, waitForStatus,
} from './harness.mjs';

roomsByDefault(ROOMS);  // private rooms unless WEBCHAT_ROOMS=public

let server;
let browsers = [];
const byName = (name) => browsers.find((b) => b.name === name);

before(async () => {
  server = await startServer();
  // The host-kill test runs in three Chromium processes (mixed.test.mjs kills a Chromium host with
  // Firefox guests); erin and frank alternate browsers as WEBCHAT_BROWSERS says.
  const chromium = { browser: 'chromium' };
  browsers = await openBrowsers(['alice', 'bob', 'carol', 'erin', 'frank'], { alice: chromium, bob: chromium, carol: chromium });
  await Promise.all(browsers.map((b) => b.page.goto(server.url)));
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

const kill = (name) => killBrowser(browsers, name);

test('the host\'s browser is killed: the others fail over and keep chatting with history intact', async () => {
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => byName(name).page);
  await joinAs(alice, { nick: 'alice', room: 'failover' });
  await joinAs(bob, { nick: 'bob', room: 'failover' });
  await joinAs(carol, { nick: 'carol', room: 'failover' });
  await say(alice, 'from the first host');
  await say(bob, 'from bob');
  await say(carol, 'from carol');
  const before = await waitForLines(carol, 3);
  assert.deepEqual(await waitForLines(bob, 3), before);

  await Promise.all([bob, carol].map(recordStatuses));
  kill('alice');
  await Promise.all([bob, carol].map((page) => waitForMembers(page, ['bob', 'carol'])));
  const states = await Promise.all([bob, carol].map((page) => waitForStatus(page, /^(Hosting|Connected as guest)/)));
  assert.equal(states.filter((s) => s.startsWith('Hosting')).length, 1, `one new host: ${states}`);
  for (const page of [bob, carol]) {
    const shown = await statusesSeen(page);
    assert.ok(shown.some((s) => s.startsWith('The host went away')), `the page said it was reconnecting: ${shown}`);
    assert.ok((await notices(page)).includes('alice left'));
  }

  await say(bob, 'after the failover, bob');
  await say(carol, 'after the failover, carol');
  const atBob = await waitForLines(bob, 5);
  assert.deepEqual(atBob.slice(0, 3), before, 'history intact, in order');
  assert.deepEqual(await waitForLines(carol, 5), atBob);
});

test('a guest whose browser is killed leaves the member list within 6 s', async () => {
  const [erin, frank] = ['erin', 'frank'].map((name) => byName(name).page);
  await joinAs(erin, { nick: 'erin', room: 'crash' });
  await joinAs(frank, { nick: 'frank', room: 'crash' });
  await waitForMembers(erin, ['erin', 'frank']);
  kill('frank');
  const took = await waitForMembers(erin, ['erin']);
  assert.ok(took < 6000, `took ${took} ms`);
});
