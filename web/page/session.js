// This tab's place in a room, kept in sessionStorage (one per tab, kept across a reload and when a
// closed tab is reopened): the room and nickname to rejoin without a click, the member id to come back
// as, and the lines still waiting to be sent.

const KEY = 'webchat.session';

/** { room, nick, memberId, outbox, midCounter } or null when this tab is in no room. */
export function savedSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY));
    return saved && typeof saved.room === 'string' && typeof saved.nick === 'string' ? saved : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    // storage disabled: a reload shows the start page
  }
}

/** Left on purpose: a reload shows the start page. */
export function endSession() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
}
