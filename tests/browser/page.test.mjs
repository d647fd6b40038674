// The page and the module outside a plain served join: opened from disk, embedded through
// examples/embed.html, used with the keyboard alone, with settings kept across reloads, and the
// errors a person meets (server unreachable, bad ICE server, no WebRTC) put in words.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  closedPort, closeBrowsers, joinAs, openBrowsers, pageFromDisk, say, screenshot, startServer, submitJoin, waitForLines,
  waitForStatus,
} from './harness.mjs';

let server;
let browsers = [];
let disk, served;

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['disk', 'served']);
  [disk, served] = browsers.map((b) => b.page);
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

test('the built page opened from disk joins a room through the configured server', async () => {
  await disk.goto(pageFromDisk());
  assert.equal(await disk.evaluate(() => document.getElementById('signal').value), 'http://127.0.0.1:8080/sig',
               'the default server for a page from file://');
  await served.goto(server.url);
  assert.equal(await served.evaluate(() => document.getElementById('signal').value), `${server.url}/sig`,
               'a served page uses its own origin');

  await joinAs(served, { nick: 'served', room: 'disk' });
  await joinAs(disk, { nick: 'disk', room: 'disk', signal: server.signal });
  await say(disk, 'sent from a file:// page');
  assert.deepEqual(await waitForLines(served, 1), ['disk: sent from a file:// page']);
  await say(served, 'and back');
  assert.deepEqual(await waitForLines(disk, 2), ['disk: sent from a file:// page', 'served: and back']);
  await disk.click('#leave');
  await served.click('#leave');
  await waitForStatus(served, /^Not in a room/);
});

test('the module works from examples/embed.html; the page counts unread lines in its title', async () => {
  await served.goto(`${server.url}/#embedded`);
  await joinAs(served, { nick: 'pagegoer', room: 'embedded' });
  await say(served, 'hello, embedder');
  await disk.goto(`${server.url}/examples/embed.html?room=embedded&nick=embedder`);
  await disk.waitForFunction(() => document.getElementById('status').textContent === 'In “embedded” as guest');
  await disk.waitForFunction(() => document.getElementById('lines').textContent === 'pagegoer: hello, embedder');
  // The page's tab is hidden (another tab in front): lines from others count in its title.
  await served.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await disk.fill('#text', 'hello from the embed');
  await disk.press('#text', 'Enter');
  assert.deepEqual(await waitForLines(served, 2), ['pagegoer: hello, embedder', 'embedder: hello from the embed']);
  assert.equal(await served.evaluate(() => document.title), '(1) embedded · webchat');
  await served.evaluate(() => {
    delete document.visibilityState;  // back to the real, visible one
    document.dispatchEvent(new Event('visibilitychange'));
  });
  assert.equal(await served.evaluate(() => document.title), 'embedded · webchat');
});

test('keyboard only: Enter joins, Enter sends, Shift+Enter breaks the line', async () => {
  await disk.goto(`${server.url}/#embedded`);
  await disk.fill('#nick', 'typist');
  await disk.press('#room', 'Enter');
  await waitForStatus(disk, /^Connected as guest/);
  assert.equal(await disk.evaluate(() => document.activeElement.id), 'text', 'the message box has the focus');
  await disk.fill('#text', 'first line');
  await disk.press('#text', 'Shift+Enter');
  await disk.press('#text', 'Enter');
  const lines = await waitForLines(served, 3);
  assert.equal(lines[2], 'typist: first line\n');
  await disk.click('#leave');
});

test('the conversation follows new lines unless the reader scrolled up; the invite link is copied', async () => {
  await disk.goto(server.url);
  await joinAs(disk, { nick: 'talker', room: 'scrolling' });  // the host: its own lines are not rate-limited
  await served.click('#leave');  // else the tab would go back into "embedded" when it loads the page again
  await served.goto(server.url);
  await joinAs(served, { nick: 'reader', room: 'scrolling' });
  const LINES = 40;
  for (let i = 1; i <= LINES; i++) await say(disk, `line ${i}`);
  await waitForLines(served, LINES);
  const view = () => served.evaluate(() => {
    const list = document.getElementById('messages');
    return { overflows: list.scrollHeight > list.clientHeight, top: list.scrollTop,
             fromEnd: list.scrollHeight - list.scrollTop - list.clientHeight, jump: !document.getElementById('jump').hidden };
  });
  let seen = await view();
  assert.ok(seen.overflows, 'enough lines to scroll');
  assert.ok(seen.fromEnd <= 1 && !seen.jump, `followed the newest line: ${JSON.stringify(seen)}`);

  await served.evaluate(() => { document.getElementById('messages').scrollTop = 0; });
  await say(disk, 'while the reader scrolled up');
  await waitForLines(served, LINES + 1);
  seen = await view();
  assert.ok(seen.top === 0 && seen.jump, `stayed where the reader is, offering a jump: ${JSON.stringify(seen)}`);
  await served.click('#jump');
  seen = await view();
  assert.ok(seen.fromEnd <= 1 && !seen.jump, `the jump goes to the newest line: ${JSON.stringify(seen)}`);

  // The browser's clipboard is not ours to test: watch what the page hands it.
  await served.evaluate(() => {
    Object.defineProperty(navigator.clipboard, 'writeText', { value: async (text) => { window.copiedText = text; } });
  });
  await served.click('#invite');
  assert.equal(await served.waitForFunction(() => window.copiedText), `${server.url}/#scrolling`);
  await served.waitForFunction(() => document.getElementById('invite').textContent === 'Link copied');
  await disk.click('#leave');
  await served.click('#leave');
});

test('settings are remembered; a bad ICE server line is named', async () => {
  await disk.goto(server.url);
  await disk.evaluate(() => { document.getElementById('settings').open = true; });
  await disk.fill('#ice', 'stun:127.0.0.1:3478\nturn:127.0.0.1:3478 user secret');
  await disk.fill('#signal', 'http://127.0.0.1:9/sig');
  await disk.goto(server.url);  // a reload
  await disk.evaluate(() => { document.getElementById('settings').open = true; });
  assert.deepEqual(await disk.evaluate(() => [document.getElementById('signal').value, document.getElementById('ice').value]),
                   ['http://127.0.0.1:9/sig', 'stun:127.0.0.1:3478\nturn:127.0.0.1:3478 user secret']);

  await disk.fill('#ice', 'turn:127.0.0.1:3478');
  await disk.click('#join');
  assert.match(await waitForStatus(disk, /ICE server line 1/), /needs a username and a password/);
});

test('an unreachable server and a browser without WebRTC are explained', async () => {
  await disk.fill('#ice', '');
  await submitJoin(disk, { nick: 'lonely', room: 'nowhere', signal: `http://127.0.0.1:${await closedPort()}/sig` });
  assert.match(await waitForStatus(disk, /cannot be reached/), /Check its address in the settings/);
  await screenshot(disk, 'error-server-unreachable');

  const refusal = await served.evaluate(async () => {
    delete window.RTCPeerConnection;
    const { joinRoom } = await import('/webchat.js');
    return joinRoom({ nick: 'old-browser', room: 'any' }).then(() => 'joined', (error) => `${error.code}: ${error.message}`);
  });
  assert.match(refusal, /^webrtc-unsupported: This browser cannot open WebRTC/);
});
