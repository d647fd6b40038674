// The warm-up webchat.js runs when it is imported: a whole join (probe, offer, answer, trickled
// candidates, welcome, a line each way) played between two rooms in this page, through the real
// driver, bindings and WebAssembly, over an in-memory mailbox and in-memory peer connections.
//
// Why: V8 compiles each JavaScript and WebAssembly function when it is first called. A person's first
// join would otherwise compile the driver, embind's invokers, the bindings and the room logic on its
// critical path; played here, while the person types a nickname, the real join runs compiled code.

const DEADLINE_MS = 1000;  // a join played in memory takes milliseconds; bounds a protocol change gone wrong
const CANDIDATE = 'candidate:2437072876 1 udp 2113937151 3a0c5f6e-8f7d-4b8e-9d21-6c1e2b7a9f40.local 49152 typ host generation 0 network-cost 999';

// Descriptions as long as a browser's: V8 moves a WebAssembly function to its optimizing compiler once
// it has run long enough, and the JSON lexer does so on the characters of descriptions. With short
// stand-ins the real join's texts tipped it over, and the lexer's recompilation (20-30 ms of a core)
// competed with the join.
const describe = (type) => [
  'v=0', `o=- 4611731400430051336 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed',
  'a=msid-semantic: WMS', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', `a=${CANDIDATE}`,
  'a=ice-ufrag:R3hx', 'a=ice-pwd:kP2vG8cWq3J9yTn4Lm6sDf1Z', 'a=ice-options:trickle',
  `a=fingerprint:sha-256 ${Array.from({ length: 32 }, (_, i) => (i * 37 % 256).toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
  `a=setup:${type === 'offer' ? 'actpass' : 'active'}`, 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
].join('\r\n');

/**
 * Plays a join between two rooms of the driver class `Room` (webchat.js) over `core`'s room logic,
 * named "rehearsal", reaching no server and no peer. Resolves with true once host and guest each
 * received the other's line; with false if that did not happen within DEADLINE_MS. Both rooms are left
 * either way.
 */
export async function rehearseJoin(core, Room) {
  const mailbox = new Mailbox();
  const network = new Network();
  const io = { fetch: (url, init) => mailbox.fetch(url, init), newPeerConnection: () => network.newPeerConnection() };
  let seed = 0;
  const openRoom = (nick) => new Room(new core.Room('rehearsal', nick, 0, ++seed), {
    room: 'rehearsal', nick, signal: 'rehearsal:/sig', iceServers: [], iceGatherCapMs: DEADLINE_MS,
    trickleAfterMs: 0,  // the answer leaves at once and its candidates follow: both paths get compiled
  }, io);
  const rooms = [];
  let deadline;
  const timedOut = new Promise((resolve) => { deadline = setTimeout(() => resolve(false), DEADLINE_MS); });
  const play = async () => {
    const host = openRoom('host');
    rooms.push(host);
    mailbox.timeOutGets();  // the host's probe finds nobody: it hosts and parks an offer
    await host.joined;
    await mailbox.offerParked;
    const guest = openRoom('guest');
    rooms.push(guest);
    await guest.joined;
    const heard = [host, guest].map((room) => bothLines(room));
    host.send('rehearsal: host line');
    guest.send('rehearsal: guest line');
    await Promise.all(heard);
    return true;
  };
  try {
    return await Promise.race([play(), timedOut]);
  } catch {
    return false;
  } finally {
    clearTimeout(deadline);
    for (const room of rooms) room.leave();
  }
}

// Resolves once the room's history holds two lines: its own and the other room's.
function bothLines(room) {
  return new Promise((resolve) => {
    const check = () => {
      if (room.history.length < 2) return;
      room.removeEventListener('message', check);
      resolve();
    };
    room.addEventListener('message', check);
  });
}

// The signaling server's rules, in memory: a get takes the oldest text set on its ID, a set waits for
// a get; aborting a request withdraws it. Gets wait until timeOutGets() answers them 204.
class Mailbox {
  #parked = new Map();  // id → [{ isSet, text, reply }]
  #onOfferParked;
  offerParked = new Promise((resolve) => { this.#onOfferParked = resolve; });

  fetch(url, { body, signal }) {
    const query = new URL(url).searchParams;
    const isSet = query.has('set');
    const id = query.get(isSet ? 'set' : 'get');
    return new Promise((resolve, reject) => {
      const reply = (status, text) => resolve({ status, text: async () => text });
      const queue = this.#parked.get(id) ?? [];
      const waiting = queue[0];
      if (waiting && waiting.isSet !== isSet) {
        queue.shift();
        const setText = isSet ? body : waiting.text;
        (isSet ? waiting.reply : reply)(200, setText);
        (isSet ? reply : waiting.reply)(200, 'ok');
        return;
      }
      const request = { isSet, text: body, reply };
      queue.push(request);
      this.#parked.set(id, queue);
      if (isSet && id.endsWith('.offer')) this.#onOfferParked();
      signal?.addEventListener('abort', () => {
        const index = queue.indexOf(request);
        if (index >= 0) queue.splice(index, 1);
        reject(new DOMException('aborted', 'AbortError'));
      }, { once: true });
    });
  }

  timeOutGets() {
    for (const queue of this.#parked.values()) {
      for (const request of queue.filter((r) => !r.isSet)) {
        queue.splice(queue.indexOf(request), 1);
        request.reply(204, '');
      }
    }
  }
}

// Peer connections that connect in memory: an answer applied to an offerer connects it to the last
// connection that made an answer, and a channel's sends arrive on the other side's channel.
class Network {
  lastAnswerer = null;

  newPeerConnection() {
    return new FakePeerConnection(this);
  }
}

class FakePeerConnection extends EventTarget {
  iceGatheringState = 'new';
  connectionState = 'new';
  localDescription = null;
  #network;
  #channel = null;

  constructor(network) {
    super();
    this.#network = network;
  }

  createDataChannel() {
    this.#channel = new FakeChannel();
    return this.#channel;
  }

  async createOffer() { return { type: 'offer', sdp: describe('offer') }; }
  async createAnswer() { return { type: 'answer', sdp: describe('answer') }; }

  // Gathering finds one candidate and ends a moment after the description is set, as in a browser.
  async setLocalDescription(description) {
    this.localDescription = description;
    this.iceGatheringState = 'gathering';
    setTimeout(() => {
      this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate: CANDIDATE } }));
      this.iceGatheringState = 'complete';
      this.dispatchEvent(new Event('icegatheringstatechange'));
    });
  }

  async setRemoteDescription({ type }) {
    if (type === 'offer') {
      this.#network.lastAnswerer = this;
      return;
    }
    const answerer = this.#network.lastAnswerer;
    if (!answerer) throw new Error('rehearsal: an answer with nobody who answered');
    const theirs = new FakeChannel();
    FakeChannel.pair(this.#channel, theirs);
    answerer.#channel = theirs;
    setTimeout(() => {
      answerer.dispatchEvent(Object.assign(new Event('datachannel'), { channel: theirs }));
      this.#channel.opened();
      theirs.opened();
    });
  }

  async addIceCandidate() {}

  close() {
    this.connectionState = 'closed';
    this.#channel?.close();
  }
}

class FakeChannel extends EventTarget {
  readyState = 'connecting';
  bufferedAmount = 0;
  #peer = null;

  static pair(one, other) {
    one.#peer = other;
    other.#peer = one;
  }

  opened() {
    if (this.readyState !== 'connecting') return;
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  send(data) {
    const peer = this.#peer;
    queueMicrotask(() => peer.readyState === 'open' && peer.dispatchEvent(new MessageEvent('message', { data })));
  }

  // Closing one side closes the other, which hears of it in a later task, as across a network.
  close() {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    const peer = this.#peer;
    if (peer) setTimeout(() => peer.#closedByPeer());
  }

  #closedByPeer() {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}
