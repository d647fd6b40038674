// One member's file sharing: drives the transfer state machine (webchat-core.js's Transfers, from
// wasm/core/transfer) with direct links, file slices, sinks and hashes. The room announces files
// (history entries) and relays the links' signaling; this class moves the bytes. docs/files.md.
//
// Events (CustomEvent detail):
//   progress  { transfer, hash, bytes, size }             a download moved (at most every 100 ms)
//   received  { transfer, hash, blob, cutoff }            a download arrived whole, its hash checked;
//             cutoff: { peer, reason } when its holder was cut off after its last byte ('after-end':
//             it sent more), else null
//   ended     { transfer, hash, outcome, reason, bytes, stops, cutoff }  a download stopped:
//             'incomplete' (no holder left to ask; retry() later), 'cancelled', 'failed' (a hash
//             mismatch). stops: [{ peer, reason }], why each holder asked since the last (re)try
//             stopped; cutoff: { peer, reason } when one of them broke the protocol and was cut off
//             (the bytes that failed their hash included), else null
//   upload    { hash, peer, bytes, size, done, reason }   a member pulled bytes of a file we hold
//   cutoff    { peer, reason, hash }                      a member broke the protocol: its link closed;
//             hash: the file the offending chunk claimed to be of, if any (after a download completed:
//             'after-end', the only report of it), else null

import { EffectLoop } from '../effect-loop.js';
import { chatActive, makeWay, spent } from './chat-first.js';
import { DirectLinks } from './direct-links.js';
import { BlockHasher, hashBlob } from './hash.js';
import { openSink, sweepSpills } from './sink.js';

export const DEFAULT_MAX_FILE_BYTES = 2 ** 30;  // 1 GiB
const HEADER_BYTES = 16;     // request (u32), zero (u32), offset (u64), big-endian
const READ_RUN = 16;         // chunks read from a file at once (1 MiB)
const PROGRESS_EVERY_MS = 100;
const SWEEP_AFTER_MS = 2000;  // the OPFS sweep waits this long after a FileShare starts (its join)

/** A refused file: `code` is 'file-too-large' or 'file-unreadable'. */
export class FileError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'FileError';
    this.code = code;
  }
}

export class FileShare extends EventTarget {
  #logic;
  #links;
  #selfId;
  #maxBytes;
  #held = new Map();      // hash → Blob we serve
  #incoming = new Map();  // transfer → download record
  #outgoing = new Map();  // peer → chunks to send, in order: { request, hash, offset, length, stopped }
  #sending = new Set();   // peers whose send loop is running
  #finished = [];         // sinks of completed downloads: their storage is freed at close()
  #loop;
  #finishing = new Set(); // records of downloads complete in the machine, their Blob not handed out yet

