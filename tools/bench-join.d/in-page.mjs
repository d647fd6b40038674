// The two contenders, as functions that playwright runs inside the pages (so each must be
// self-contained: no closures over this file). Times are taken in the guest's page with
// performance.now(), from the start of the join to the first chat line received.

/** Host page, before anything else: resolves window.offerParked when an offer is first handed to the server. */
export function watchOfferParking() {
  const original = window.fetch;
  window.offerParked = new Promise((parked) => {
    window.fetch = (url, init) => {
      if (/[?&]set=[^&]*offer/.test(String(url))) parked();
      return original(url, init);
    };
  });
}

// --- webchat: the module the page and embedders use ---------------------------------------------
export async function appHost({ room, signal, iceServers }) {
  const { joinRoom } = await import('/webchat.js');
  const host = await joinRoom({ room, nick: 'host', signal, iceServers });
  // Greet the first guest: its first chat line is what the guest's clock waits for.
  host.addEventListener('members', (e) => {
    if (e.detail.length > 1) setTimeout(() => host.send('welcome'));
  }, { once: true });
  await window.offerParked;
}

export async function appGuest({ room, signal, iceServers }) {
  const { joinRoom } = await import('/webchat.js');
  const started = performance.now();
  const guest = await joinRoom({ room, nick: 'guest', signal, iceServers });
  if (guest.history.length === 0) await new Promise((got) => guest.addEventListener('message', got, { once: true }));
  const took = performance.now() - started;
  guest.leave();
  return took;
}

// --- The baseline: the same offer/answer exchange through the same server, in plain JS ---------
// Waits for complete ICE gathering before sending a description, as a first try at WebRTC does.

export async function rawHost({ id, signal, iceServers }) {
  const sig = (query, body) => fetch(`${signal}?${query}&timeoutms=60000`, { method: 'POST', body });
  const gathered = (pc) => new Promise((done) => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done());
  });
  const pc = new RTCPeerConnection({ iceServers });
  const channel = pc.createDataChannel('bench');
  channel.onopen = () => channel.send('welcome');
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  window.rawPeer = pc;
  (async () => {
    await sig(`set=${id}.offer`, pc.localDescription.sdp);
    const answer = await sig(`get=${id}.answer`);
    await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
  })();
  await window.offerParked;
}

export async function rawGuest({ id, signal, iceServers }) {
  const sig = (query, body) => fetch(`${signal}?${query}&timeoutms=60000`, { method: 'POST', body });
  const gathered = (pc) => new Promise((done) => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done());
  });
  const started = performance.now();
  const offer = await sig(`get=${id}.offer`);
  const pc = new RTCPeerConnection({ iceServers });
  const firstLine = new Promise((got) => { pc.ondatachannel = (e) => { e.channel.onmessage = got; }; });
  await pc.setRemoteDescription({ type: 'offer', sdp: await offer.text() });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  sig(`set=${id}.answer`, pc.localDescription.sdp);
  await firstLine;
  const took = performance.now() - started;
  pc.close();
  return took;
}
