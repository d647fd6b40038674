// A member's identity: an Ed25519 key pair kept in this browser, so a member keeps its key across
// reloads and the others can pin it. Public keys are base64url of the 32 raw bytes (43 characters),
// signatures base64url of the 64 bytes (86 characters), as docs/protocol.md says.
//
//   const me = await loadIdentity();           // this browser's identity, made on first use
//   const sig = await me.sign('["wc2/hello",...]');
//   await verify(me.publicKey, '["wc2/hello",...]', sig);  // true
//
// Where WebCrypto has Ed25519 the private key is a non-extractable CryptoKey stored in IndexedDB: the
// page can sign with it but no script can read it out. Elsewhere (a plain-http page on a LAN address)
// @noble signs, and the stored key is its 32-byte seed (see primitives.js).

import { fromBase64url, toBase64url, utf8 } from './encoding.js';
import { ed25519Generate, ed25519Sign, ed25519Verify } from './primitives.js';

const DATABASE = 'webchat-identity';
const OBJECTS = 'keys';
const RECORD = 'ed25519';

/** An identity store keeping one record in this origin's IndexedDB. */
export function indexedDbStore(database = DATABASE) {
  const opened = new Promise((resolve, reject) => {
    const request = indexedDB.open(database, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(OBJECTS);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const run = async (mode, act) => {
    const db = await opened;
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(OBJECTS, mode);
      const request = act(transaction.objectStore(OBJECTS));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  };
  return {
    load: () => run('readonly', (objects) => objects.get(RECORD)),
    // Two tabs making their first identity at once: the first one saved wins, the other adopts it.
    save: async (record) => {
      try {
        await run('readwrite', (objects) => objects.add(record, RECORD));
        return record;
      } catch (error) {
        if (error?.name !== 'ConstraintError') throw error;
        return run('readonly', (objects) => objects.get(RECORD));
      }
    },
  };
}

/** An identity store in memory: the identity lasts as long as the store (node, or no IndexedDB). */
export function memoryStore() {
  let kept;
  return {
    load: async () => kept,
    save: async (record) => (kept ??= record),
  };
}

const validRecord = (record) => (record?.kind === 'webcrypto' || record?.kind === 'noble') &&
  record.publicKey instanceof Uint8Array && record.publicKey.length === 32 && record.privateKey;

function fromRecord(record) {
  const { kind, privateKey } = record;
  return Object.freeze({
    publicKey: toBase64url(record.publicKey),
    implementation: kind,
    sign: async (bytes) => toBase64url(await ed25519Sign(kind, privateKey, utf8(String(bytes)))),
  });
}

async function loadOrMake(store) {
  const stored = await store.load();
  if (validRecord(stored)) return fromRecord(stored);
  return fromRecord(await store.save(await ed25519Generate()));
}

let defaultIdentity = null;

/**
 * This browser's identity: { publicKey, implementation, sign(bytes) → Promise<signature> }, made and
 * saved on first use. `store` ({ load(), save(record) → the record kept }) defaults to IndexedDB, or to
 * memory where IndexedDB is missing or refuses (the identity then lasts as long as the page).
 */
export function loadIdentity({ store } = {}) {
  if (store) return loadOrMake(store);
  defaultIdentity ??= (async () => {
    if (typeof indexedDB !== 'undefined') {
      try {
        return await loadOrMake(indexedDbStore());
      } catch {
        // IndexedDB refused (a private window of some browsers, storage disabled): this page only.
      }
    }
    return loadOrMake(memoryStore());
  })();
  return defaultIdentity;
}

/**
 * An embedder's own identity, checked: { publicKey: base64url of 32 bytes, sign(bytes) → Promise of
 * base64url of 64 bytes }. Throws a TypeError naming what is wrong.
 */
export function checkIdentity(identity) {
  if (fromBase64url(identity?.publicKey)?.length !== 32) {
    throw new TypeError('identity.publicKey must be the base64url (no padding) of a 32-byte Ed25519 public key');
  }
  if (typeof identity.sign !== 'function') throw new TypeError('identity.sign(bytes) must return a Promise of a signature');
  return identity;
}

/** Whether `sig` is a valid Ed25519 signature of the UTF-8 text `bytes` by `publicKey` (all as on the wire). */
export async function verify(publicKey, bytes, sig) {
  const key = fromBase64url(publicKey);
  const signature = fromBase64url(sig);
  if (key?.length !== 32 || signature?.length !== 64 || typeof bytes !== 'string') return false;
  return ed25519Verify(key, utf8(bytes), signature);
}
