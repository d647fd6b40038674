// Files over a direct link between two real browsers (Firefox and Chromium, both ways), driven
// through web/files/ without a room: the bytes, the hashes, cancelling on either side, a sender that
// dies; descriptions signed with each member's Ed25519 key, and a relay that rewrites them (a host
// trying to sit in the middle) refused. The room's part (announcing files, relaying the signaling) is tested in files.test.mjs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeBrowsers, killBrowser, openBrowsers, startServer } from './harness.mjs';
import {
  knowKeys, plainSha256Of, relayBetween, shareRandomFile, slowDisk, spillsOf, startFileShare, waitForDownload, waitForFileEvent, waitForUnstored,
} from './files-pair.mjs';

const MB = 1024 * 1024;
let server;
let browsers;
let relay;
let members;  // id → page, as the relay carries texts between them
let fox;
let chrome;
let foxKey;
let first;    // the file of the first test, which Chromium keeps (in OPFS) from then on
let second;   // the file of the second test, which Firefox keeps
let chromeKey;

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['fox', 'chrome'], { fox: { browser: 'firefox' }, chrome: { browser: 'chromium' } });
  [fox, chrome] = browsers.map((b) => b.page);
  await Promise.all([fox.goto(`${server.url}/`), chrome.goto(`${server.url}/`)]);
  foxKey = await startFileShare(fox, 'f0f0f0f0f0f0f0f0', { signed: true });
  chromeKey = await startFileShare(chrome, 'c0c0c0c0c0c0c0c0', { signed: true });
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
  const received = await waitForDownload(chrome, transfer);
  assert.equal(received.blob, file.size);
  assert.equal(await plainSha256Of(chrome, file.hash), file.sha256);
  await waitForFileEvent(fox, { type: 'upload', hash: file.hash, done: true, reason: 'complete' });
});

test('and Chromium → Firefox', async () => {
  const file = await shareRandomFile(chrome, 12 * MB + 12345);
  second = file;
  const transfer = await fetchOn(fox, file, 'c0c0c0c0c0c0c0c0');
  await waitForDownload(fox, transfer);
  assert.equal(await plainSha256Of(fox, file.hash), file.sha256);
});

/** Waits until the page's FileShare keeps nothing: no download, no byte unstored, nothing queued or buffered to send. */
function waitForIdleShare(page) {
  return page.waitForFunction(() => {
    const { downloads, unstored, queued, buffered } = window.__share.usage();
    return downloads + unstored + queued + buffered === 0;
  });
}

/** How many progress events of `transfer` the page recorded after its `from`th event. */
function progressAfter(page, transfer, from) {
  return page.evaluate(([t, at]) => window.__files.slice(at).filter((e) => e.transfer === t && e.type === 'progress').length, [transfer, from]);
}

// The cancel cases hold their receiver's disk (slowDisk) once its download moves: the download stays
// mid-way whatever the machine's speed (so 16 MB do), its bytes arrive ahead of what it stores, and
// those writes finish only after the stop, as on a busy machine. They must report no progress then
// (in a room, the card said "Received…" again, and a sender's cancel ended up shown as "Cancelled.").
// A 16 MB download from `sender` to `receiver`, moving, its receiver's disk held: { file, transfer }.
async function heldDownload(sender, receiver, transferId) {
  const file = await shareRandomFile(sender, 16 * MB);
  const transfer = await fetchOn(receiver, file, transferId);
  await waitForFileEvent(receiver, { type: 'progress', transfer });
  await slowDisk(receiver, null);
  await waitForUnstored(receiver);
  return { file, transfer };
}

test('a receiver cancelling stops both ends and frees what both kept', async () => {
  try {
    const { file, transfer } = await heldDownload(chrome, fox, 'c0c0c0c0c0c0c0c0');
    assert.equal((await fox.evaluate(() => window.__share.usage())).downloads, 1);
    assert.deepEqual(await spillsOf(fox, file.hash).then(({ files, locks }) => [files.filter((name) => !name.includes('.')).length, locks]), [1, 1], 'the download spills to OPFS');
    const cancelledAt = await fox.evaluate((t) => { window.__share.cancel(t); return window.__files.length; }, transfer);
    await slowDisk(fox, 0);
    await waitForFileEvent(fox, { type: 'ended', transfer, outcome: 'cancelled' });
    assert.equal(await progressAfter(fox, transfer, cancelledAt), 0, 'progress reported after the cancel');
    assert.equal(await fox.evaluate((h) => window.__share.holds(h), file.hash), false);
    assert.deepEqual(await spillsOf(fox, file.hash), { files: [], locks: 0 });
    assert.deepEqual(await fox.evaluate(() => window.__share.usage()), { downloads: 0, unstored: 0, queued: 0, buffered: 0 });
    await waitForIdleShare(chrome);  // the sender's queued chunks dropped, its link's buffer drained
  } finally {
    await slowDisk(fox, 0);
  }
});

