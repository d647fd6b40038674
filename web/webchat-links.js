// A Room's peer links: one RTCPeerConnection with one ordered data channel per link the room logic
// opens (a host's offer waiting for a newcomer, a joiner's answer to it), carried out as the logic
// asks (open, accept an answer, add candidates, send, close) and reported back to it (described,
// candidates, open, message, closed). The texts they carry are the logic's business, not this file's.

import { iceGathered } from './ice-gathered.js';
import { linkFacts } from './webchat-ice.js';

export const ICE_GATHER_CAP_MS = 2000;  // an unreachable STUN server must not stall a join
// How long a joiner's answer waits for ICE gathering before it leaves with the candidates found so far,
// the rest trickling after it. Host candidates take milliseconds and a reachable STUN server a round
// trip; gathering that ends in time sends the answer whole, which spares two requests competing with
// the connection (measured: on 2 cores, trickling even fast gathering made joins slower).
export const TRICKLE_AFTER_MS = 100;
const CLOSE_FLUSH_CAP_MS = 1000; // how long a closing link may take to send what is queued

// One certificate per page, made ahead (generating one takes milliseconds): every link of a Room uses
// it, so the Room's fingerprint is fixed and its hello can name it.
let certificate = null;
export function roomCertificate() {
  certificate ??= RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' }).catch(() => null);
  return certificate;
}

// One peer connection made ahead, while the person types (webchat.js's prepareRoom), with the page's
// certificate: making one takes 1-7 ms of main thread (traced), which a join otherwise paid while its
// probe was out, the offer's arrival waiting behind it. The first link whose configuration has the
// same certificate takes it (a joiner's answering connection, or a first host's offer), its ICE
// servers set then; later links make their own.
let ahead = null;  // { pc, certificate, expiry }
const AHEAD_UNUSED_MS = 60000;  // a connection made ahead that no join took in this time is closed

function dropAhead() {
  if (!ahead) return;
  clearTimeout(ahead.expiry);
  ahead.pc.close();
  ahead = null;
}

/** Makes the connection ahead (once the certificate is made); resolves when it is, never rejects. */
export async function connectionAhead(newPeerConnection) {
  const cert = await Promise.resolve().then(roomCertificate).catch(() => null);
  if (!cert || ahead) return;
  try {
    ahead = { pc: newPeerConnection({ certificates: [cert] }), certificate: cert };
    // Held no longer than a person plausibly takes to join (an invitation opened and left, a join that
    // made its own connection meanwhile), nor past the page's life.
    ahead.expiry = setTimeout(dropAhead, AHEAD_UNUSED_MS);
    globalThis.addEventListener?.('pagehide', dropAhead, { once: true });
  } catch { /* the join makes its own */ }
}

/** The connection made ahead, configured as `config` says, if it has config's certificate; else null. */
export function takeConnectionAhead(config) {
  if (!ahead || config.certificates?.[0] !== ahead.certificate) return null;
  const { pc, expiry } = ahead;
  clearTimeout(expiry);
  ahead = null;
  if (pc.signalingState === 'closed') return null;
  try {
    if (config.iceServers?.length) pc.setConfiguration(config);
    return pc;
  } catch {
    pc.close();
    return null;
  }
}

/** "sha-256 AB:CD:..." as SDP's a=fingerprint names it. */
export function fingerprintOf(cert) {
  const fp = cert.getFingerprints?.()[0];
  return fp ? `${fp.algorithm} ${fp.value.toUpperCase()}` : '';
}

export class PeerLinks {
  #newPeerConnection;
  #config;
  #on;
  #links = new Map();      // link id → { pc, channel, queued, opened }
  #nextConnection = null;  // made early for the link a joiner is about to open (see prepare)

  /**
   * newPeerConnection(config): the browser's, or a stand-in. iceServers, certificate: the
   * connections' configuration; refreshIce() → Promise<iceServers>, if given, renews the servers
   * (TURN credentials expire) as each link opens, for the next ones. iceGatherCapMs, trickleAfterMs:
   * see above. on: { described(link, sdp, trickled), candidates(link, list), open(link),
   * message(link, text), closed(link, why) }, why 'closed', 'ice-failed' (no path) or 'dtls-failed'.
   */
  constructor({ newPeerConnection, iceServers, certificate = null, refreshIce = null,
                iceGatherCapMs = ICE_GATHER_CAP_MS, trickleAfterMs = TRICKLE_AFTER_MS, on }) {
    this.#newPeerConnection = newPeerConnection;
    this.#config = { iceServers, certificate, refreshIce, iceGatherCapMs, trickleAfterMs };
    this.#on = on;
  }

  /**
   * A joiner's probe is out and will most likely bring an offer to answer: making a peer connection
   * takes 1-9 ms of main-thread time, so it is made now, while the page waits for the server.
   */
  prepare() {
    this.#nextConnection ??= this.#newPeerConnection(this.#rtcConfig());
  }

  /** Closes the connection prepare() made, if no link took it. */
  discardPrepared() {
    this.#nextConnection?.close();
    this.#nextConnection = null;
  }

  /** What the link is (direct or relayed) and its round-trip time (webchat-ice.js), or null. */
  async facts(link) {
    const entry = this.#links.get(link);
    return entry ? linkFacts(entry.pc).catch(() => null) : null;
  }

