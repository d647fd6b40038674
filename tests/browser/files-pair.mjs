// Two members' FileShares (web/files/) in real pages, without a room: the test relays their
// signaling texts itself, as the room's host would. Used by files-direct.test.mjs and tools/bench-files.

import { STALL_MS, until } from './harness.mjs';

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

/**
 * Waits until download `transfer` of `page` arrives whole ('received'); returns that event. No fixed
 * deadline: it fails when the download ends without the file, or moves no byte for STALL_MS.
 */
export function waitForDownload(page, transfer) {
  return until(`download ${transfer} did not arrive`, async () => {
    const { received, ended, bytes } = await page.evaluate((t) => {
      const of = window.__files.filter((e) => e.transfer === t);
      return {
        received: of.find((e) => e.type === 'received') ?? null,
        ended: of.find((e) => e.type === 'ended') ?? null,
        bytes: of.reduce((most, e) => (e.type === 'progress' ? Math.max(most, e.bytes) : most), 0),
      };
    }, transfer);
    if (!received && ended) throw new Error(`download ${transfer} ended without the file: ${JSON.stringify(ended)}`);
    return [Boolean(received), received ?? { bytes }, bytes];
  }, { deadlineMs: STALL_MS, everyMs: 250 });
}

/**
 * Makes the page's storage slow from now on, as a busy disk: each write to an OPFS file (a download's
 * 1 MiB parts, web/files/sink.js) waits `ms` first; null holds every write until the next call (0: as
 * fast as it is). A download then lasts at least size / 1 MiB × ms, or stays where it is while held
 * (its holder sends a window ahead of what is stored), whatever the machine's speed; and its writes
 * lag behind its bytes.
 */
export function slowDisk(page, ms) {
  return page.evaluate((delay) => {
    const proto = FileSystemWritableFileStream.prototype;
    if (!proto.disk) {
      const disk = { delay: 0, held: null, release: () => {} };
      const write = proto.write;
      proto.disk = disk;
      proto.write = async function slowWrite(...args) {
        if (disk.delay) await new Promise((resolve) => { setTimeout(resolve, disk.delay); });
        await disk.held;
        return write.apply(this, args);
      };
    }
    const { disk } = proto;
    disk.release();
    disk.held = delay === null ? new Promise((resolve) => { disk.release = resolve; }) : null;
    disk.delay = delay ?? 0;
  }, ms);
}

/** Waits until `page`'s FileShare has received bytes it has not stored yet (its disk lags or is held). */
export function waitForUnstored(page) {
  // More than a part: a part's bytes (under 1 MiB) wait in the page until it is full anyway.
  return until('no bytes waiting to be stored', async () => {
    const { unstored } = await page.evaluate(() => window.__share.usage());
    return [unstored > 1024 * 1024, unstored];
  });
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
