// Chat before files (issue #16: a line typed while a file moves arrives as fast as without it). A
// file's bytes and the room's lines travel on different connections, but through the same threads of
// both browsers (the page's WebRTC network thread, the browser's socket threads) and the same CPU: a
// transfer at full speed keeps them busy, and a line waits its turn behind the chunks queued there.
// So while lines are moving in the page's rooms (one sent, received live or being typed, here or by
// others, in the last ACTIVE_MS), holders send their chunks one at a time, each once its link's
// buffer is empty, at most PACED_BYTES_PER_S for the whole page (every room and link together): the
// threads are idle most of the time and a line rarely waits. Out of a conversation, transfers go at
// full speed (docs/files.md has the measurements).

const ACTIVE_MS = 3000;
export const PACED_BYTES_PER_S = 1024 * 1024;

let lastLine = -Infinity;
let moves = 0;
let nextSlot = 0;  // while chat is active: when the page's next chunk may go (performance.now())

/** A line (or a typing notice) moved in one of the page's rooms. */
export function chatMoved() {
  lastLine = performance.now();
  moves += 1;
}

/**
 * How many times chat moved in this page so far: whether one event made transfers make way can be
 * told while they still make way for the one before (files.test.mjs reads it).
 */
export function chatMoves() {
  return moves;
}

/** Whether transfers should make way for lines now. */
export function chatActive() {
  return performance.now() - lastLine < ACTIVE_MS;
}

/**
 * Resolves when a chunk may go on a link: at once out of a conversation; while chat is active, once
 * the page's pace allows it and the link's buffer is empty. `link`: { empty(): boolean,
 * drained(ms): a promise resolved once the buffer is empty, or after ms }. Sleeps until then (or
 * until the pause ends), never polls. Call spent() once the chunk went.
 */
export async function makeWay(link) {
  for (;;) {
    const now = performance.now();
    const pauseEnds = lastLine + ACTIVE_MS;
    if (now >= pauseEnds) return;
    if (nextSlot > now) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(nextSlot, pauseEnds) - now));
    } else if (!link.empty()) {
      await link.drained(pauseEnds - now);
    } else {
      return;
    }
  }
}

/** A chunk of `size` bytes went: while chat is active, the page's next one waits its share of the pace. */
export function spent(size) {
  if (!chatActive()) return;
  nextSlot = Math.max(nextSlot, performance.now()) + (size / PACED_BYTES_PER_S) * 1000;
}
