// Bytes to text and back: UTF-8, base64url without padding (keys, signatures, sealed texts) and hex.
// Decoders are strict: anything but the one canonical encoding of some bytes is refused (null), so
// two different strings never stand for the same key or signature.

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (text) => utf8Encoder.encode(text);
/** The text of UTF-8 bytes, or null when they are not UTF-8. */
export function fromUtf8(bytes) {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

// The browser's own base64 (Uint8Array.fromBase64 and toBase64: Chromium 140+, Firefox 133+, Safari 18.2+)
// where it has it: a join decodes and encodes a sealed text of ~2 KB at each end, and the portable
// loops below, run once per page and so never optimized, took ~2 ms of a join's path each (traced).
const nativeBase64 = typeof Uint8Array.fromBase64 === 'function' && typeof Uint8Array.prototype.toBase64 === 'function';
const BASE64URL = { alphabet: 'base64url', omitPadding: true };

export function toBase64url(bytes) {
  if (nativeBase64 && bytes instanceof Uint8Array) return bytes.toBase64(BASE64URL);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of a base64url text (no padding), or null when it is not the canonical encoding of any. */
export function fromBase64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  let bytes;
  if (nativeBase64) {
    bytes = Uint8Array.fromBase64(text, { alphabet: 'base64url' });
  } else {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }
  return toBase64url(bytes) === text ? bytes : null;  // unused trailing bits must be zero
}

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Bytes of `length` from the system's CSPRNG (available in every context, secure or not). */
export function randomBytes(length) {
  return crypto.getRandomValues(new Uint8Array(length));
}
