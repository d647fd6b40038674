// Files in a room of real browsers, through the page as a person uses it (files dropped on the
// conversation): a 50 MB random file from a guest reaches every member with its SHA-256 matching (and a
// line its sender types meanwhile arrives too); an
// image (recognised by its bytes) shows inline, an SVG (even named .png) or HTML file is only a download; a
// receiver cancels; the sender's tab is killed mid-transfer; a newcomer fetches an earlier file.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeBrowsers, joinAs, killBrowser, openBrowsers, say, startServer, waitForMembers } from './harness.mjs';

const MB = 1024 * 1024;
const TRANSFER_DEADLINE_MS = 240000;  // 50 MB to two members at once, on a busy 2-core machine
let server;
let browsers;
const page = (name) => browsers.find((b) => b.name === name).page;

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['host', 'guest', 'other']);
  for (const { name, page: p } of browsers) {
    await p.goto(`${server.url}/`);
    await joinAs(p, { nick: name, room: 'files', signal: server.signal });
  }
  await waitForMembers(page('other'), ['host', 'guest', 'other']);
});

after(async () => {
  await closeBrowsers(browsers ?? []);
  await server?.stop();
});

/** Drops a generated file on the conversation, as a person dragging it from their desktop would. */
function dropFile(p, { name, type, size = 0, kind = 'random' }) {
  return p.evaluate(async ([fileName, fileType, bytes, what]) => {
    let parts;
    if (what === 'png') {
      const canvas = document.createElement('canvas');
      canvas.width = 40;
      canvas.height = 30;
      canvas.getContext('2d').fillRect(0, 0, 20, 15);
      parts = [await new Promise((r) => canvas.toBlob(r, 'image/png'))];
    } else if (what === 'svg') {
      parts = ['<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=\'owned\'"><rect width="9" height="9"/></svg>'];
    } else if (what === 'html') {
      parts = ['<!doctype html><script>parent.document.title = "owned"</script><img src=x onerror="parent.document.title=\'owned\'">'];
    } else {
      parts = [];
      for (let at = 0; at < bytes; at += 65536) {
        const part = new Uint8Array(Math.min(65536, bytes - at));
        crypto.getRandomValues(part);
        parts.push(part);
      }
    }
    const file = new File(parts, fileName, { type: fileType });
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    const data = new DataTransfer();
    data.items.add(file);
    document.getElementById('conversation').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }, [name, type, size, kind]);
}

/**
 * Waits until the card of the file named `name` shows `selector`; returns what it says. Checks every
 * 250 ms up to `deadlineMs` (files take longer than the harness's 30 s deadline for a page to react).
 */
async function waitForCard(p, name, selector, deadlineMs = TRANSFER_DEADLINE_MS, status = /.*/) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const found = await p.evaluate(([fileName, sel]) => {
      const card = [...document.querySelectorAll('.file-card')].find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`));
      return card?.querySelector(sel) ? { status: card.querySelector('.file-status').textContent, hash: card.dataset.hash } : null;
    }, [name, selector]);
    if (found && status.test(found.status)) return found;
    if (Date.now() > until) throw new Error(`${name}: no ${selector} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The plain SHA-256 of what the download link of the file named `name` gives. */
function downloadedSha256(p, name) {
  return p.evaluate(async (fileName) => {
    const card = [...document.querySelectorAll('.file-card')].find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`));
    const bytes = await (await fetch(card.querySelector('.file-link').href)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }, name);
}

function clickCardButton(p, name, label) {
  return p.evaluate(([fileName, text]) => {
    const card = [...document.querySelectorAll('.file-card')].find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`));
    const button = card.querySelector('.file-actions button');
    if (button.hidden || button.textContent !== text) throw new Error(`no ${text} button: ${button.textContent}`);
    button.click();
  }, [name, label]);
}

test('a 50 MB random file from a guest reaches every member, its SHA-256 matching', async () => {
  const sha256 = await dropFile(page('guest'), { name: 'big.bin', type: 'application/octet-stream', size: 50 * MB });
  // Its sender types a line while it moves: the transfers make way for it (paced while people talk),
  // the line arrives, and so does the file, whole.
  await waitForCard(page('other'), 'big.bin', '.file-status:not(:empty)');
  await say(page('guest'), 'while it moves');
  for (const name of ['host', 'other']) {
    await page(name).waitForFunction(() => [...document.querySelectorAll('#messages li.line .text')].some((t) => t.textContent === 'while it moves'));
  }
  for (const name of ['host', 'other']) {
    await waitForCard(page(name), 'big.bin', '.file-link');
    assert.equal(await downloadedSha256(page(name), 'big.bin'), sha256, name);
  }
});

