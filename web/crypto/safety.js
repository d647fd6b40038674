// Safety codes: 30 digits two members compare by voice (or side by side) to be sure no one sits
// between them. Both pages compute the same code from the two identity keys, whatever their order:
// SHA-256 over a domain label and the two raw keys sorted; six 5-byte pieces of the digest, each
// taken mod 100,000 as 5 digits (as Signal's safety numbers do). 30 digits carry ~100 bits: a man in
// the middle cannot grind a key pair whose code matches.

import { fromBase64url, utf8 } from './encoding.js';
import { sha256 } from './primitives.js';

const LABEL = utf8('webchat/v2/safety-code');

function compareBytes(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** "12345 67890 …" (six groups of five digits) for two base64url public keys; null when one is malformed. */
export async function safetyCode(ownKey, theirKey) {
  const keys = [fromBase64url(ownKey), fromBase64url(theirKey)];
  if (keys.some((key) => key?.length !== 32)) return null;
  keys.sort(compareBytes);
  const digest = await sha256(new Uint8Array([...LABEL, ...keys[0], ...keys[1]]));
  const groups = [];
  for (let i = 0; i < 30; i += 5) {
    const piece = digest.subarray(i, i + 5).reduce((value, byte) => value * 256 + byte, 0);  // < 2^40: exact
    groups.push(String(piece % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}
