// Each room's history kept in this browser (IndexedDB), so a reload shows it at once and a member
// alone in a room after a reload still has it. Size-capped per room; a room can be forgotten.

const DB_NAME = 'webchat';
const STORE = 'rooms';
export const MAX_ENTRIES = 1000;         // as many as the room logic keeps
export const MAX_BYTES = 1024 * 1024;    // and at most about 1 MiB of text per room

let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'room' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }).catch((error) => {
    opening = null;
    throw error;
  });
  return opening;
}

function run(mode, act) {
  return open().then((db) => new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = act(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request?.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  }));
}

/** The newest entries that fit the caps (count and an estimate of their size), oldest first. */
export function capped(entries) {
  let bytes = 0;
  let first = entries.length;
  while (first > 0 && entries.length - first < MAX_ENTRIES) {
    bytes += JSON.stringify(entries[first - 1]).length * 2;  // UTF-16 in memory: an upper bound
    if (bytes > MAX_BYTES) break;
    first--;
  }
  return entries.slice(first);
}

/** The entries kept for `room`, oldest first ([] when none, or when storage is unavailable). */
export async function loadHistory(room) {
  try {
    return (await run('readonly', (store) => store.get(room)))?.entries ?? [];
  } catch {
    return [];
  }
}

/** Keeps `entries` (the room's whole history, oldest first) for `room`, capped. */
export async function saveHistory(room, entries) {
  try {
    await run('readwrite', (store) => store.put({ room, entries: capped(entries), savedAt: Date.now() }));
  } catch (error) {
    console.warn(`webchat: history of “${room}” not kept (${error?.message})`);
  }
}

/** Forgets what this browser kept of `room`. */
export async function forgetHistory(room) {
  try {
    await run('readwrite', (store) => store.delete(room));
  } catch {
    // nothing kept, or storage unavailable: nothing to forget
  }
}
