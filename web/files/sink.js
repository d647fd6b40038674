// Where a receiver puts a file's bytes as they arrive, so memory stays flat whatever the file's size:
// the origin-private file system (OPFS) where the browser has it, else a list of Blob parts (browsers
// move Blob data out of the page's heap; Chromium spills large ones to disk). Either way the page
// holds at most one part's worth of chunks.

const PART_BYTES = 1024 * 1024;
const FOLDER = 'webchat-files';

/** Opens the best sink available; `name` is unique per transfer (OPFS file name). */
export async function openSink(name) {
  try {
    if (globalThis.navigator?.storage?.getDirectory) {
      const root = await navigator.storage.getDirectory();
      const folder = await root.getDirectoryHandle(FOLDER, { create: true });
      const handle = await folder.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      return new OpfsSink(folder, name, handle, writable);
    }
  } catch {
    // No OPFS here (an opaque origin such as file://, private browsing, an old browser): Blob parts.
  }
  return new BlobSink();
}

class BlobSink {
  kind = 'blob';
  #parts = [];
  #pending = [];
  #pendingBytes = 0;

  /** Resolves once `bytes` (a Uint8Array the sink may keep) is stored. */
  async write(bytes) {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= PART_BYTES) this.#seal();
  }

  #seal() {
    this.#parts.push(new Blob(this.#pending));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  async finish(type) {
    this.#seal();
    const blob = new Blob(this.#parts, { type });
    this.#parts = [];
    return blob;
  }

  async discard() {
    this.#parts = [];
    this.#pending = [];
  }
}

class OpfsSink {
  kind = 'opfs';
  #folder;
  #name;
  #handle;
  #writable;

  constructor(folder, name, handle, writable) {
    this.#folder = folder;
    this.#name = name;
    this.#handle = handle;
    this.#writable = writable;
  }

  async write(bytes) {
    await this.#writable.write(bytes);
  }

  async finish(type) {
    await this.#writable.close();
    const file = await this.#handle.getFile();
    // A File of the OPFS: read from disk when used. Re-typed without copying (slice keeps it lazy).
    return file.slice(0, file.size, type);
  }

  /** Drops the bytes, whether still being written or finished (its File is unreadable after). */
  async discard() {
    await this.#writable.abort?.().catch(() => {});
    await this.#folder.removeEntry(this.#name).catch(() => {});
  }
}
