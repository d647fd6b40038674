// Room keys: what a member derives from a room's name, link secret or password before joining, so the
// signaling server never holds a room name and, in private and password rooms, reads no signaling text.
//
//   const keys = await prepareRoom({ secret });           // a private room (createPrivateRoom())
//   const keys = await prepareRoom({ room, password });   // a password room: PBKDF2, ~100 ms
//   keys.tag                      // the room as the core and the signed bytes know it (32 hex)
//   await keys.mailboxId(coreId)  // the mailbox id the server sees for one of the core's ids
//   keys.offerSeen(text)          // an offer parked or taken: its answer's mailbox id, computed ahead
//   await keys.seal(id, text), await keys.open(id, sealed)  // AES-GCM; open gives null when it fails
//
// Derivations (docs/security.md): HKDF-SHA-256 from the link secret or the room name, PBKDF2-SHA-256
// with 600,000 iterations from a password (salted with the room name). prepareRoom caches its work, so
// a page calls it while the person types and the join finds the keys ready.

import { fromBase64url, fromUtf8, randomBytes, toBase64url, toHex, utf8 } from './encoding.js';
import { aesGcmOpen, aesGcmSeal, hkdfSha256, hmacSha256, pbkdf2Sha256 } from './primitives.js';

export const PBKDF2_ITERATIONS = 600_000;  // OWASP's figure for PBKDF2-HMAC-SHA-256
const SECRET_BYTES = 16;                   // 128 bits: a private room's link secret
const NONCE_BYTES = 12;
const SEALED_PREFIX = 's1.';               // a sealed text: s1.<base64url of nonce ‖ ciphertext ‖ tag>
const ROOM_NAME = /^[A-Za-z0-9._~-]{1,64}$/;
const MAX_PASSWORD = 1024;

/** A fresh private room: { secret }, 128 random bits as base64url (22 characters), for a link's fragment. */
export function createPrivateRoom() {
  return { secret: toBase64url(randomBytes(SECRET_BYTES)) };
}

/** Why these options name no room ('room-invalid', 'secret-invalid', 'password-invalid'), or ''. */
export function roomProblem({ room, password, secret } = {}) {
  if (secret !== undefined && secret !== null) {
    const bytes = fromBase64url(secret);
    if (!bytes || bytes.length < SECRET_BYTES) return 'secret-invalid';
    if (password) return 'password-invalid';  // a link secret already keeps the room private
    return '';
  }
  if (!ROOM_NAME.test(String(room ?? ''))) return 'room-invalid';
  if (password !== undefined && password !== null && password !== '' &&
      (typeof password !== 'string' || password.length > MAX_PASSWORD)) return 'password-invalid';
  return '';
}

const label = (text) => utf8(`webchat/v2/${text}`);
const expand = (ikm, info, length = 32) => hkdfSha256(ikm, label('room'), label(info), length);

// kind: 'none' (a public room: named, unsealed), 'secret' (a link secret), 'password' (name + password).
async function derive({ room, password, secret }) {
  if (secret) {
    const ikm = fromBase64url(secret);
    return { sealing: 'secret', tag: await expand(ikm, 'secret/tag', 16), mailbox: await expand(ikm, 'secret/mailbox'),
             seal: await expand(ikm, 'secret/seal') };
  }
  const name = utf8(room);
  if (!password) return { sealing: 'none', tag: await expand(name, 'public/tag', 16), mailbox: await expand(name, 'public/mailbox') };
  // The mailbox and tag come from the name alone, so a wrong password still finds the room's offer and
  // fails to open it ("wrong password"), instead of hosting an empty room of its own.
  const stretched = await pbkdf2Sha256(utf8(password), label(`password/${room}`), PBKDF2_ITERATIONS, 32);
  return { sealing: 'password', tag: await expand(name, 'password/tag', 16), mailbox: await expand(name, 'password/mailbox'),
           seal: await expand(stretched, 'password/seal') };
}