  /** Opens a link: an offer (described once gathered), or with `remoteOffer` the answer to it. */
  async open(link, remoteOffer) {
    const pc = this.#nextConnection ?? this.#newPeerConnection(this.#rtcConfig());
    this.#nextConnection = null;
    // Server-given TURN credentials expire: the next links use renewed ones.
    this.#config.refreshIce?.().then((servers) => { this.#config.iceServers = servers; });
    const entry = { pc, channel: null };
    this.#links.set(link, entry);
    const closed = (why) => this.#gone(link, entry, why);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') closed(linkFailure(pc));
      else if (pc.connectionState === 'closed') closed();
    });
    try {
      if (remoteOffer) return await this.#answer(link, entry, remoteOffer);
      this.#wireChannel(link, entry, pc.createDataChannel('webchat', { ordered: true }));
      await pc.setLocalDescription(await pc.createOffer());
      // An offer waits in the mailbox for a newcomer: it is sent whole, with every candidate.
      await iceGathered(pc, this.#config.iceGatherCapMs);
    } catch {
      return closed();
    }
    if (this.#links.get(link) !== entry) return;  // closed while we gathered
    this.#on.described(link, pc.localDescription.sdp, false);
  }

  async acceptAnswer(link, sdp) {
    const entry = this.#links.get(link);
    if (!entry) return;
    try {
      await entry.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch {
      this.#gone(link, entry);
    }
  }

  // The browser runs these after the answer is applied (a peer connection queues its operations). One
  // it cannot use (say, an address family it lacks) is skipped: the others may still connect.
  addCandidates(link, candidates) {
    const entry = this.#links.get(link);
    if (!entry) return;
    for (const candidate of candidates) entry.pc.addIceCandidate({ candidate, sdpMLineIndex: 0 }).catch(() => {});
  }

  send(link, text) {
    const entry = this.#links.get(link);
    const channel = entry?.channel;
    if (channel?.readyState === 'open') return channel.send(text);
    // A peer's message can be handled before our side of the channel reports open: keep the answer
    // (welcome, refuse) until it does, instead of dropping it and leaving the peer waiting.
    if (channel?.readyState === 'connecting') entry.queued.push(text);
  }

  /** Closes a link without reporting it (the logic closed it), once what it queued has left. */
  close(link) {
    const entry = this.#links.get(link);
    if (!entry) return;
    this.#links.delete(link);
    const { pc, channel } = entry;
    if (!channel || channel.readyState !== 'open' || channel.bufferedAmount === 0) return pc.close();
    // Let a last message (bye, refuse) leave before tearing the connection down.
    channel.bufferedAmountLowThreshold = 0;
    const done = () => pc.close();
    channel.addEventListener('bufferedamountlow', done, { once: true });
    setTimeout(done, CLOSE_FLUSH_CAP_MS);
  }

  #rtcConfig() {
    const { iceServers, certificate } = this.#config;
    return certificate ? { iceServers, certificates: [certificate] } : { iceServers };
  }

  // A joiner's answer: the host is waiting for it. Slow gathering (a distant STUN or TURN server, or
  // one that never answers) does not hold it back: after trickleAfterMs it leaves with what was
  // found, and the candidates follow through the mailbox once gathering ends (or its cap passes).
  async #answer(link, entry, remoteOffer) {
    const { pc } = entry;
    const candidates = [];
    pc.addEventListener('icecandidate', (e) => e.candidate?.candidate && candidates.push(e.candidate.candidate));
    pc.addEventListener('datachannel', (e) => this.#wireChannel(link, entry, e.channel));
    await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer });
    await pc.setLocalDescription(await pc.createAnswer());
    const { iceGatherCapMs, trickleAfterMs } = this.#config;
    const whole = trickleAfterMs > 0 && await iceGathered(pc, Math.min(trickleAfterMs, iceGatherCapMs));
    if (this.#links.get(link) !== entry) return;
    this.#on.described(link, pc.localDescription.sdp, !whole);
    if (whole) return;
    await iceGathered(pc, Math.max(0, iceGatherCapMs - trickleAfterMs));
    if (this.#links.get(link) !== entry) return;
    this.#on.candidates(link, candidates);
  }

  #wireChannel(link, entry, channel) {
    entry.channel = channel;
    entry.queued = [];
    // Report the opening once, whether the channel arrives already open (an answerer's may) or opens later.
    const opened = () => {
      if (entry.opened) return;
      entry.opened = true;
      for (const text of entry.queued.splice(0)) channel.send(text);
      if (this.#links.get(link) === entry) this.#on.open(link);
    };
    channel.addEventListener('open', opened);
    if (channel.readyState === 'open') queueMicrotask(opened);
    // Messages go to the logic as they come; one whose signatures need checking waits there (a 'verify'
    // effect), with the link's later messages and its close behind it. Events of a link the logic has
    // already closed are stale: ignored.
    channel.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') return;  // the protocol is text only
      if (this.#links.get(link) === entry) this.#on.message(link, e.data);
    });
    channel.addEventListener('close', () => this.#gone(link, entry));
  }

  // why: 'closed', or how the connection failed ('ice-failed': no path; 'dtls-failed': tampered).
  #gone(link, entry, why = 'closed') {
    if (this.#links.get(link) !== entry) return;
    this.#links.delete(link);
    entry.pc.close();
    this.#on.closed(link, why);
  }
}

// How a peer connection failed: a DTLS handshake that failed (the fingerprint did not match the
// description: someone in the middle), or ICE finding no path. A connection fails when its ICE or its
// DTLS transport does, so one that fails while ICE is connected failed in DTLS. The DTLS transport's own
// state is not read: Chromium reports it apart from the connection's, and on a busy machine its 'failed'
// came after the connection's (a swapped fingerprint was taken for no path: the join probed again and,
// that attempt never connecting, ended as no-route instead of tampered; docs/testing.md, session 13).
function linkFailure(pc) {
  const iceConnected = pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed';
  return iceConnected ? 'dtls-failed' : 'ice-failed';
}
