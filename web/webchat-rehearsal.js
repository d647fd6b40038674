// The warm-up webchat.js runs when it is imported: a whole join (probe, offer, answer, welcome, a line
// each way) played between two rooms in this page, through the real
// driver, bindings and WebAssembly, over an in-memory mailbox and in-memory peer connections.
//
// Why: V8 compiles each JavaScript and WebAssembly function when it is first called. A person's first
// join would otherwise compile the driver, embind's invokers, the bindings and the room logic on its
// critical path; played here, while the person types a nickname, the real join runs compiled code.

const DEADLINE_MS = 1000;  // a join played in memory takes milliseconds; bounds a protocol change gone wrong
const CANDIDATE = 'candidate:2437072876 1 udp 2113937151 3a0c5f6e-8f7d-4b8e-9d21-6c1e2b7a9f40.local 49152 typ host generation 0 network-cost 999';

// Both ends' DTLS fingerprint, which their signed hellos name.
const FINGERPRINT = `sha-256 ${Array.from({ length: 32 }, (_, i) => (i * 37 % 256).toString(16).padStart(2, '0').toUpperCase()).join(':')}`;

// Descriptions as long as a browser's (see LINE for why length matters).
const describe = (type) => [
  'v=0', `o=- 4611731400430051336 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed',
  'a=msid-semantic: WMS', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', `a=${CANDIDATE}`,
  'a=ice-ufrag:R3hx', 'a=ice-pwd:kP2vG8cWq3J9yTn4Lm6sDf1Z', 'a=ice-options:trickle',
  `a=fingerprint:${FINGERPRINT}`,
  `a=setup:${type === 'offer' ? 'actpass' : 'active'}`, 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
].join('\r\n');

// Lines as long as the room allows (4000 characters): V8 moves a WebAssembly function to its
// optimizing compiler once it has run long enough, and the JSON lexer is the one a join runs longest,
// on every character of every text. The descriptions and these lines get it there during the warm-up,
// with a margin: stopping just short of it, the rehearsal left the real join to tip it over, and the
// lexer's recompilation (20-50 ms of a core) competed with the join.
const LINE = 'rehearsal '.repeat(400).trim();

/**
 * Plays a join between two rooms of the driver class `Room` (webchat.js) over `core`'s room logic,
 * named "rehearsal", reaching no server and no peer. Resolves with true once host and guest each
 * received the other's line; with false if that did not happen within `deadlineMs` (or anything
 * threw). Both rooms are left either way. Never rejects.
 * With `identity` ({ publicKey, sign }) and `verify` (webchat.js's), both rooms sign their hellos and
 * lines with it and verify each other's, as real rooms do: the page's Ed25519 key and WebCrypto are
 * used once before the join (the bytes signed name the room "rehearsal" and never leave the page).
 */
export async function rehearseJoin(core, Room, { deadlineMs = DEADLINE_MS, identity = null, verify = null } = {}) {
  const tasks = new TaskQueue();
  const mailbox = new Mailbox();
  const network = new Network(tasks);
  const io = { fetch: (url, init) => mailbox.fetch(url, init), newPeerConnection: () => network.newPeerConnection() };
  const rooms = [];
  let finished = false;
  const openRoom = (nick) => {
    if (finished) throw new Error('rehearsal: over');  // a play that outlived its deadline stops here
    const keys = identity && verify ? { key: identity.publicKey, fingerprint: FINGERPRINT, verify: true } : {};
    const room = new Room(new core.Room({ room: 'rehearsal', nick, seedHigh: 0, seedLow: rooms.length + 1, ...keys }), {
      room: 'rehearsal', nick, signal: 'rehearsal:/sig', iceServers: [], identity, verify,
      // Gathering in memory ends within a task, so these caps never bite: the answer leaves whole,
      // with its candidates, as a real one does when gathering is quick.
      iceGatherCapMs: deadlineMs, trickleAfterMs: deadlineMs,
    }, io);
    rooms.push(room);
    return room;
  };
  let deadline;
  const timedOut = new Promise((resolve) => { deadline = setTimeout(() => resolve(false), deadlineMs); });
  const play = async () => {
    const host = openRoom('host');
    // The host's probe (a long-poll) is parked once the driver has its mailbox id (a microtask): answer
    // it as the server does when its wait is over, and the host hosts and parks an offer. The guest's
    // probe takes that offer.
    await new Promise((next) => tasks.run(next));
    mailbox.timeOutGets();
    await host.joined;
    const guest = openRoom('guest');
    await guest.joined;
    const heard = [host, guest].map((room) => bothLines(room));
    host.send(LINE);
    guest.send(LINE);
    await Promise.all(heard);
    return true;
  };
  try {
    return await Promise.race([play(), timedOut]);
  } catch {
    return false;
  } finally {
    finished = true;
    clearTimeout(deadline);
    for (const room of rooms) {
      try { room.leave(); } catch { /* a warm-up that failed must not fail the module */ }
    }
    tasks.close();
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

// Runs callbacks as separate tasks, as a browser delivers network and WebRTC events. Not setTimeout:
// browsers throttle timers in a background tab to one a second, and a page opened in one would rehearse
// for seconds. Callbacks queued after close() are dropped (events of rooms already left).
class TaskQueue {
  #channel = new MessageChannel();
  #queue = [];

  constructor() {
    this.#channel.port1.onmessage = () => this.#queue.shift()?.();
  }

  run(callback) {
    this.#queue.push(callback);
    this.#channel.port2.postMessage(null);
  }

  close() {
    this.#queue.length = 0;
    this.#channel.port1.close();
  }
}

// The signaling server's rules (docs/server.md), in memory: a get takes the oldest text set on its ID
// and a set waits for a get; a get with timeoutms=0 and nothing to take is answered 204 at once;
// aborting a request withdraws it. Other gets wait until timeOutGets() answers them 204.
class Mailbox {
  #parked = new Map();  // id → [{ isSet, text, reply, withdraw }], oldest first

  fetch(url, { body, signal }) {
    const query = new URL(url).searchParams;
    const isSet = query.has('set');
    const id = query.get(isSet ? 'set' : 'get');
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new DOMException('aborted', 'AbortError'));
      const reply = (status, text) => resolve({ status, text: async () => text });
      const queue = this.#parked.get(id) ?? [];
      const waiting = queue[0];
      if (waiting && waiting.isSet !== isSet) {
        queue.shift();
        waiting.withdraw();
        const [setter, getter] = isSet ? [{ text: body, reply }, waiting] : [waiting, { reply }];
        getter.reply(200, setter.text);
        setter.reply(200, 'ok');
        return;
      }
      if (!isSet && query.get('timeoutms') === '0') return reply(204, '');
      const onAbort = () => {
        queue.splice(queue.indexOf(request), 1);
        reject(new DOMException('aborted', 'AbortError'));
      };
      const request = { isSet, text: body, reply, withdraw: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(request);
      this.#parked.set(id, queue);
    });
  }

  timeOutGets() {
    for (const queue of this.#parked.values()) {
      for (const request of queue.filter((r) => !r.isSet)) {
        queue.splice(queue.indexOf(request), 1);
        request.withdraw();
        request.reply(204, '');
      }
    }
  }
}

// Peer connections that connect in memory: an answer applied to an offerer connects it to the last
// connection that was given an offer (the one that made that answer: a rehearsal has one joiner), and
// a channel's sends arrive on the other side's channel. Events arrive as tasks, as in a browser.
class Network {
  lastOffered = null;

  constructor(tasks) {
    this.tasks = tasks;
  }

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
    this.#channel = new FakeChannel(this.#network.tasks);
    return this.#channel;
  }

  async createOffer() { return { type: 'offer', sdp: describe('offer') }; }
  async createAnswer() { return { type: 'answer', sdp: describe('answer') }; }

  // Gathering finds one candidate and ends a task after the description is set.
  async setLocalDescription(description) {
    this.localDescription = description;
    this.iceGatheringState = 'gathering';
    this.#network.tasks.run(() => {
      this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate: CANDIDATE } }));
      this.iceGatheringState = 'complete';
      this.dispatchEvent(new Event('icegatheringstatechange'));
    });
  }

  async setRemoteDescription({ type }) {
    if (type === 'offer') {
      this.#network.lastOffered = this;
      return;
    }
    const answerer = this.#network.lastOffered;
    if (!answerer) throw new Error('rehearsal: an answer, but nobody was given an offer');
    const theirs = new FakeChannel(this.#network.tasks);
    FakeChannel.pair(this.#channel, theirs);
    answerer.#channel = theirs;
    this.#network.tasks.run(() => {
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
  #tasks;
  #peer = null;

  constructor(tasks) {
    super();
    this.#tasks = tasks;
  }

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
    this.#tasks.run(() => peer.readyState === 'open' && peer.dispatchEvent(new MessageEvent('message', { data })));
  }

  // Closing one side closes the other, which hears of it in a later task, as across a network.
  close() {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    const peer = this.#peer;
    if (peer) this.#tasks.run(() => peer.#closedByPeer());
  }

  #closedByPeer() {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}
