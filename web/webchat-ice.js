// The ICE servers a room uses, and what its peer links turned out to be.
//
// - The signaling server's operator configures STUN and TURN once (`webchat-server --stun --turn`);
//   `GET /config` next to the signaling endpoint hands them out, TURN with credentials minted per
//   request that expire after `ttl` seconds (docs/server.md). Fetched once per server, again once
//   half the credentials' lifetime has passed; a server without the endpoint means "none".
// - A link's kind and round-trip time come from getStats(): the selected candidate pair, relayed when
//   either end is a TURN relay candidate.

const configs = new Map();  // config URL → { servers: Promise<RTCIceServer[]>, renewAt }

/** The config endpoint of a signaling endpoint: `.../sig` → `.../config`. */
export function configUrl(signal) {
  return new URL('config', signal).href;
}

/** The operator's ICE servers for `signal` (never rejects: [] when the server has none to give). */
export function serverIceServers(signal, fetchFn = (url, init) => fetch(url, init)) {
  const url = configUrl(signal);
  const cached = configs.get(url);
  if (cached && Date.now() < cached.renewAt) return cached.servers;
  const entry = { renewAt: Infinity };
  entry.servers = fetchFn(url, { cache: 'no-store' }).then(async (response) => {
    if (!response.ok) throw new Error(`config: ${response.status}`);
    const { iceServers, ttl } = await response.json();
    if (!Array.isArray(iceServers)) throw new Error('config: no iceServers');
    entry.renewAt = Date.now() + (Number(ttl) > 0 ? Number(ttl) * 500 : 0);
    return iceServers;
  }).catch(() => {
    if (configs.get(url) === entry) configs.delete(url);  // ask again next time
    return [];
  });
  configs.set(url, entry);
  return entry.servers;
}

/** `servers` without TURN: for people who do not want a relay to see their traffic's metadata. */
export function withoutRelays(servers) {
  const isTurn = (url) => /^turns?:/i.test(url);
  return servers.map((server) => {
    const urls = [server.urls].flat().filter((url) => !isTurn(url));
    return urls.length ? { urls } : null;
  }).filter(Boolean);
}

/**
 * What a connected peer connection's selected candidate pair is: { type: 'direct'|'relayed', rtt }
 * (rtt in ms, or null when not measured yet), or null before a pair is selected.
 */
export async function linkFacts(pc) {
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((report) => {
    if (report.type === 'transport' && report.selectedCandidatePairId) pair = stats.get(report.selectedCandidatePairId);
  });
  // Firefox marks the pair itself instead of naming it from the transport.
  stats.forEach((report) => {
    if (!pair && report.type === 'candidate-pair' && report.selected) pair = report;
  });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  const relayed = local?.candidateType === 'relay' || remote?.candidateType === 'relay';
  const rtt = typeof pair.currentRoundTripTime === 'number' ? Math.round(pair.currentRoundTripTime * 1000) : null;
  return { type: relayed ? 'relayed' : 'direct', rtt };
}
