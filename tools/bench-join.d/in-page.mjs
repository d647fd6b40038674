// The two contenders, as functions that playwright runs inside the pages (so each must be
// self-contained: no closures over this file). Times are taken in the guest's page with
// performance.now(), from the start of the join to the first chat line received.

/**
 * Host page, before anything else: window.hostWaiting resolves once the host waits as a host does
 * between newcomers: an offer handed to the server, `connections` peer connections done gathering
 * and none still at it (webchat: 2, the parked offer and the spare it keeps behind it; plain JS: 1). A guest
 * measured against a host still setting up would time the host's arrival, not the guest's join. With
 * an unreachable STUN server gathering ends only at Chromium's own timeout (tens of seconds):
 * `gathered: false` then counts the host as waiting once its offer is parked.
 */
export function watchHost({ connections, gathered }) {
  const gathering = new Set();
  let completed = 0;
  let parked = false;
  let waiting;
  window.hostWaiting = new Promise((resolve) => { waiting = resolve; });
  const check = () => parked && (!gathered || (completed >= connections && gathering.size === 0)) && waiting();

  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = function RTCPeerConnection(...args) {
    const pc = new Original(...args);
    const done = () => gathering.delete(pc) && check();
    gathering.add(pc);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      completed++;
      done();
    });
    const close = pc.close.bind(pc);
    pc.close = () => { done(); close(); };  // closing fires no event
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
  window.RTCPeerConnection.generateCertificate = (...args) => Original.generateCertificate(...args);  // the module's static use

  const originalFetch = window.fetch;
  window.fetch = (url, init) => {
    // A host's first set is its offer (webchat's mailbox ids are HMACs: they do not say "offer").
    if (/[?&]set=/.test(String(url))) {
      parked = true;
      check();
    }
    return originalFetch(url, init);
  };
}

// --- webchat: the module the page and embedders use ---------------------------------------------
// `rooms`: joinRoom's room options (a public room's name; a private room's secret; a name and password).
export async function appHost({ rooms, signal, iceServers }) {
  const { joinRoom } = await import('/webchat.js');
  const host = await joinRoom({ ...rooms, nick: 'host', signal, iceServers });
  // Greet the first guest: its first chat line is what the guest's clock waits for.
  host.addEventListener('members', (e) => {
    if (e.detail.length > 1) host.send('welcome');
  }, { once: true });
  await window.hostWaiting;
}

// The room's keys are derived before the clock starts, as the page does while a person types.
export async function appGuest({ rooms, signal, iceServers }) {
  const { joinRoom, prepareRoom } = await import('/webchat.js');
  await prepareRoom(rooms);
  const started = performance.now();
  window.traceLog?.push({ who: 'guest', at: performance.timeOrigin + started, what: 'START joinRoom' });  // trace.mjs
  const guest = await joinRoom({ ...rooms, nick: 'guest', signal, iceServers });
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
  await window.hostWaiting;
}

export async function rawGuest({ id, signal, iceServers }) {
  const sig = (query, body) => fetch(`${signal}?${query}&timeoutms=60000`, { method: 'POST', body });
  const gathered = (pc) => new Promise((done) => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done());
  });
  const started = performance.now();
  window.traceLog?.push({ who: 'guest', at: performance.timeOrigin + started, what: 'START joinRoom' });  // trace.mjs
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

