// Direct links between two members for file bytes: one RTCPeerConnection per other member, with one
// ordered data channel, signaled by texts the room relays through its host (never through the host's
// links for the bytes themselves). The member that needs a link first offers; when both offer at once,
// the lower member id's offer wins and the other answers it.
//
// A relayed text is {type: 'files-offer'|'files-answer', sdp, sig?}. The host could read and change
// it; with `sign` and `verify` (the members' identity keys) each SDP, and so its DTLS fingerprint,
// is signed by its sender and checked against that member's key: a host that rewrote it to sit in
// the middle is refused (docs/files.md).

import { iceGathered } from '../ice-gathered.js';

const GATHER_CAP_MS = 2000;
const CONNECT_TIMEOUT_MS = 8000;  // as the room's links; under the transfers' 10 s wait for an answer
// Stop handing chunks to a channel holding this much; resume at SEND_LOW_BYTES (bufferedamountlow).
// Small: what a channel holds must drain before a chat line stops waiting behind it (chat-first.js),
// and 1 MiB keeps a loopback link as busy as 4 MiB did (docs/files.md).
const SEND_HIGH_BYTES = 1024 * 1024;
const SEND_LOW_BYTES = 512 * 1024;

export class DirectLinks {
  #selfId;
  #relay;
  #rtcConfig;
  #on;
  #sign;
  #verify;
  #links = new Map();  // peer → { pc, channel, queue, role, timer }

  /**
   * relay(peer, text): sends a signaling text to a member through the room.
   * on: { text(peer, string), chunk(peer, ArrayBuffer), drained(peer), closed(peer) }.
   * sign(bytes) → signature and verify(peer, bytes, signature) → boolean (both may be async): with
   * them, descriptions are signed and checked; without, they go as they are.
   */
  constructor({ selfId, relay, rtcConfig = {}, on, sign = null, verify = null }) {
    this.#selfId = selfId;
    this.#sign = sign;
    this.#verify = verify;
    this.#relay = relay;
    this.#rtcConfig = rtcConfig;
    this.#on = on;
  }

  /** Sends a control text, opening the link first if there is none. */
  sendText(peer, text) {
    const link = this.#links.get(peer) ?? this.#offer(peer);
    if (link.channel.readyState === 'open') link.channel.send(text);
    else link.queue.push(text);
  }

  /** Whether a chunk may be handed to the peer's channel now; else wait for on.drained(peer). */
  canSend(peer) {
    const channel = this.#links.get(peer)?.channel;
    return channel?.readyState === 'open' && channel.bufferedAmount < SEND_HIGH_BYTES;
  }

  /** Bytes handed to the peer's channel and not yet sent (0 without a link). */
  buffered(peer) {
    return this.#links.get(peer)?.channel.bufferedAmount ?? 0;
  }

