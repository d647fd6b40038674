// The file cards of the room page (web/page/files.js) as the file tests read and use them: files
// dropped on the conversation, a card's status and buttons, what its download link gives, and the
// page's 'fileended' events (why a download stopped) kept for a failing wait's message.

import { STALL_MS, until } from './harness.mjs';

/**
 * Keeps the page's file events that say why a download stopped ('fileended': its outcome and reason,
 * which the card words without the reason) in window.fileEnds, for waitForCard's failures.
 */
export function recordFileEnds(p) {
  return p.evaluate(() => {
    window.fileEnds = [];
    const dispatch = EventTarget.prototype.dispatchEvent;
    EventTarget.prototype.dispatchEvent = function dispatchEvent(event) {
      if (event.type === 'fileended') window.fileEnds.push({ at: new Date().toISOString(), ...event.detail });
      return dispatch.call(this, event);
    };
  });
}

/** Drops a generated file on the conversation, as a person dragging it from their desktop would. */
export function dropFile(p, { name, type, size = 0, kind = 'random' }) {
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
 * Waits until the card of the file named `name` shows `selector`, its status matching `status`;
 * returns { status, hash }. No fixed deadline (a 50 MB file on a busy machine takes what it takes):
 * it fails once the page has shown nothing new for STALL_MS, no card yet (its sender still hashing
 * it), or a card whose progress bar and status stay as they are.
 */
export async function waitForCard(p, name, selector, status = /.*/) {
  try {
    return await until(`${name}: no ${selector} with a status matching ${status}`, async () => {
      const card = await p.evaluate(([fileName, sel]) => {
        const found = [...document.querySelectorAll('.file-card')].find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`));
        return found && { shows: Boolean(found.querySelector(sel)), status: found.querySelector('.file-status').textContent,
                          hash: found.dataset.hash, bytes: found.querySelector('progress').value };
      }, [name, selector]);
      return [Boolean(card?.shows && status.test(card.status)), card ?? null, card ? [card.bytes, card.status] : null];
    }, { deadlineMs: STALL_MS, everyMs: 250 });
  } catch (error) {
    const ends = await p.evaluate(() => window.fileEnds).catch(() => 'unknown');
    throw new Error(`${error.message}; the page's downloads that stopped: ${JSON.stringify(ends)}`);
  }
}

/** The plain SHA-256 of what the download link of the file named `name` gives. */
export function downloadedSha256(p, name) {
  return p.evaluate(async (fileName) => {
    const card = [...document.querySelectorAll('.file-card')].find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`));
    const bytes = await (await fetch(card.querySelector('.file-link').href)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }, name);
}

export function clickCardButton(p, name, label) {
  return p.evaluate(([fileName, text]) => {
    const card = [...document.querySelectorAll('.file-card')].find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`));
    const button = card.querySelector('.file-actions button');
    if (button.hidden || button.textContent !== text) throw new Error(`no ${text} button: ${button.textContent}`);
    button.click();
  }, [name, label]);
}

/** What the card of the file named `name` says under it now. */
export function cardStatus(p, name) {
  return p.evaluate((fileName) => [...document.querySelectorAll('.file-card')]
    .find((c) => c.querySelector('.file-meta').textContent.startsWith(`${fileName} ·`)).querySelector('.file-status').textContent, name);
}
