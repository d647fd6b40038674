// Private and password rooms in real browsers (issue #14): a bare link makes a private room others
// join by its link; a wrong password is refused quickly; a proxy in front of the server that alters
// sealed texts makes the join report tampering; and after the session neither the server's log nor
// its metrics hold a room name, a link secret or a password.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  closeBrowsers, joinAs, openBrowsers, say, screenshot, startServer, submitJoin, waitForLines, waitForStatus,
} from './harness.mjs';
import { startSignalProxy } from './signal-proxy.mjs';

const PUBLIC_ROOM = 'townsquare-4417';
const PASSWORD_ROOM = 'vaultroom-9182';
const PASSWORD = 'correct horse battery';
const WRONG_PASSWORD = 'incorrect mule';

let server;
let proxy;
let browsers = [];
let alice, bob, carol;
let privateSecret = '';

// A man in the middle of the signaling path: forwards everything to the server, but flips one
// character in the middle of every sealed text a get takes.
function startTamperingProxy(target) {
  return startSignalProxy(target, (body) => {
    if (!body.startsWith('s1.')) return body;
    const at = Math.floor(body.length / 2);
    return body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1);
  });
}

before(async () => {
  server = await startServer();
  proxy = await startTamperingProxy(server.url);
  browsers = await openBrowsers(['alice', 'bob', 'carol']);
  [alice, bob, carol] = browsers.map((b) => b.page);
});

after(async () => {
  await closeBrowsers(browsers);
  await proxy?.stop();
  await server?.stop();
});

test('a bare link makes a private room; a second browser joins by its link and they chat', async () => {
  await alice.goto(server.url);
  privateSecret = await alice.evaluate(() => /^#s=([A-Za-z0-9_-]{22,})$/.exec(location.hash)?.[1]);
  assert.ok(privateSecret, 'the address bar holds a fresh secret in its fragment');
  assert.equal(await alice.evaluate(() => document.getElementById('private-room').hidden), false);
  await screenshot(alice, 'join-form-private');
  assert.match(await joinAs(alice, { nick: 'alice' }), /^Hosting/);
  const invitation = await alice.evaluate(() => location.href);
  assert.ok(invitation.endsWith(`#s=${privateSecret}`));
  assert.match(await alice.evaluate(() => document.getElementById('room-kind').textContent), /^Private room/);

  await bob.goto(invitation);
  assert.match(await joinAs(bob, { nick: 'bob' }), /^Connected as guest/);
  await say(bob, 'only we can read this');
  await say(alice, 'and the server cannot');
  for (const page of [alice, bob]) {
    assert.deepEqual(await waitForLines(page, 2), ['bob: only we can read this', 'alice: and the server cannot']);
  }
});

test('a proxy that alters sealed signaling texts makes a private-room join report tampering', async () => {
  await carol.goto(`${server.url}/#s=${privateSecret}`);
  const started = Date.now();
  await submitJoin(carol, { nick: 'carol', signal: proxy.signal });
  const status = await waitForStatus(carol, /altered on the way/);
  assert.match(status, /signaling server or the network/);
  assert.ok(proxy.changed.length >= 2, `the proxy altered ${proxy.changed.length} texts`);
  assert.ok(Date.now() - started < 15000, `reported after ${Date.now() - started} ms`);
  assert.equal(await carol.evaluate(() => document.getElementById('join-form').hidden), false, 'still on the form');
  await screenshot(carol, 'error-signal-tampered');
  // The room itself is unharmed: its host parked new offers, and the two still talk.
  await say(alice, 'still here');
  assert.deepEqual((await waitForLines(bob, 3))[2], 'alice: still here');
});

test('a wrong password is refused quickly; the right one joins a password room', async () => {
  for (const page of [alice, bob]) {
    await page.click('#leave');
    await waitForStatus(page, /^Not in a room/);
  }
  assert.match(await joinAs(alice, { nick: 'alice', room: PASSWORD_ROOM, password: PASSWORD }), /^Hosting/);
  assert.match(await alice.evaluate(() => document.getElementById('room-kind').textContent), /^Password room/);
  assert.ok(!(await alice.evaluate(() => location.href)).includes('horse'), 'the invitation never holds the password');

  const started = Date.now();
  await submitJoin(bob, { nick: 'bob', room: PASSWORD_ROOM, password: WRONG_PASSWORD });
  assert.equal(await waitForStatus(bob, /^Wrong password/), 'Wrong password, or no such room.');
  const took = Date.now() - started;
  assert.ok(took < 5000, `refused after ${took} ms`);
  await screenshot(bob, 'error-wrong-password');

  assert.match(await joinAs(bob, { nick: 'bob', room: PASSWORD_ROOM, password: PASSWORD }), /^Connected as guest/);
  await say(bob, 'with the right password');
  assert.deepEqual(await waitForLines(alice, 1), ['bob: with the right password']);
});

test('a public room is marked as public', async () => {
  await carol.goto(`${server.url}/#${PUBLIC_ROOM}`);
  assert.match(await joinAs(carol, { nick: 'carol', room: PUBLIC_ROOM, visibility: 'public' }), /^Hosting/);
  const kind = await carol.evaluate(() => {
    const element = document.getElementById('room-kind');
    return [element.textContent, element.dataset.kind];
  });
  assert.deepEqual(kind, ['Public room: anyone who knows its name can join', 'public']);
});

// Sealed texts, keys and signatures are base64url: the page decodes them with the browser's own
// Uint8Array.fromBase64 (both browsers here have it), which accepts more than the one canonical form.
test('the page\'s base64url decoder, the browser\'s own, refuses every text that is not a canonical encoding', async () => {
  for (const page of [alice, bob]) {
    const verdicts = await page.evaluate(async () => {
      const { fromBase64url, toBase64url } = await import('/crypto/encoding.js');
      const bytes = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
      const text = toBase64url(bytes);
      return {
        native: typeof Uint8Array.fromBase64 === 'function',
        roundTrip: fromBase64url(text)?.join(',') === bytes.join(','),
        refused: ['AB', '_'.repeat(43), `${text}B`, `${text}==`, `${text.slice(0, 8)} ${text.slice(8)}`, text.replace('A', '+'),
                  'QQ=', 'a/b_'].map((bad) => fromBase64url(bad) === null),
      };
    });
    assert.deepEqual(verdicts, { native: true, roundTrip: true, refused: new Array(8).fill(true) });
  }
});

test('after the session, the server\'s log and metrics hold no room name, link secret or password', async () => {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const log = server.log.join('');
  assert.match(log, /"POST \/sig\?get=[0-9a-f]{32}&timeoutms=/, 'the log names mailbox ids (as 32 hex)');
  assert.match(metrics, /webchat_deliveries_total [1-9]/);
  for (const secret of [PUBLIC_ROOM, PASSWORD_ROOM, privateSecret, PASSWORD, WRONG_PASSWORD, 'horse']) {
    assert.ok(!log.includes(secret), `the log holds ${secret}`);
    assert.ok(!metrics.includes(secret), `the metrics hold ${secret}`);
  }
});
