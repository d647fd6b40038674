// Two members' FileShares (web/files/) in real pages, without a room: the test relays their
// signaling texts itself, as the room's host would. Used by files-direct.test.mjs and tools/bench-files.

/**
 * Sets up a FileShare in `page` as member `selfId`; its events are recorded in window.__files.
 * signed: the page makes an Ed25519 key (WebCrypto) and signs its links' descriptions; the others'
 * public keys are handed over with knowKeys(). Returns the page's public key (base64 of raw bytes).
 */
export async function startFileShare(page, selfId, { signed = false, ...options } = {}) {
  return page.evaluate(async ([id, opts, withKeys]) => {
    await import('/webchat.js');  // loads (once per page) the compiled core it keeps under this symbol
    const core = await globalThis[Symbol.for('webchat.core')];
    const { FileShare } = await import('/files/file-share.js');
    window.__relayOut = [];
    window.__files = [];
    window.__peerKeys = {};
    const bytes = (text) => new TextEncoder().encode(text);
    const b64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));
    const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    let keys = null;
    if (withKeys) {
      keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      opts.sign = async (text) => b64(await crypto.subtle.sign('Ed25519', keys.privateKey, bytes(text)));
      opts.verify = async (peer, text, sig) => {
        const key = await crypto.subtle.importKey('raw', unb64(window.__peerKeys[peer]), 'Ed25519', false, ['verify']);
        return crypto.subtle.verify('Ed25519', key, unb64(sig), bytes(text));
      };
    }
    const share = new FileShare({ core, selfId: id, relay: (peer, text) => window.__relayOut.push([peer, text]), ...opts });
    for (const type of ['progress', 'received', 'ended', 'upload', 'cutoff']) {
      share.addEventListener(type, (e) => window.__files.push({ type, ...e.detail, blob: e.detail.blob ? e.detail.blob.size : undefined }));
    }
    window.__share = share;
    return keys ? b64(await crypto.subtle.exportKey('raw', keys.publicKey)) : '';
  }, [selfId, options, signed]);
}

/** Tells `page` the public keys of the other members: { id: key }. */
export function knowKeys(page, keys) {
  return page.evaluate((known) => Object.assign(window.__peerKeys, known), keys);
}

/**
 * Carries relayed texts between pages ({ id: page }) until stop() is called. While `rewrite` is set
 * (relay.rewrite = (text) => text), every text passes through it: a host tampering with them.
 */
export function relayBetween(pages) {
  let running = true;
  const relay = { rewrite: null, stop: () => { running = false; return loop; } };
  const loop = (async () => {
    while (running) {
      for (const [from, page] of Object.entries(pages)) {
        const out = await page.evaluate(() => window.__relayOut?.splice(0) ?? []).catch(() => []);
        for (const [to, text] of out) {
          const carried = relay.rewrite ? relay.rewrite(text) : text;
          await pages[to]?.evaluate(([peer, relayed]) => window.__share.relayed(peer, relayed), [from, carried]).catch(() => {});
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return relay;
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

/**
 * What a download of `hash` keeps in the page's storage: its spill files in the origin's OPFS folder
 * (web/files/sink.js) and the Web Locks held for them. For any page of the origin (a room's too).
 */
export function spillsOf(page, hash) {
  return page.evaluate(async (h) => {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('webchat-files', { create: true });
    const files = [];
    for await (const name of folder.keys()) if (name.startsWith(h)) files.push(name);
    const locks = (await navigator.locks.query()).held.filter((lock) => lock.name.startsWith(`webchat-files/${h}`)).length;
    return { files, locks };
  }, hash);
}