  /**
   * core: the loaded webchat-core module. relay(peer, text): send a signaling text to a member
   * through the room. rtcConfig: the room's RTCPeerConnection configuration (ICE servers,
   * certificates). maxFileBytes: the largest file shared or fetched. sign, verify: the members'
   * identity keys, to sign the links' descriptions (see direct-links.js).
   */
  constructor({ core, selfId, relay, rtcConfig = {}, maxFileBytes = DEFAULT_MAX_FILE_BYTES, sign = null, verify = null }) {
    super();
    this.#logic = new core.Transfers();
    this.#loop = new EffectLoop(this.#logic, (effect) => this.#apply(effect));
    // What tabs closed mid-transfer left in the origin's storage, a moment after starting: a Room's
    // FileShare starts with its join, and the sweep's OPFS calls then kept the browser process busy
    // 5-30 ms while the join's first request was out (traced, tools/bench-join.d/trace-join.mjs).
    setTimeout(sweepSpills, SWEEP_AFTER_MS);
    this.#selfId = selfId;
    this.#maxBytes = maxFileBytes;
    this.#links = new DirectLinks({
      selfId, relay, rtcConfig, sign, verify,
      on: {
        text: (peer, text) => this.#input(() => this.#logic.text(peer, text, Date.now())),
        chunk: (peer, buffer) => this.#onChunk(peer, buffer),
        drained: (peer) => this.#sendLoop(peer),
        closed: (peer) => this.#input(() => this.#logic.linkClosed(peer, Date.now())),
      },
    });
  }

  get maxFileBytes() { return this.#maxBytes; }

  /** Hashes a File or Blob (reading it in blocks) and serves it. Resolves with { hash, size }. */
  async share(blob, onHashing = () => {}) {
    this.#checkSize(blob.size);
    let hash;
    try {
      hash = await hashBlob(blob, onHashing);
    } catch (error) {
      throw new FileError('file-unreadable', `The file could not be read (${error.message}).`);
    }
    this.#held.set(hash, blob);
    this.#input(() => this.#logic.offer(hash, blob.size));
    return { hash, size: blob.size };
  }

  /** Stops serving a file: members pulling it are told it was cancelled. */
  withdraw(hash) {
    this.#held.delete(hash);
    this.#input(() => this.#logic.withdraw(hash, Date.now()));
  }

  holds(hash) { return this.#held.has(hash); }
  blob(hash) { return this.#held.get(hash) ?? null; }

  /**
   * Pulls a file from the first of `holders` (member ids) that has it, resuming from the next one
   * after an interruption. Returns the transfer number its events carry.
   */
  fetch({ hash, size, type = '' }, holders) {
    this.#checkSize(size);
    const candidates = holders.filter((id) => id !== this.#selfId);
    if (candidates.length === 0) throw new FileError('no-holder', 'Nobody in the room holds this file.');
    const record = {
      hash, size, type, holders: candidates, tried: new Set([candidates[0]]), hasher: new BlockHasher(),
      sink: openSink(`${hash}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`), writes: Promise.resolve(), received: 0, stored: 0,
      peer: candidates[0], stops: [], cutoff: null, shown: 0, active: true,
    };
    record.sink.then((sink) => { record.opened = sink; });
    let transfer = 0;
    this.#input(() => { transfer = this.#logic.fetch(hash, size, candidates[0], Date.now()); });
    if (!transfer) throw new FileError('file-invalid', 'This file entry is malformed.');
    record.transfer = transfer;
    this.#incoming.set(transfer, record);
    return transfer;
  }

  /** Asks `holders` again for an incomplete download (say, when members change). */
  retry(transfer, holders) {
    const record = this.#incoming.get(transfer);
    if (!record || record.active) return;
    const next = holders.find((id) => id !== this.#selfId);
    if (!next) return;
    record.holders = holders.filter((id) => id !== this.#selfId);
    record.tried = new Set([next]);
    record.peer = next;
    record.stops = [];
    record.cutoff = null;
    record.active = true;
    this.#input(() => this.#logic.resume(transfer, next, Date.now()));
  }

  cancel(transfer) {
    this.#input(() => this.#logic.cancel(transfer, Date.now()));
  }

  /** A text another member relayed to us through the room. */
  relayed(peer, text) {
    this.#links.onRelay(peer, text);
  }

  /** A member left the room: its link goes, what it carried stops. */
  memberGone(peer) {
    if (!this.#links.has(peer)) return;
    this.#links.close(peer);
    this.#input(() => this.#logic.linkClosed(peer, Date.now()));
  }

  /**
   * Ends every link; unless keepFiles, frees what downloads stored (OPFS files): blobs received
   * become unreadable.
   */
  close({ keepFiles = false } = {}) {
    this.#loop.stop();
    this.#links.closeAll();
    for (const record of this.#incoming.values()) record.sink.then((sink) => sink.discard());
    this.#incoming.clear();
    if (!keepFiles) for (const sink of this.#finished.splice(0)) sink.discard();
  }

  /**
   * What this share keeps now, for tests and diagnostics: downloads under way (each holds a sink and
   * a hasher), the bytes they received and have not stored yet (chunks in this page's memory), the
   * chunks queued to send, and the bytes handed to the links and not sent yet.
   */
  usage() {
    let unstored = 0;
    for (const record of this.#incoming.values()) unstored += (record.opened?.pendingBytes ?? 0) + record.received - record.stored;
    let queued = 0;
    for (const queue of this.#outgoing.values()) queued += queue.length;
    return { downloads: this.#incoming.size, unstored, queued, buffered: this.#links.bufferedTotal() };
  }

  #checkSize(size) {
    if (size > this.#maxBytes) {
      throw new FileError('file-too-large', `Files up to ${formatBytes(this.#maxBytes)} can be shared; this one is ${formatBytes(size)}.`);
    }
  }

  // --- The state machine's loop (../effect-loop.js) ------------------------------------------
  #input(feed) {
    this.#loop.input(feed);
  }

  #apply(effect) {
    switch (effect.type) {
      case 'send-text': return this.#links.sendText(effect.peer, effect.text);
      case 'send-chunk': return this.#queueChunk(effect);
      case 'stop-sending': return this.#stopSending(effect.peer, effect.request);
      case 'cut-off':
        // Reported with the download it carried, which ends (incomplete) right after this; a download
        // whose bytes are all in only by a cut-off over its own bytes (sent past its end), with its
        // 'received' (or, once that went, as this event's hash).
        for (const record of [...this.#incoming.values(), ...this.#finishing]) {
          if (!record.active || record.peer !== effect.peer) continue;
          if (record.received === record.size && effect.hash !== record.hash) continue;
          record.cutoff = { peer: effect.peer, reason: effect.reason };
        }
        this.#links.close(effect.peer);
        this.#outgoing.delete(effect.peer);
        return this.#emit('cutoff', { peer: effect.peer, reason: effect.reason, hash: effect.hash || null });
      case 'verify': return this.#verify(effect.transfer);
      case 'ended': return this.#ended(effect);
      case 'served':
        return this.#emit('upload', { hash: effect.hash, peer: effect.peer, bytes: effect.acked, size: effect.size,
                                      done: effect.done, reason: effect.reason });
    }
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // --- Holder: chunks out, read from the file in runs, paced by the channel's buffer ----------
  #queueChunk({ peer, request, hash, offset, length }) {
    if (!this.#outgoing.has(peer)) this.#outgoing.set(peer, []);
    this.#outgoing.get(peer).push({ request, hash, offset, length, stopped: false });
    this.#sendLoop(peer);
  }

  #stopSending(peer, request) {
    const queue = this.#outgoing.get(peer);
    if (!queue) return;
    for (const entry of queue) if (entry.request === request) entry.stopped = true;
    this.#outgoing.set(peer, queue.filter((entry) => !entry.stopped));
  }

  async #sendLoop(peer) {
    if (this.#sending.has(peer)) return;
    this.#sending.add(peer);
    try {
      for (;;) {
        const queue = this.#outgoing.get(peer);
        if (!queue?.length || !this.#links.canSend(peer)) return;  // drained() restarts it
        const run = [queue[0]];
        while (run.length < READ_RUN) {
          const next = queue[run.length];
          const last = run[run.length - 1];
          if (next?.request !== last.request || next.offset !== last.offset + last.length) break;
          run.push(next);
        }
        const blob = this.#held.get(run[0].hash);
        if (blob) {
          // One read per run, headers included (a Blob of header, slice, header, slice...): each
          // chunk is then sent as a view of that buffer, never copied in JS.
          const parts = run.flatMap((entry) => [chunkHeader(entry), blob.slice(entry.offset, entry.offset + entry.length)]);
          const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
          let at = 0;
          for (const entry of run) {
            const size = HEADER_BYTES + entry.length;
            // While lines move (chat-first.js): one chunk at a time, once the link's buffer is empty,
            // at the page's pace. A chunk stopped meanwhile is skipped, not waited for.
            if (!entry.stopped && chatActive()) {
              await makeWay({ empty: () => this.#links.buffered(peer) === 0, drained: (ms) => this.#links.drained(peer, ms) });
            }
            if (!entry.stopped && this.#links.sendBinary(peer, bytes.subarray(at, at + size))) spent(size);
            at += size;
          }
        }
        const current = this.#outgoing.get(peer);
        if (current) this.#outgoing.set(peer, current.filter((entry) => !run.includes(entry)));
      }
    } catch {
      // The file became unreadable (a picked file changed on disk): the receiver will stall and ask
      // another holder; stop serving it.
      this.#outgoing.delete(peer);
    } finally {
      this.#sending.delete(peer);
    }
  }

  // --- Receiver: chunks in, hashed and stored in order ----------------------------------------
  #onChunk(peer, buffer) {
    const now = Date.now();
    // A message too short for a header names no request: the machine cuts its sender off.
    if (buffer.byteLength < HEADER_BYTES) return this.#input(() => this.#logic.chunk(peer, 0, 0, 0, now));
    const header = new DataView(buffer, 0, HEADER_BYTES);
    const request = header.getUint32(0);
    const offset = header.getUint32(8) * 2 ** 32 + header.getUint32(12);
    const length = buffer.byteLength - HEADER_BYTES;
    // Fed without pumping: the bytes must be in the hasher before a Verify this chunk completes runs.
    const transfer = this.#logic.chunk(peer, request, offset, length, now);
    const record = this.#incoming.get(transfer);
    if (record) {
      record.received += length;
      const data = new Uint8Array(buffer, HEADER_BYTES);
      record.hasher.push(data);
      record.writes = record.writes.then(async () => {
        await record.hasher.settled();  // a window's acks wait for the hashing too
        await (await record.sink).write(data);
        record.stored += length;
        this.#input(() => this.#logic.stored(transfer, record.stored, Date.now()));
        this.#progress(record);
      });
    }
    this.#loop.pump();
  }

  #progress(record, force = false) {
    // A write finishing after its download stopped (cancelled, or incomplete: its holder withdrew it) is
    // no progress: reported after the stop, it would undo it (the card said "Receiving" again, and a
    // receiver whose writes lagged behind a busy disk showed its sender's cancel as its own).
    if (!force && (!record.active || this.#incoming.get(record.transfer) !== record)) return;
    const now = Date.now();
    if (!force && now - record.shown < PROGRESS_EVERY_MS) return;
    record.shown = now;
    this.#emit('progress', { transfer: record.transfer, hash: record.hash, bytes: record.stored, size: record.size });
  }

  async #verify(transfer) {
    const record = this.#incoming.get(transfer);
    if (!record) return;
    const hash = await record.hasher.finish();
    await record.writes;
    this.#input(() => this.#logic.hashed(transfer, hash, Date.now()));
  }

  async #ended({ transfer, outcome, reason, bytes }) {
    const record = this.#incoming.get(transfer);
    if (!record) return;
    record.stops.push({ peer: record.peer, reason });
    // A hash mismatch cuts off the holder of the last bytes (the machine reports it after this end).
    if (reason === 'hash-mismatch') record.cutoff = { peer: record.peer, reason };
    const ended = () => this.#emit('ended', { transfer, hash: record.hash, outcome, reason, bytes, stops: record.stops, cutoff: record.cutoff });
    if (outcome === 'incomplete') {
      const next = record.holders.find((id) => !record.tried.has(id));
      if (next) {
        record.tried.add(next);
        record.peer = next;
        return this.#input(() => this.#logic.resume(transfer, next, Date.now()));
      }
      record.active = false;
      return ended();
    }
    this.#incoming.delete(transfer);
    if (outcome === 'complete') this.#finishing.add(record);
    try {
      await record.writes.catch(() => {});
      const sink = await record.sink;
      if (outcome !== 'complete') {
        await sink.discard();
        return ended();
      }
      const blob = await sink.finish(record.type);
      this.#finished.push(sink);
      this.#held.set(record.hash, blob);  // the machine serves it on; this is where its bytes are
      this.#progress(record, true);
      this.#emit('received', { transfer, hash: record.hash, blob, cutoff: record.cutoff });
    } finally {
      this.#finishing.delete(record);
    }
  }
}

function chunkHeader({ request, offset }) {
  const header = new DataView(new ArrayBuffer(HEADER_BYTES));
  header.setUint32(0, request);
  header.setUint32(8, Math.floor(offset / 2 ** 32));
  header.setUint32(12, offset % 2 ** 32);
  return header.buffer;
}

/** "1.5 MB", "340 KB": sizes for people, in powers of 1000 as file managers show them. */
export function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit += 1;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
