// Who is who: each member's safety code (from both identity keys: the same on both pages, to compare
// by voice) and whether its key is the one this browser pinned for its nickname in this room on first
// contact. Pins live in localStorage; a changed key is flagged until the person trusts the new one.

import { safetyCode } from '../webchat.js';

const PINS = 'webchat-key-pins';
const PINS_KEPT = 2000;

function loadPins() {
  try {
    const pins = JSON.parse(localStorage.getItem(PINS) ?? '{}');
    return pins && typeof pins === 'object' ? pins : {};
  } catch {
    return {};
  }
}

function savePins(pins) {
  const entries = Object.entries(pins);
  try {
    localStorage.setItem(PINS, JSON.stringify(Object.fromEntries(entries.slice(-PINS_KEPT))));
  } catch {
    // storage full or disabled: pins last as long as the page
  }
}

const pinName = (roomTag, nick) => `${roomTag} ${nick.normalize('NFKC').toLowerCase()}`;

/** Pins `key` as `nick`'s in the room (first contact, or the person trusts a changed key). */
export function trustKey(roomTag, nick, key) {
  const pins = loadPins();
  delete pins[pinName(roomTag, nick)];  // most recent last: the oldest pins go first
  pins[pinName(roomTag, nick)] = key;
  savePins(pins);
}

/**
 * The members with, for each other member whose key is known, `code` (the safety code) and
 * `keyChanged` (its key differs from the one pinned for its nickname in this room). A key seen for the
 * first time is pinned.
 */
export async function withTrust(members, { ownKey, roomTag }) {
  const pins = loadPins();
  return Promise.all(members.map(async (member) => {
    if (member.self || !member.key || !ownKey) return member;
    const pinned = pins[pinName(roomTag, member.nick)];
    if (!pinned) trustKey(roomTag, member.nick, member.key);
    return { ...member, code: await safetyCode(ownKey, member.key), keyChanged: Boolean(pinned) && pinned !== member.key };
  }));
}
