// Settings' connectivity check, like the trickle-ICE sample page: gathers ICE candidates with the
// configured servers and says, in words, which servers answered and what this network allows.

const CHECK_CAP_MS = 8000;  // an unreachable server never ends gathering by itself (Chromium: 25 s+)

const KIND = { host: 'host', srflx: 'srflx', prflx: 'srflx', relay: 'relay' };

/**
 * Gathers candidates with `servers` (RTCIceServer[]); resolves with
 * { servers: [{ url, answered, detail }], kinds: Set('host'|'srflx'|'relay'), publicAddresses }.
 */
export async function gatherFacts(servers) {
  const pc = new RTCPeerConnection({ iceServers: servers });
  const kinds = new Set();
  const publicAddresses = new Set();
  const answeredBy = new Map();  // server URL → the kind of candidate it gave
  const errors = new Map();      // server URL → error text
  pc.addEventListener('icecandidate', ({ candidate }) => {
    if (!candidate?.candidate) return;
    const kind = KIND[candidate.type];
    if (!kind) return;
    kinds.add(kind);
    if (kind === 'srflx' && candidate.address) publicAddresses.add(candidate.address);
    // Chromium names the server a candidate came from; Firefox does not (then: by kind below).
    if (candidate.url && kind !== 'host') answeredBy.set(candidate.url, kind);
  });
  pc.addEventListener('icecandidateerror', ({ url, errorCode, errorText }) => {
    if (url) errors.set(url, `${errorCode} ${errorText}`.trim());
  });
  pc.createDataChannel('check');
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, CHECK_CAP_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
  pc.close();
  const urls = servers.flatMap((server) => [server.urls].flat());
  return {
    kinds,
    publicAddresses: [...publicAddresses],
    servers: urls.map((url) => {
      const isTurn = /^turns?:/i.test(url);
      const answered = answeredBy.size ? answeredBy.has(url) : kinds.has(isTurn ? 'relay' : 'srflx');
      return { url, answered, detail: errors.get(url) ?? '' };
    }),
  };
}

/** The facts as sentences a person understands, one per line. */
export function describeFacts({ kinds, publicAddresses, servers }) {
  const lines = servers.map(({ url, answered, detail }) => {
    const what = /^turns?:/i.test(url) ? 'relay server' : 'address server';
    if (answered) return `${url}: this ${what} answered.`;
    return `${url}: this ${what} did not answer${detail ? ` (${detail})` : ''}.`;
  });
  if (!servers.length) lines.push('No STUN or TURN server is configured: only people on your own network can connect to you.');
  if (kinds.has('srflx')) {
    lines.push(`Your network's public address is ${publicAddresses.join(', ') || 'known'}: direct connections to people on other networks can work (not behind every kind of router).`);
  } else if (servers.length) {
    lines.push('No public address was found: direct connections to other networks will likely fail.');
  }
  lines.push(kinds.has('relay')
    ? 'A relay is available: when no direct path exists, your messages go through the TURN server.'
    : 'No relay is available: where no direct path exists, joining fails.');
  return lines;
}

/**
 * The Settings button: runs the check with the servers `servers()` resolves to (the box's, else the
 * signaling server's) and lists the sentences in `report`.
 */
export function wireConnectivityCheck(button, report, servers) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    report.hidden = false;
    report.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'Checking…' }));
    try {
      const lines = describeFacts(await gatherFacts(await servers()));
      report.replaceChildren(...lines.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    } catch (error) {
      report.replaceChildren(Object.assign(document.createElement('li'), { textContent: `The check failed: ${error.message}` }));
    } finally {
      button.disabled = false;
    }
  });
}
