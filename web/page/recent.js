// What this browser remembers between visits, in localStorage: the nickname last used and the rooms
// joined, newest first (listed on the start page).

const NICK_KEY = 'webchat.nick';
const ROOMS_KEY = 'webchat.rooms';
const MAX_ROOMS = 8;

function read(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;  // storage disabled or a broken entry
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // private mode or storage full: remembered for this visit only
  }
}

/** The nickname last joined with, or ''. */
export function savedNick() {
  const nick = read(NICK_KEY, '');
  return typeof nick === 'string' ? nick : '';
}

/** [{ room, at }] newest first; `at` is when it was last joined (ms since the epoch). */
export function recentRooms() {
  const rooms = read(ROOMS_KEY, []);
  return Array.isArray(rooms) ? rooms.filter((entry) => typeof entry?.room === 'string' && entry.room) : [];
}

/** Remembers a join: the nickname, and the room at the top of the recent rooms. */
export function rememberJoin(room, nick) {
  write(NICK_KEY, nick);
  write(ROOMS_KEY, [{ room, at: Date.now() }, ...recentRooms().filter((entry) => entry.room !== room)].slice(0, MAX_ROOMS));
}

/** Drops a room from the recent rooms. */
export function forgetRecentRoom(room) {
  write(ROOMS_KEY, recentRooms().filter((entry) => entry.room !== room));
}
