// Where a receiver puts a file's bytes as they arrive, so memory stays flat whatever the file's size:
// the origin-private file system (OPFS) where the browser has it, else a list of Blob parts (browsers
// move Blob data out of the page's heap; Chromium spills large ones to disk). Either way the page
// holds at most one part's worth of chunks.
//
// An OPFS file outlives the tab that wrote it (a tab closed mid-transfer, or without leaving its room).
// Each tab holds a Web Lock named after each of its files for as long as it may use it (the browser
// releases it when the tab goes, however it goes); sweepSpills() removes the files whose lock is free,
// so no tab ever removes another live tab's file (docs/files.md).

const PART_BYTES = 1024 * 1024;
const FOLDER = 'webchat-files';
// A file's lock is named after it. Its name has no dot: whatever the browser adds to the folder next to it
// (Chromium's writable keeps a "<name>.crswap" until it closes) goes under the same lock.
const lockName = (entry) => `webchat-files/${entry.split('.')[0]}`;

/** Opens the best sink available; `name` is unique per transfer (OPFS file name). */
export async function openSink(name) {
  let release = null;
  try {
    if (globalThis.navigator?.storage?.getDirectory && globalThis.navigator?.locks) {
      release = await holdLock(lockName(name));  // before the file exists: a sweep never sees it free
      const root = await navigator.storage.getDirectory();
      const folder = await root.getDirectoryHandle(FOLDER, { create: true });
      const handle = await folder.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      return new OpfsSink(folder, name, handle, writable, release);
    }
  } catch {
    // No OPFS here (an opaque origin such as file://, private browsing, an old browser): Blob parts.
    release?.();
  }
  return new BlobSink();
}

/** Resolves with a function that releases the lock `name`, once this tab holds it. */
function holdLock(name) {
  return new Promise((granted, failed) => {
    navigator.locks.request(name, () => new Promise((release) => granted(release))).catch(failed);
  });
}

let sweeping = null;

/**
 * Removes the OPFS files no live tab holds (left by tabs closed mid-transfer), once per page; resolves
 * with the names removed. Without Web Locks nothing is removed: nothing proves a file's tab gone.
 */
export function sweepSpills() {
  sweeping ??= (async () => {
    const removed = [];
    if (!globalThis.navigator?.storage?.getDirectory || !globalThis.navigator?.locks) return removed;
    try {
      const root = await navigator.storage.getDirectory();
      const folder = await root.getDirectoryHandle(FOLDER, { create: true });
      const names = [];
      for await (const name of folder.keys()) names.push(name);
      for (const name of names) {
        await navigator.locks.request(lockName(name), { ifAvailable: true }, async (lock) => {
          if (!lock) return;  // a live tab's
          await folder.removeEntry(name);
          removed.push(name);
        }).catch(() => {});
      }
    } catch {
      // No OPFS for this origin (file://, private browsing): nothing was left either.
    }
    return removed;
  })();
  return sweeping;
}

// Chunks gathered into parts of PART_BYTES: a sink stores a part at once (for OPFS, each write is a
// round trip to the browser process, so one per 1 MiB rather than one per 64 KiB chunk).
class Parts {
  #pending = [];
  #bytes = 0;

  /** Keeps `bytes` (a Uint8Array); returns a full part (a Blob) when there is one, else null. */
  add(bytes) {
    this.#pending.push(bytes);
    this.#bytes += bytes.length;
    return this.#bytes >= PART_BYTES ? this.take() : null;
  }

  /** Bytes kept, not yet in a part. */
  get bytes() { return this.#bytes; }

  /** What is kept, as a Blob (null when nothing is). */
  take() {
    if (this.#bytes === 0) return null;
    const part = new Blob(this.#pending);
    this.#pending = [];
    this.#bytes = 0;
    return part;
  }
}

class BlobSink {
  kind = 'blob';
  #parts = [];
  #pending = new Parts();

  /** Bytes held in the page's memory, not yet gathered into a Blob part. */
  get pendingBytes() { return this.#pending.bytes; }

  /** Resolves once `bytes` (a Uint8Array the sink may keep) is stored. */
  async write(bytes) {
    const part = this.#pending.add(bytes);
    if (part) this.#parts.push(part);
  }

  async finish(type) {
    const last = this.#pending.take();
    if (last) this.#parts.push(last);
    const blob = new Blob(this.#parts, { type });
    this.#parts = [];
    return blob;
  }

  async discard() {
    this.#parts = [];
    this.#pending = new Parts();
  }
}

class OpfsSink {
  kind = 'opfs';
  #folder;
  #name;
  #handle;
  #writable;
  #release;
  #pending = new Parts();

  constructor(folder, name, handle, writable, release) {
    this.#folder = folder;
    this.#name = name;
    this.#handle = handle;
    this.#writable = writable;
    this.#release = release;
  }

  /** Bytes held in the page's memory, not yet written. */
  get pendingBytes() { return this.#pending.bytes; }

  /** Resolves once `bytes` is stored (kept in the page until a part is full, then written). */
  async write(bytes) {
    const part = this.#pending.add(bytes);
    if (part) await this.#writable.write(part);
  }

  async finish(type) {
    const last = this.#pending.take();
    if (last) await this.#writable.write(last);
    await this.#writable.close();
    const file = await this.#handle.getFile();
    // A File of the OPFS: read from disk when used. Re-typed without copying (slice keeps it lazy).
    return file.slice(0, file.size, type);
  }

  /** Drops the bytes, whether still being written or finished (its File is unreadable after). */
  async discard() {
    this.#pending = new Parts();
    await this.#writable.abort?.().catch(() => {});
    await this.#folder.removeEntry(this.#name).catch(() => {});
    this.#release();
  }
}
