// A file's hash, as the history carries it: SHA-256 over the SHA-256s of its 1 MiB blocks, in order
// (docs/files.md). WebCrypto's digest takes whole buffers only; hashing fixed blocks with it keeps
// memory flat (one block at a time) and the work native, where a streaming SHA-256 of the whole file
// would have to run in JS. An empty file is SHA-256 of nothing.

export const HASH_BLOCK_BYTES = 1024 * 1024;
// Each digest under way holds a copy of its block: at most this many at once (the reader waits).
const DIGESTS_IN_FLIGHT = 4;

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

/** Feeds bytes in order; blocks are digested as they fill, in the background, in order. */
export class BlockHasher {
  #block = new Uint8Array(HASH_BLOCK_BYTES);
  #filled = 0;
  #digests = [];  // promises of each block's digest, in order

  /** Copies `bytes` (a Uint8Array) in; the caller may reuse its buffer afterwards. */
  push(bytes) {
    if (this.#filled === 0 && bytes.length === HASH_BLOCK_BYTES) {  // a whole block: no copy needed
      this.#digests.push(crypto.subtle.digest('SHA-256', bytes));
      return;
    }
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(bytes.length - at, HASH_BLOCK_BYTES - this.#filled);
      this.#block.set(bytes.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === HASH_BLOCK_BYTES) this.#flush();
    }
  }

  #flush() {
    // digest() copies its input before it returns: the block buffer can be refilled at once.
    this.#digests.push(crypto.subtle.digest('SHA-256', this.#block.subarray(0, this.#filled)));
    this.#filled = 0;
  }

  /** Resolves once few enough digests are under way (memory stays flat when the reader is faster). */
  async settled() {
    const behind = this.#digests.length - DIGESTS_IN_FLIGHT;
    if (behind > 0) await this.#digests[behind - 1];
  }

  /** The file's hash, 64 lowercase hex digits, once every byte is pushed. */
  async finish() {
    if (this.#filled > 0) this.#flush();
    const digests = await Promise.all(this.#digests);
    const all = new Uint8Array(digests.length * 32);
    digests.forEach((d, i) => all.set(new Uint8Array(d), i * 32));
    return hex(await crypto.subtle.digest('SHA-256', all));
  }
}

/** Hashes a Blob (or File) by reading it in blocks; onProgress(bytesRead) after each. */
export async function hashBlob(blob, onProgress = () => {}) {
  const hasher = new BlockHasher();
  for (let at = 0; at < blob.size; at += HASH_BLOCK_BYTES) {
    hasher.push(new Uint8Array(await blob.slice(at, at + HASH_BLOCK_BYTES).arrayBuffer()));
    await hasher.settled();
    onProgress(Math.min(blob.size, at + HASH_BLOCK_BYTES));
  }
  return hasher.finish();
}