test('an image shows inline whatever its name; an SVG named .png, an SVG or an HTML file is only a download', async () => {
  await dropFile(page('host'), { name: 'photo.txt', type: 'text/plain', kind: 'png' });
  await dropFile(page('host'), { name: 'trap.png', type: 'image/png', kind: 'svg' });
  await dropFile(page('host'), { name: 'trap.svg', type: 'image/svg+xml', kind: 'svg' });
  await dropFile(page('host'), { name: 'trap.html', type: 'text/html', kind: 'html' });
  for (const name of ['guest', 'other']) {
    await waitForCard(page(name), 'photo.txt', 'img.file-thumb');
    for (const trap of ['trap.png', 'trap.svg', 'trap.html']) {
      await waitForCard(page(name), trap, '.file-link');
      // Its link is typed as bytes: opening it downloads, it never renders in the page's origin.
      assert.equal(await page(name).evaluate(async (fileName) => {
        const card = [...document.querySelectorAll('.file-card')].find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`));
        return (await fetch(card.querySelector('.file-link').href)).headers.get('content-type');
      }, trap), 'application/octet-stream', trap);
    }
    assert.equal(await page(name).evaluate(() => document.querySelectorAll('.file-card img').length >= 1 &&
      [...document.querySelectorAll('.file-card img')].every((img) => !img.closest('.file-card').querySelector('.file-meta').textContent.startsWith('trap.'))), true);
    assert.equal(await page(name).evaluate(() => document.querySelectorAll('.file-card iframe, .file-card object, .file-card embed').length), 0);
    assert.notEqual(await page(name).evaluate(() => document.title), 'owned');
  }
  // Click: full size in the page's viewer.
  await page('guest').evaluate(() => document.querySelector('.file-card img.file-thumb').click());
  await page('guest').waitForFunction(() => document.getElementById('file-viewer').open);
});

test('a receiver cancelling stops its download', async () => {
  await dropFile(page('host'), { name: 'cancel-me.bin', type: '', size: 40 * MB });
  await waitForCard(page('other'), 'cancel-me.bin', '.file-status:not(:empty)');
  await clickCardButton(page('other'), 'cancel-me.bin', 'Cancel');
  const { status } = await waitForCard(page('other'), 'cancel-me.bin', '.file-actions button:not([hidden])', 30000, /^Cancelled/);
  assert.equal(status, 'Cancelled.');
});

test('a newcomer fetches an earlier file on demand', async () => {
  const [late] = await openBrowsers(['late']);
  browsers.push(late);
  await late.page.goto(`${server.url}/`);
  await joinAs(late.page, { nick: 'late', room: 'files', signal: server.signal });
  await waitForCard(late.page, 'big.bin', '.file-actions button:not([hidden])');
  await clickCardButton(late.page, 'big.bin', 'Download');
  await waitForCard(late.page, 'big.bin', '.file-link');
  const expected = await downloadedSha256(page('guest'), 'big.bin');
  assert.equal(await downloadedSha256(late.page, 'big.bin'), expected);
});

test('the sender killed mid-transfer leaves the others with a clear "incomplete"', async () => {
  await dropFile(page('guest'), { name: 'doomed.bin', type: '', size: 80 * MB });
  await waitForCard(page('other'), 'doomed.bin', '.file-status:not(:empty)');
  killBrowser(browsers, 'guest');
  const { status } = await waitForCard(page('other'), 'doomed.bin', '.file-status[data-tone="error"]');
  assert.match(status, /^Incomplete/);
});

test('the host killed mid-transfer: the transfer between two guests completes after the failover', async () => {
  // Left: host, other, late. The file goes other → late (and host) over direct links, not the host's.
  await dropFile(page('other'), { name: 'through-failover.bin', type: '', size: 30 * MB });
  const late = browsers.find((b) => b.name === 'late').page;
  await waitForCard(late, 'through-failover.bin', '.file-status:not(:empty)');
  killBrowser(browsers, 'host');
  await waitForCard(late, 'through-failover.bin', '.file-link');
  const expected = await downloadedSha256(page('other'), 'through-failover.bin');
  assert.equal(await downloadedSha256(late, 'through-failover.bin'), expected);
});
