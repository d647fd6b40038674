// Two members' FileShares (web/files/) in real pages, without a room: the test relays their
// signaling texts itself, as the room's host would. Used by files-direct.test.mjs and tools/bench-files.

/** Sets up a FileShare in `page` as member `selfId`; its events are recorded in window.__files. */
export async function startFileShare(page, selfId, options = {}) {
  await page.evaluate(async ([id, opts]) => {
    await import('/webchat.js');  // loads (once per page) the compiled core it keeps under this symbol
    const core = await globalThis[Symbol.for('webchat.core')];
    const { FileShare } = await import('/files/file-share.js');
    window.__relayOut = [];
    window.__files = [];
    const share = new FileShare({ core, selfId: id, relay: (peer, text) => window.__relayOut.push([peer, text]), ...opts });
    for (const type of ['progress', 'received', 'ended', 'upload', 'cutoff']) {
      share.addEventListener(type, (e) => window.__files.push({ type, ...e.detail, blob: e.detail.blob ? e.detail.blob.size : undefined }));
    }
    window.__share = share;
  }, [selfId, options]);
}

/** Carries relayed texts between pages ({ id: page }) until stop() is called. */
export function relayBetween(pages) {
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const [from, page] of Object.entries(pages)) {
        const out = await page.evaluate(() => window.__relayOut?.splice(0) ?? []).catch(() => []);
        for (const [to, text] of out) {
          await pages[to]?.evaluate(([peer, relayed]) => window.__share.relayed(peer, relayed), [from, text]).catch(() => {});
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return { stop: () => { running = false; return loop; } };
}

/** Makes a Blob of `size` random bytes in the page, shares it; returns { hash, size, sha256 }. */
export function shareRandomFile(page, size) {
  return page.evaluate(async (bytes) => {
    const parts = [];
    for (let at = 0; at < bytes; at += 65536) {
      const part = new Uint8Array(Math.min(65536, bytes - at));
      crypto.getRandomValues(part);
      parts.push(part);
    }
    const blob = new Blob(parts, { type: 'application/octet-stream' });
    const { hash } = await window.__share.share(blob);
    const plain = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    const sha256 = Array.from(new Uint8Array(plain), (b) => b.toString(16).padStart(2, '0')).join('');
    return { hash, size: bytes, sha256 };
  }, size);
}

/** Waits for a recorded FileShare event matching `fields`; returns it. */
export function waitForFileEvent(page, fields) {
  return page.waitForFunction((wanted) => window.__files.find((e) => Object.entries(wanted).every(([k, v]) => e[k] === v)), fields);
}

/** Plain SHA-256 (hex) of the blob a page holds for `hash`. */
export function plainSha256Of(page, hash) {
  return page.evaluate(async (h) => {
    const blob = window.__share.blob(h);
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }, hash);
}