// --- Signatures: what signing and verifying a line costs, with WebCrypto and with @noble ---------
// `lines` lines as long as a typical chat entry's canonical bytes; a newcomer verifies a whole history.
export async function signatureCosts({ lines }) {
  const { loadIdentity, verify } = await import('/webchat.js');
  const noble = await import('/crypto/noble.js');
  const texts = Array.from({ length: lines }, (_, i) =>
    JSON.stringify(['wc2/entry', '0123456789abcdef0123456789abcdef', `feedface0000000${i % 10}-${i}`, 'feedface00000001', 'alice', 'text',
                    `line ${i}: a chat line of ordinary length, with some words in it`, '', '', 1764500000000 + i, '', 0, '', '']));
  const me = await loadIdentity();
  const perLine = async (work) => {
    const started = performance.now();
    await work();
    return (performance.now() - started) / lines;
  };
  let sigs = [];
  const webcryptoSign = await perLine(async () => { for (const text of texts) sigs.push(await me.sign(text)); });
  const webcryptoVerify = await perLine(async () => { for (let i = 0; i < lines; i++) await verify(me.publicKey, texts[i], sigs[i]); });
  const history = await perLine(() => Promise.all(texts.map((text, i) => verify(me.publicKey, text, sigs[i]))));
  const encoder = new TextEncoder();
  const { secretKey, publicKey } = noble.ed25519.keygen();
  const bytes = texts.map((text) => encoder.encode(text));
  sigs = [];
  const nobleSign = await perLine(async () => { for (const b of bytes) sigs.push(noble.ed25519.sign(b, secretKey)); });
  const nobleVerify = await perLine(async () => { for (let i = 0; i < lines; i++) noble.ed25519.verify(sigs[i], bytes[i], publicKey, { zip215: false }); });
  return { implementation: me.implementation, webcryptoSign, webcryptoVerify, history: history * lines, nobleSign, nobleVerify };
}

// --- Lines through a room: what signing and verifying cost a burst of lines, end to end ---------
// Run in both pages before they join, for the figures without signatures: Ed25519 signing answers
// with 64 zero bytes and verifying with "valid" at once (HMAC, AES-GCM and the rest stay real).
export function skipEd25519() {
  const subtle = globalThis.crypto.subtle;
  const isEd25519 = (algorithm) => (algorithm?.name ?? algorithm) === 'Ed25519';
  const sign = subtle.sign.bind(subtle);
  const verify = subtle.verify.bind(subtle);
  subtle.sign = (algorithm, ...rest) => (isEd25519(algorithm) ? Promise.resolve(new ArrayBuffer(64)) : sign(algorithm, ...rest));
  subtle.verify = (algorithm, ...rest) => (isEd25519(algorithm) ? Promise.resolve(true) : verify(algorithm, ...rest));
}

// A page joins `rooms` (the host first: its joinRoom settles once it hosts). The host's
// window.guestIn resolves once a guest is in. The guest counts the lines from the host it shows.
export async function linesMember({ rooms, signal, nick }) {
  const { joinRoom } = await import('/webchat.js');
  const room = await joinRoom({ ...rooms, nick, signal, iceServers: [] });
  window.benchRoom = room;
  if (nick === 'host') {
    window.guestIn = new Promise((joined) => room.addEventListener('members', (e) => e.detail.length > 1 && joined()));
    return;
  }
  window.hostLines = 0;
  room.addEventListener('message', (e) => {
    if (e.detail.nick === 'host') window.hostLines++;
  });
}

// In the guest, before the host sends: window.linesArrived resolves with the clock (ms since the
// epoch, comparable between the two pages) once `count` more lines from the host have arrived. Set
// before the host starts, not while it sends: a guest that counted from its first line onwards would
// wait forever for lines that came before it started counting.
export function expectLines({ count }) {
  const wanted = window.hostLines + count;
  window.linesArrived = new Promise((done) => {
    const check = () => {
      if (window.hostLines < wanted) return;
      window.benchRoom.removeEventListener('message', check);
      done(performance.timeOrigin + performance.now());
    };
    window.benchRoom.addEventListener('message', check);
  });
}

// What the guest holds when the lines did not all arrive: which of the host's are missing.
export function linesReport({ count }) {
  const room = window.benchRoom;
  const shown = new Set(room.history.filter((e) => e.nick === 'host').map((e) => Number(/^line (\d+):/.exec(e.text)?.[1])));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !shown.has(i));
  return { status: room.status, members: room.members.map((m) => m.nick), hostLines: window.hostLines, history: room.history.length, missing };
}

// The host says `count` lines at once (a pasted block); returns the clock when it started.
export function sayLines({ count }) {
  const started = performance.timeOrigin + performance.now();
  for (let i = 0; i < count; i++) window.benchRoom.send(`line ${i}: a chat line of ordinary length, with some words in it`);
  return started;
}

export function leaveRoom() {
  window.benchRoom?.leave();
}
