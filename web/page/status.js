// The status line's words: where this browser stands in the room, and what to do about an error.

// joining and reconnecting by stage: still looking for the host, or connecting to the one found
// (seconds through a relay; a join with no path ends with its own words).
const STATE_WORDS = {
  joining: (room, stage) => (stage === 'connecting' ? 'Found the room\'s host: connecting to it…' : 'Looking for the room\'s host…'),
  host: (room) => `Hosting “${room}”: others connect to you`,
  guest: (room) => `Connected as guest in “${room}”`,
  // The host found may be a new one or the same one back (its network moved, or ours): say neither.
  reconnecting: (room, stage) => (stage === 'connecting' ? 'The host went away: found who hosts the room now, connecting…'
                                                         : 'The host went away: reconnecting to the room…'),
  closed: () => 'Not in a room',
};

const STATE_TONE = { joining: 'busy', host: 'ok', guest: 'ok', reconnecting: 'busy', closed: 'idle' };

/**
 * status: { state, stage?, error?, message? } from webchat.js. Returns { text, tone } where tone is one of
 * idle, busy, ok, warn (an error the room works around, like a server that went away) or error.
 */
export function describeStatus({ state, stage, error, message }, room) {
  const words = (STATE_WORDS[state] ?? (() => state))(room, stage);
  if (!error) return { text: words, tone: STATE_TONE[state] ?? 'idle' };
  if (state === 'closed' || state === 'joining') return { text: message, tone: 'error' };
  // In a room the server only introduces newcomers: say what its loss means here, not "check the
  // settings" (a start-page control) nor "others connect to you" (they cannot, for now).
  if (error === 'server-unreachable' && (state === 'host' || state === 'guest')) {
    const where = state === 'host' ? `Hosting “${room}”` : `Connected as guest in “${room}”`;
    return { text: `${where}: the signaling server cannot be reached, so nobody new can join until it is back; who is here can still talk`, tone: 'warn' };
  }
  return { text: `${words}. ${message}`, tone: 'warn' };
}

/** The conversation's system line for a notice { kind, nick, previous } or a warning { kind, nick } from webchat.js. */
export function describeNotice({ kind, nick, previous }) {
  switch (kind) {
    case 'renamed': return `${previous} is now known as ${nick}`;
    case 'forged': return `A line claiming to come from ${nick} failed verification: not shown`;
    case 'key-changed': return `The host named ${nick} with another key than before: the member list was not updated`;
    case 'joined': return `${nick} joined`;
    case 'left': return `${nick} left`;
    case 'host-changed': return `${nick} is now the host`;
    case 'closed': return nick ? `The room closed: ${nick} left` : 'The room closed';
    default: return `${kind} ${nick}`;
  }
}