  /**
   * Resolves once the peer's channel has nothing left to send (at once when it has nothing or is not
   * open), or after `ms`. Its low-buffer event is lowered to 0 meanwhile (on.drained follows it too).
   */
  drained(peer, ms) {
    const channel = this.#links.get(peer)?.channel;
    if (channel?.readyState !== 'open' || channel.bufferedAmount === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        channel.removeEventListener('bufferedamountlow', low);
        channel.removeEventListener('close', done);
        channel.bufferedAmountLowThreshold = SEND_LOW_BYTES;
        resolve();
      };
      const low = () => { if (channel.bufferedAmount === 0) done(); };
      const timer = setTimeout(done, ms);
      channel.bufferedAmountLowThreshold = 0;
      channel.addEventListener('bufferedamountlow', low);
      channel.addEventListener('close', done);
    });
  }

  /** Bytes handed to every link's channel and not yet sent. */
  bufferedTotal() {
    let total = 0;
    for (const { channel } of this.#links.values()) total += channel.bufferedAmount;
    return total;
  }

  sendBinary(peer, bytes) {
    const channel = this.#links.get(peer)?.channel;
    if (channel?.readyState !== 'open') return false;
    channel.send(bytes);
    return true;
  }

  /** Closes the link without reporting it (the caller knows). */
  close(peer) {
    const link = this.#links.get(peer);
    if (!link) return;
    this.#links.delete(peer);
    clearTimeout(link.timer);
    link.pc.close();
  }

  closeAll() {
    for (const peer of [...this.#links.keys()]) this.close(peer);
  }

  has(peer) { return this.#links.has(peer); }

  /** A signaling text relayed from `peer`. Anything malformed is ignored. */
  async onRelay(peer, text) {
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (typeof message?.sdp !== 'string' || message.sdp.length > 16384) return;
    if (this.#verify) {
      const signed = describedBytes(peer, this.#selfId, message.type, message.sdp);
      if (typeof message.sig !== 'string' || !await this.#verify(peer, signed, message.sig).catch(() => false)) return;
    }
    if (message.type === 'files-offer') return this.#answer(peer, message.sdp);
    if (message.type !== 'files-answer') return;
    const link = this.#links.get(peer);
    if (link?.role !== 'offerer' || link.answered) return;
    link.answered = true;
    await link.pc.setRemoteDescription({ type: 'answer', sdp: message.sdp }).catch(() => this.#gone(peer, link));
  }

  #newLink(peer, role, queue = []) {
    const pc = new RTCPeerConnection(this.#rtcConfig);
    // Negotiated: both ends make the same channel, nothing waits for an in-band announcement.
    const channel = pc.createDataChannel('webchat-files', { negotiated: true, id: 0, ordered: true });
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = SEND_LOW_BYTES;
    const link = { pc, channel, queue, role, answered: false };
    link.timer = setTimeout(() => this.#gone(peer, link), CONNECT_TIMEOUT_MS);
    this.#links.set(peer, link);
    channel.addEventListener('open', () => {
      clearTimeout(link.timer);
      for (const text of link.queue.splice(0)) channel.send(text);
      this.#on.drained(peer);
    });
    channel.addEventListener('message', (e) => {
      if (this.#links.get(peer) !== link) return;
      if (typeof e.data === 'string') this.#on.text(peer, e.data);
      else this.#on.chunk(peer, e.data);
    });
    channel.addEventListener('bufferedamountlow', () => this.#on.drained(peer));
    channel.addEventListener('close', () => this.#gone(peer, link));
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.#gone(peer, link);
    });
    return link;
  }

  #offer(peer) {
    const link = this.#newLink(peer, 'offerer');
    (async () => {
      await link.pc.setLocalDescription(await link.pc.createOffer());
      await iceGathered(link.pc, GATHER_CAP_MS);
      if (this.#links.get(peer) !== link) return;
      await this.#describe(peer, link, 'files-offer');
    })().catch(() => this.#gone(peer, link));
    return link;
  }

  async #answer(peer, sdp) {
    const existing = this.#links.get(peer);
    let queue = [];
    if (existing) {
      // Both offered at once: the lower id's offer wins. An open link being offered again means the
      // peer lost it (a reload): the old one is gone.
      const glare = existing.role === 'offerer' && existing.channel.readyState !== 'open';
      if (glare && this.#selfId < peer) return;
      if (glare) queue = existing.queue;
      this.close(peer);
      if (!glare) this.#on.closed(peer);
    }
    const link = this.#newLink(peer, 'answerer', queue);
    try {
      await link.pc.setRemoteDescription({ type: 'offer', sdp });
      await link.pc.setLocalDescription(await link.pc.createAnswer());
      await iceGathered(link.pc, GATHER_CAP_MS);
      if (this.#links.get(peer) !== link) return;
      await this.#describe(peer, link, 'files-answer');
    } catch {
      this.#gone(peer, link);
    }
  }

  async #describe(peer, link, type) {
    const { sdp } = link.pc.localDescription;
    const message = { type, sdp };
    if (this.#sign) message.sig = await this.#sign(describedBytes(this.#selfId, peer, type, sdp));
    if (this.#links.get(peer) === link) this.#relay(peer, JSON.stringify(message));
  }

  #gone(peer, link) {
    if (this.#links.get(peer) !== link) return;
    this.close(peer);
    this.#on.closed(peer);
  }
}

// What a description's signature covers: who sends it to whom, and what (docs/files.md).
function describedBytes(from, to, type, sdp) {
  return JSON.stringify(['wc2/files-sdp', from, to, type, sdp]);
}