function roomKeys({ sealing, tag, mailbox, seal }) {
  const ids = new Map();  // core id → mailbox id: a host asks for the same few ids again and again
  const mailboxId = (coreId) => {
    let id = ids.get(coreId);
    if (!id) {
      id = hmacSha256(mailbox, utf8(coreId)).then((mac) => toHex(mac.subarray(0, 16)));
      if (ids.size > 64) ids.clear();
      ids.set(coreId, id);
    }
    return id;
  };
  const roomTag = toHex(tag);
  return Object.freeze({
    sealing,
    tag: roomTag,
    /** The mailbox id for one of the core's: 32 hex of HMAC-SHA-256 under the room's mailbox key. */
    mailboxId,
    /**
     * An offer's plain text, parked by its host or taken by a joiner: the mailbox id its answer goes
     * under (docs/protocol.md, Mailbox IDs) is computed now, while the joiner makes its answer, so the
     * answer's park (and the host's fetch of it) finds it ready rather than waiting for WebCrypto.
     * Anything else is ignored; this only saves time.
     */
    offerSeen(text) {
      if (typeof text !== 'string' || !text.includes('"type":"offer"')) return;  // answers, candidates: at once
      let offer;
      try {
        offer = JSON.parse(text);
      } catch {
        return;
      }
      if (offer?.type === 'offer' && typeof offer.offer === 'string') mailboxId(`wc2.${roomTag}.answer.${offer.offer}`).catch(() => {});
    },
    /** The text to park under mailbox id `id`: sealed in private and password rooms, as is in public ones. */
    async seal(id, text) {
      if (!seal) return text;
      const nonce = randomBytes(NONCE_BYTES);
      const sealed = await aesGcmSeal(seal, nonce, utf8(id), utf8(text));
      const out = new Uint8Array(NONCE_BYTES + sealed.length);
      out.set(nonce);
      out.set(sealed, NONCE_BYTES);
      return SEALED_PREFIX + toBase64url(out);
    },
    /** The text taken from mailbox id `id`, or null when it is not sealed under this room's key for that id. */
    async open(id, text) {
      if (!seal) return text;
      if (typeof text !== 'string' || !text.startsWith(SEALED_PREFIX)) return null;
      const bytes = fromBase64url(text.slice(SEALED_PREFIX.length));
      if (!bytes || bytes.length < NONCE_BYTES + 16) return null;
      const plain = await aesGcmOpen(seal, bytes.subarray(0, NONCE_BYTES), utf8(id), bytes.subarray(NONCE_BYTES));
      return plain && fromUtf8(plain);
    },
  });
}

// What a join does first, done while the person types: the mailbox id its probe asks for (the core's
// id for a room's offer, docs/protocol.md) and the import of the sealing key. A failure here costs
// only speed: the join meets it again.
async function warmedUp(keys) {
  const sealed = keys.seal(await keys.mailboxId(`wc2.${keys.tag}.offer`), '');
  await sealed.catch(() => {});
  return keys;
}

// The last few derivations, keyed by what they came from: a page prepares as the person types, and
// keeps only a handful (each holds keys derived from a password or secret).
const prepared = new Map();
const PREPARED_KEPT = 4;

/**
 * The keys of a room: { sealing, tag, mailboxId(id), seal(id, text), open(id, text) }. Options as
 * joinRoom's: `room` (a public or password room's name), `password`, or `secret` (a private room's link
 * secret, which alone names it). Rejects with a TypeError whose message is a problem code of roomProblem.
 */
export function prepareRoom({ room, password, secret } = {}) {
  const problem = roomProblem({ room, password, secret });
  if (problem) return Promise.reject(new TypeError(problem));
  const options = secret ? { secret } : { room: String(room), password: password || '' };
  const key = JSON.stringify(options);
  let keys = prepared.get(key);
  if (!keys) {
    keys = derive(options).then(roomKeys).then(warmedUp);
    keys.catch(() => prepared.delete(key));
    if (prepared.size >= PREPARED_KEPT) prepared.delete(prepared.keys().next().value);
  } else {
    prepared.delete(key);  // most recently used last
  }
  prepared.set(key, keys);
  return keys;
}
