// Files over a direct link between two real browsers (Firefox and Chromium, both ways), driven
// through web/files/ without a room: the bytes, the hashes, cancelling on either side, a sender that
// dies; descriptions signed with each member's Ed25519 key, and a relay that rewrites them (a host
// trying to sit in the middle) refused. The room's part (announcing files, relaying the signaling) is tested in files.test.mjs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeBrowsers, killBrowser, openBrowsers, startServer } from './harness.mjs';
import { knowKeys, plainSha256Of, relayBetween, shareRandomFile, startFileShare, waitForFileEvent } from './files-pair.mjs';

const MB = 1024 * 1024;
let server;
let browsers;
let relay;
let members;  // id → page, as the relay carries texts between them
let fox;
let chrome;
let foxKey;
let first;    // the file of the first test, which Chromium keeps (in OPFS) from then on

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['fox', 'chrome'], { fox: { browser: 'firefox' }, chrome: { browser: 'chromium' } });
  [fox, chrome] = browsers.map((b) => b.page);
  await Promise.all([fox.goto(`${server.url}/`), chrome.goto(`${server.url}/`)]);
  foxKey = await startFileShare(fox, 'f0f0f0f0f0f0f0f0', { signed: true });
  const chromeKey = await startFileShare(chrome, 'c0c0c0c0c0c0c0c0', { signed: true });
  await knowKeys(fox, { c0c0c0c0c0c0c0c0: chromeKey });
  await knowKeys(chrome, { f0f0f0f0f0f0f0f0: foxKey });
  members = { f0f0f0f0f0f0f0f0: fox, c0c0c0c0c0c0c0c0: chrome };
  relay = relayBetween(members);
});

after(async () => {
  await relay?.stop();
  await closeBrowsers(browsers ?? []);
  await server?.stop();
});

async function fetchOn(page, file, holder) {
  return page.evaluate(([f, h]) => window.__share.fetch(f, [h]), [file, holder]);
}

test('a 50 MB random file crosses Firefox → Chromium whole, its SHA-256 matching', async () => {
  const file = await shareRandomFile(fox, 50 * MB);
  first = file;
  const transfer = await fetchOn(chrome, file, 'f0f0f0f0f0f0f0f0');
  const received = await waitForFileEvent(chrome, { type: 'received', transfer });
  assert.equal(received.blob, file.size);
  assert.equal(await plainSha256Of(chrome, file.hash), file.sha256);
  await waitForFileEvent(fox, { type: 'upload', hash: file.hash, done: true, reason: 'complete' });
});

test('and Chromium → Firefox', async () => {
  const file = await shareRandomFile(chrome, 12 * MB + 12345);
  const transfer = await fetchOn(fox, file, 'c0c0c0c0c0c0c0c0');
  await waitForFileEvent(fox, { type: 'received', transfer });
  assert.equal(await plainSha256Of(fox, file.hash), file.sha256);
});

test('a receiver cancelling stops both ends', async () => {
  const file = await shareRandomFile(chrome, 40 * MB);
  const transfer = await fetchOn(fox, file, 'c0c0c0c0c0c0c0c0');
  await waitForFileEvent(fox, { type: 'progress', transfer });
  await fox.evaluate((t) => window.__share.cancel(t), transfer);
  await waitForFileEvent(fox, { type: 'ended', transfer, outcome: 'cancelled' });
  await waitForFileEvent(chrome, { type: 'upload', hash: file.hash, done: true, reason: 'cancelled' });
  assert.equal(await fox.evaluate((h) => window.__share.holds(h), file.hash), false);
});

test('a sender cancelling stops both ends', async () => {
  const file = await shareRandomFile(fox, 40 * MB);
  const transfer = await fetchOn(chrome, file, 'f0f0f0f0f0f0f0f0');
  await waitForFileEvent(chrome, { type: 'progress', transfer });
  await fox.evaluate((h) => window.__share.withdraw(h), file.hash);
  const ended = await waitForFileEvent(chrome, { type: 'ended', transfer });
  assert.equal(ended.outcome, 'incomplete');
  assert.equal(ended.reason, 'withdrawn');
  assert.ok(ended.bytes < file.size);
});

