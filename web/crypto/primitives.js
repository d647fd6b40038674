// The cryptographic primitives webchat uses, from the browser's WebCrypto where the page has it, else
// from the audited @noble libraries (tools/noble, bundled into crypto/noble.js and imported only on
// such pages, so others never download it). Nothing here is hand-rolled: this file only picks an
// implementation and converts arguments. Every function takes and returns bytes (Uint8Array),
// except Ed25519 private keys, which stay CryptoKeys (non-extractable) wherever WebCrypto has Ed25519.
//
// Where each comes from:
//   crypto.subtle present (https, localhost, file://): HMAC, HKDF, PBKDF2, AES-GCM, SHA-256 from
//     WebCrypto; Ed25519 too where the browser has it (Chromium 137+, Firefox 129+, Safari 17+, node 20).
//   crypto.subtle absent (plain http from a LAN address): all of them from @noble.
//   WebCrypto without Ed25519 (older browsers): Ed25519 from @noble, the rest from WebCrypto.

import { randomBytes } from './encoding.js';

const subtle = () => globalThis.crypto?.subtle;

// The bundle sits next to this file; once the page inlines this file (build/web/index.html), the
// module's URL is the page's, and the bundle is in its crypto/ folder.
const NOBLE_URL = new URL(import.meta.url.endsWith('/crypto/primitives.js') ? 'noble.js' : 'crypto/noble.js', import.meta.url);
let noble = null;
function loadNoble() {
  noble ??= import(NOBLE_URL.href).catch((error) => {
    noble = null;  // a later call tries again (the network may be back)
    throw new Error(`cannot load ${NOBLE_URL.href}: ${error.message}`);
  });
  return noble;
}

let webCryptoEd25519 = null;
/** Resolves true when this page's WebCrypto has Ed25519 (asked once). */
export function hasWebCryptoEd25519() {
  webCryptoEd25519 ??= (async () => {
    if (!subtle()) return false;
    try {
      await subtle().generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      return true;
    } catch {
      return false;
    }
  })();
  return webCryptoEd25519;
}

/** Which implementation this page uses for Ed25519 and for the rest: for docs, tests and the bench. */
export async function implementations() {
  return { ed25519: await hasWebCryptoEd25519() ? 'webcrypto' : 'noble', symmetric: subtle() ? 'webcrypto' : 'noble' };
}

// --- Ed25519 -------------------------------------------------------------------------------------

/**
 * A new key pair: { kind, publicKey: 32 raw bytes, privateKey }. kind 'webcrypto': privateKey is a
 * non-extractable CryptoKey; kind 'noble': privateKey is the 32-byte seed (no browser API can keep a
 * key non-extractable without WebCrypto).
 */
export async function ed25519Generate() {
  if (await hasWebCryptoEd25519()) {
    const pair = await subtle().generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
    return { kind: 'webcrypto', publicKey, privateKey: pair.privateKey };
  }
  const { ed25519 } = await loadNoble();
  const { secretKey, publicKey } = ed25519.keygen(randomBytes(32));
  return { kind: 'noble', publicKey, privateKey: secretKey };
}

/** The 64-byte signature of `message` by a private key from ed25519Generate (of that kind). */
export async function ed25519Sign(kind, privateKey, message) {
  if (kind === 'webcrypto') return new Uint8Array(await subtle().sign({ name: 'Ed25519' }, privateKey, message));
  const { ed25519 } = await loadNoble();
  return ed25519.sign(message, privateKey);
}

// Imported public keys, reused: a newcomer verifies a whole history signed by a few members.
const importedKeys = new Map();
const IMPORTED_KEYS_KEPT = 256;

async function webCryptoPublicKey(publicKey) {
  const id = publicKey.join(',');
  let key = importedKeys.get(id);
  if (!key) {
    key = subtle().importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    if (importedKeys.size >= IMPORTED_KEYS_KEPT) importedKeys.delete(importedKeys.keys().next().value);
    importedKeys.set(id, key);
    key.catch(() => importedKeys.delete(id));
  }
  return key;
}

