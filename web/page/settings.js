// The settings a person may change: the signaling server's URL and the ICE (STUN/TURN) servers,
// kept in localStorage so they survive a reload. Stored only when they differ from the default.

const STORAGE_KEY = 'webchat.settings';
const DISK_DEFAULT_SIGNAL = 'http://127.0.0.1:8080/sig';  // a page opened from file:// has no server of its own

/** Served by webchat-server: the same origin's /sig. Opened from disk: the usual local server. */
export function defaultSignal() {
  const served = location.protocol === 'http:' || location.protocol === 'https:';
  return served ? new URL('/sig', location.href).href : DISK_DEFAULT_SIGNAL;
}

/** { signal, ice, noRelay }: ice is the text of the ICE servers box (see parseIceServers). */
export function loadSettings() {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') ?? {};
  } catch {
    // storage disabled or a broken entry: the defaults will do
  }
  return {
    signal: typeof saved.signal === 'string' && saved.signal ? saved.signal : defaultSignal(),
    ice: typeof saved.ice === 'string' ? saved.ice : '',
    noRelay: saved.noRelay === true,
  };
}

export function saveSettings({ signal, ice, noRelay = false }) {
  const toSave = {};
  if (noRelay) toSave.noRelay = true;
  if (signal.trim() && signal.trim() !== defaultSignal()) toSave.signal = signal.trim();
  if (ice.trim()) toSave.ice = ice.trim();
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(toSave));
  } catch {
    // private mode or storage full: the settings still apply to this visit
  }
}

/**
 * One server per line, "URL [username credential]", for example
 *   stun:stun.example.org:3478
 *   turn:turn.example.org:3478?transport=udp alice s3cret
 * Returns { servers: RTCIceServer[], problem: '' } or a problem naming the first bad line.
 */
export function parseIceServers(text) {
  const servers = [];
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  for (const [index, line] of lines.entries()) {
    const [urls, username, credential, extra] = line.split(/\s+/);
    if (!/^(stun|stuns|turn|turns):\S+$/i.test(urls) || extra !== undefined) {
      return { servers: [], problem: `ICE server line ${index + 1}: write "stun:host:port" or "turn:host:port user password".` };
    }
    if (/^turns?:/i.test(urls) && (username === undefined || credential === undefined)) {
      return { servers: [], problem: `ICE server line ${index + 1}: a TURN server needs a username and a password.` };
    }
    servers.push(username === undefined ? { urls } : { urls, username, credential });
  }
  return { servers, problem: '' };
}
