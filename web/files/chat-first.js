// Chat before files (issue #16: a line typed while a file moves arrives as fast as without it). A
// file's bytes and the room's lines travel on different connections, but through the same threads of
// both browsers (the page's WebRTC network thread, the browser's socket threads) and the same CPU: a
// transfer at full speed keeps them busy, and a line waits its turn behind the chunks queued there.
// So while lines are moving in the page's rooms (one sent, received or being typed, here or by
// others, in the last ACTIVE_MS), a holder sends its chunks one at a time, each once the link's
// buffer is empty, at most PACED_BYTES_PER_S: the threads are idle most of the time and a line rarely
// waits. Out of a conversation, transfers go at full speed (docs/files.md has the measurements).

const ACTIVE_MS = 3000;
export const PACED_BYTES_PER_S = 1024 * 1024;

let lastLine = -Infinity;

/** A line (or a typing notice) moved in one of the page's rooms. */
export function chatMoved() {
  lastLine = performance.now();
}

/** Whether transfers should make way for lines now. */
export function chatActive() {
  return performance.now() - lastLine < ACTIVE_MS;
}