test('a relay rewriting a signed description (a host in the middle) gets no link', async () => {
  // Drop the link both ends have, so the next transfer needs a new one through the tampering relay.
  await fox.evaluate(() => window.__share.memberGone('c0c0c0c0c0c0c0c0'));
  await chrome.evaluate(() => window.__share.memberGone('f0f0f0f0f0f0f0f0'));
  const file = await shareRandomFile(fox, 1 * MB);
  // A change the link would survive unsigned (the session's name): only the signature refuses it.
  relay.rewrite = (text) => text.replace('\\r\\ns=-\\r\\n', '\\r\\ns=tampered\\r\\n');
  const transfer = await fetchOn(chrome, file, 'f0f0f0f0f0f0f0f0');
  const ended = await waitForFileEvent(chrome, { type: 'ended', transfer });
  relay.rewrite = null;
  assert.equal(ended.outcome, 'incomplete');
  assert.equal(ended.reason, 'holder-gone');  // the link never opened
  assert.equal(ended.bytes, 0);
  assert.equal(await chrome.evaluate((h) => window.__share.holds(h), file.hash), false);
  // The same exchange untouched: the link opens and the file comes.
  const again = await chrome.evaluate(([f, h]) => window.__share.fetch(f, [h]), [file, 'f0f0f0f0f0f0f0f0']);
  await waitForFileEvent(chrome, { type: 'received', transfer: again });
});

/** The names of the files downloads spill to in the page's origin (OPFS). */
function spilled(page) {
  return page.evaluate(async () => {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('webchat-files', { create: true });
    const names = [];
    for await (const name of folder.keys()) names.push(name);
    return names;
  });
}

test('a tab closed mid-download leaves no file behind once another tab starts; a live tab keeps its files', async () => {
  const kept = await spilled(chrome);  // the first tab's: received files, interrupted downloads
  const leaving = await chrome.newTab();
  await leaving.goto(`${server.url}/`);
  const leavingKey = await startFileShare(leaving, 'c1c1c1c1c1c1c1c1', { signed: true });
  await knowKeys(leaving, { f0f0f0f0f0f0f0f0: foxKey });
  await knowKeys(fox, { c1c1c1c1c1c1c1c1: leavingKey });
  members.c1c1c1c1c1c1c1c1 = leaving;
  const file = await shareRandomFile(fox, 24 * MB);
  const transfer = await fetchOn(leaving, file, 'f0f0f0f0f0f0f0f0');
  await waitForFileEvent(leaving, { type: 'progress', transfer });
  const [name] = (await spilled(leaving)).filter((entry) => entry.startsWith(file.hash) && !entry.includes('.'));
  assert.ok(name, 'the download spills to OPFS');
  await leaving.close();
  delete members.c1c1c1c1c1c1c1c1;

  const next = await chrome.newTab();
  await next.goto(`${server.url}/`);
  // The closed tab's locks go with it, a moment after the tab: wait for that, not for a time.
  await next.evaluate(async (base) => {
    while ((await navigator.locks.query()).held.some((lock) => lock.name.endsWith(base))) await new Promise((r) => setTimeout(r, 50));
  }, name);
  assert.ok((await spilled(next)).includes(name), 'closing the tab left its file');
  await startFileShare(next, 'c2c2c2c2c2c2c2c2');  // a FileShare sweeps when it starts
  await next.evaluate(async (base) => {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('webchat-files');
    const left = async () => { for await (const entry of folder.keys()) if (entry.startsWith(base)) return true; return false; };
    const until = Date.now() + 30000;
    while (await left()) {
      if (Date.now() > until) throw new Error(`${base} is still there 30 s after a FileShare started`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, name);
  const still = await spilled(next);
  assert.deepEqual(kept.filter((entry) => !still.includes(entry)), [], 'the live tab keeps every file');
  assert.ok(kept.some((entry) => entry.startsWith(first.hash)));
  assert.equal(await plainSha256Of(chrome, first.hash), first.sha256);
  await next.close();
});

test('a sender killed mid-transfer leaves the receiver with a clear "incomplete"', async () => {
  const file = await shareRandomFile(fox, 60 * MB);
  const transfer = await fetchOn(chrome, file, 'f0f0f0f0f0f0f0f0');
  await waitForFileEvent(chrome, { type: 'progress', transfer });
  killBrowser(browsers, 'fox');
  const ended = await waitForFileEvent(chrome, { type: 'ended', transfer });
  assert.equal(ended.outcome, 'incomplete');
  assert.match(ended.reason, /^(stalled|holder-gone)$/);
});