/**
 * Whether `signature` (64 bytes) is `publicKey`'s (32 bytes) over `message`; false for any malformed
 * input (a key that is no curve point included). @noble is told to verify as RFC 8032 says (not
 * ZIP-215's more lenient rules), so both implementations reach the same verdict on odd encodings.
 */
export async function ed25519Verify(publicKey, message, signature) {
  if (publicKey?.length !== 32 || signature?.length !== 64) return false;
  try {
    if (await hasWebCryptoEd25519()) {
      return await subtle().verify({ name: 'Ed25519' }, await webCryptoPublicKey(publicKey), signature, message);
    }
    const { ed25519 } = await loadNoble();
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

// --- Hashes, MACs, key derivation, sealing ------------------------------------------------------

export async function sha256(data) {
  if (subtle()) return new Uint8Array(await subtle().digest('SHA-256', data));
  return (await loadNoble()).sha256(data);
}

// WebCrypto keys imported from raw key bytes, once per key (a room's mailbox and sealing keys serve
// every text of a join: importing each time put one more hop to WebCrypto's thread on the join's path).
// Keyed by the very Uint8Array the caller holds, which callers never change.
const importedRaw = new WeakMap();
function importedOnce(key, algorithm, usages) {
  let byAlgorithm = importedRaw.get(key);
  if (!byAlgorithm) importedRaw.set(key, byAlgorithm = new Map());
  let imported = byAlgorithm.get(algorithm.name);
  if (!imported) {
    imported = subtle().importKey('raw', key, algorithm, false, usages);
    imported.catch(() => byAlgorithm.delete(algorithm.name));
    byAlgorithm.set(algorithm.name, imported);
  }
  return imported;
}

export async function hmacSha256(key, data) {
  if (subtle()) {
    const imported = await importedOnce(key, { name: 'HMAC', hash: 'SHA-256' }, ['sign']);
    return new Uint8Array(await subtle().sign('HMAC', imported, data));
  }
  const { hmac, sha256: hash } = await loadNoble();
  return hmac(hash, key, data);
}

/** HKDF-SHA-256 (RFC 5869) of `length` bytes. */
export async function hkdfSha256(ikm, salt, info, length) {
  if (subtle()) {
    const imported = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
    return new Uint8Array(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, imported, length * 8));
  }
  const { hkdf, sha256: hash } = await loadNoble();
  return hkdf(hash, ikm, salt, info, length);
}

/** PBKDF2-HMAC-SHA-256 (RFC 8018) of `length` bytes. @noble's yields to the page between rounds. */
export async function pbkdf2Sha256(password, salt, iterations, length) {
  if (subtle()) {
    const imported = await subtle().importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
    return new Uint8Array(await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, imported, length * 8));
  }
  const { pbkdf2Async, sha256: hash } = await loadNoble();
  return pbkdf2Async(hash, password, salt, { c: iterations, dkLen: length });
}

/** AES-256-GCM: ciphertext with its 16-byte tag appended. */
export async function aesGcmSeal(key, nonce, associatedData, plaintext) {
  if (subtle()) {
    const imported = await importedOnce(key, { name: 'AES-GCM' }, ['encrypt', 'decrypt']);
    return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: associatedData }, imported, plaintext));
  }
  return (await loadNoble()).gcm(key, nonce, associatedData).encrypt(plaintext);
}

/** The plaintext, or null when the ciphertext, its tag, the nonce or the associated data do not match. */
export async function aesGcmOpen(key, nonce, associatedData, sealed) {
  try {
    if (subtle()) {
      const imported = await importedOnce(key, { name: 'AES-GCM' }, ['encrypt', 'decrypt']);
      return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: nonce, additionalData: associatedData }, imported, sealed));
    }
    return (await loadNoble()).gcm(key, nonce, associatedData).decrypt(sealed);
  } catch {
    return null;
  }
}