test('a sender cancelling stops both ends; the receiver frees its bytes once it gives up', async () => {
  try {
    const { file, transfer } = await heldDownload(fox, chrome, 'f0f0f0f0f0f0f0f0');
    await fox.evaluate((h) => window.__share.withdraw(h), file.hash);
    const ended = await waitForFileEvent(chrome, { type: 'ended', transfer });
    assert.equal(ended.outcome, 'incomplete');
    assert.equal(ended.reason, 'withdrawn');
    assert.ok(ended.bytes < file.size);
    const endedAt = await chrome.evaluate((t) => window.__files.findIndex((e) => e.transfer === t && e.type === 'ended'), transfer);
    await slowDisk(chrome, 0);
    await waitForIdleShare(fox);
    // Incomplete keeps the bytes for another holder (a room gives up at once when the author withdrew).
    assert.equal((await spillsOf(chrome, file.hash)).files.filter((name) => !name.includes('.')).length, 1);  // (Chromium's .crswap aside)
    await chrome.evaluate((t) => window.__share.cancel(t), transfer);
    await waitForFileEvent(chrome, { type: 'ended', transfer, outcome: 'cancelled' });
    assert.deepEqual(await spillsOf(chrome, file.hash), { files: [], locks: 0 });
    await waitForIdleShare(chrome);
    assert.equal(await progressAfter(chrome, transfer, endedAt), 0, 'progress reported after the download stopped');
  } finally {
    await slowDisk(chrome, 0);
  }
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

// A slow disk (slowDisk: each 1 MiB written waits this long) keeps a download moving for at least
// size / 1 MiB × this, whatever the machine's speed: still under way when its tab closes or its sender
// dies, from a file of a few MB.
const SLOW_DISK_MS = 200;

/**
 * A tab of `live`'s browser (member `liveId`'s profile) pulls a file from `holder` and is closed
 * mid-download; another tab then starts a FileShare, which sweeps: exactly the closed tab's file
 * goes, every file of the live tab stays (`kept`, a file it received, still readable).
 */
async function closedTabCase({ live, liveId, holder, holderId, holderKey, kept, tabIds: [leavingId, nextId] }) {
  const before = await spilled(live);  // the live tab's: received files, interrupted downloads
  const leaving = await live.newTab();
  await leaving.goto(`${server.url}/`);
  const leavingKey = await startFileShare(leaving, leavingId, { signed: true });
  await knowKeys(leaving, { [holderId]: holderKey });
  await knowKeys(holder, { [leavingId]: leavingKey });
  members[leavingId] = leaving;
  await slowDisk(leaving, SLOW_DISK_MS);  // still downloading when closed, whatever the machine
  const file = await shareRandomFile(holder, 8 * MB);
  const transfer = await fetchOn(leaving, file, holderId);
  await waitForFileEvent(leaving, { type: 'progress', transfer });
  const [name] = (await spilled(leaving)).filter((entry) => entry.startsWith(file.hash) && !entry.includes('.'));
  assert.ok(name, 'the download spills to OPFS');
  await leaving.close();
  delete members[leavingId];

  const next = await live.newTab();
  await next.goto(`${server.url}/`);
  // The closed tab's locks go with it, a moment after the tab: wait for that, not for a time.
  await next.evaluate(async (base) => {
    while ((await navigator.locks.query()).held.some((lock) => lock.name.endsWith(base))) await new Promise((r) => setTimeout(r, 50));
  }, name);
  assert.ok((await spilled(next)).includes(name), 'closing the tab left its file');
  await startFileShare(next, nextId);  // a FileShare sweeps 2 s after it starts
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
  assert.deepEqual(before.filter((entry) => !still.includes(entry)), [], 'the live tab keeps every file');
  assert.ok(before.some((entry) => entry.startsWith(kept.hash)));
  assert.equal(await plainSha256Of(live, kept.hash), kept.sha256);
  await next.close();
}

test('a tab closed mid-download leaves no file behind once another tab starts; a live tab keeps its files (Chromium)', async () => {
  await closedTabCase({ live: chrome, liveId: 'c0c0c0c0c0c0c0c0', holder: fox, holderId: 'f0f0f0f0f0f0f0f0', holderKey: foxKey,
                        kept: first, tabIds: ['c1c1c1c1c1c1c1c1', 'c2c2c2c2c2c2c2c2'] });
});

test('the same in Firefox', async () => {
  await closedTabCase({ live: fox, liveId: 'f0f0f0f0f0f0f0f0', holder: chrome, holderId: 'c0c0c0c0c0c0c0c0', holderKey: chromeKey,
                        kept: second, tabIds: ['f1f1f1f1f1f1f1f1', 'f2f2f2f2f2f2f2f2'] });
});

test('a sender killed mid-transfer leaves the receiver with a clear "incomplete"', async () => {
  await slowDisk(chrome, SLOW_DISK_MS);  // still moving when its sender dies, whatever the machine
  const file = await shareRandomFile(fox, 16 * MB);
  const transfer = await fetchOn(chrome, file, 'f0f0f0f0f0f0f0f0');
  await waitForFileEvent(chrome, { type: 'progress', transfer });
  killBrowser(browsers, 'fox');
  const ended = await waitForFileEvent(chrome, { type: 'ended', transfer });
  assert.equal(ended.outcome, 'incomplete');
  assert.match(ended.reason, /^(stalled|holder-gone)$/);
});
