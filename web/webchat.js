// webchat: a peer-to-peer chat room in a few lines.
//
//   import { joinRoom } from './webchat.js';
//   const room = await joinRoom({ room: 'lobby', nick: 'alice', signal: 'http://127.0.0.1:8080/sig' });
//   room.addEventListener('message', e => console.log(e.detail.nick, e.detail.kind, e.detail.text));
//   room.send('hi');
//
// Every line, edit, delete, reaction and file is an entry of the room's history ('message' events);
// webchat.d.ts documents the API and docs/protocol.md the protocol.
//
// The room logic is C++ compiled to WebAssembly (webchat-core.js). This file is its driver and the
// module's API: it loads the logic, feeds it inputs (user calls, signaling replies, data-channel
// events, timers; effect-loop.js) and hands the effects it asks for to the files that carry them out:
// signaling requests to webchat-mailbox.js, peer connections and data channels to webchat-links.js,
// files to files/room-files.js; the rest become the Room's events. It holds no room state itself.

import { EffectLoop } from './effect-loop.js';
import { DEFAULT_MAX_FILE_BYTES, FileError as FileRefused } from './files/file-share.js';
import { RoomFiles } from './files/room-files.js';
import { WebchatError, describeError, isErrorCode } from './webchat-errors.js';
import { serverIceServers, withoutRelays } from './webchat-ice.js';
import {
  ICE_GATHER_CAP_MS, PeerLinks, TRICKLE_AFTER_MS, connectionAhead, fingerprintOf, roomCertificate, takeConnectionAhead,
} from './webchat-links.js';
import { SignalMailbox } from './webchat-mailbox.js';
import { watchNetwork as startNetworkWatch } from './network-watch.js';
import { rehearseJoin } from './webchat-rehearsal.js';
import { checkIdentity, loadIdentity as loadOwnIdentity, verify as verifySignature } from './crypto/identity.js';
import { hasWebCryptoEd25519 } from './crypto/primitives.js';
import { createPrivateRoom as newPrivateRoom, prepareRoom as deriveRoomKeys, roomProblem } from './crypto/rooms.js';
import { safetyCode as codeOf } from './crypto/safety.js';

/** A fresh private room: { secret } (128 random bits, base64url) for joinRoom and an invitation's fragment. */
export const createPrivateRoom = newPrivateRoom;
/**
 * Derives a room's keys ahead of joinRoom (options as joinRoom's room, password, secret; cached), and
 * makes the peer connection the join will use (see webchat-links.js).
 */
export function prepareRoom(options) {
  const keys = deriveRoomKeys(options);
  if (typeof RTCPeerConnection === 'undefined') return keys;
  return Promise.all([keys, connectionAhead(newPeerConnection)]).then(([prepared]) => prepared);
}
/** This browser's Ed25519 identity: { publicKey, sign(bytes) }, kept in IndexedDB. */
export const loadIdentity = loadOwnIdentity;
/** Whether sig is publicKey's Ed25519 signature of the UTF-8 text bytes (all as on the wire). */
export const verify = verifySignature;
/** The safety code of two members' public keys: six groups of five digits, the same from both sides. */
export const safetyCode = codeOf;
/** An Error with a stable `code` and a sentence a person can act on; describeError(code) is the sentence. */
export { WebchatError, describeError };
/** Why sendFile() refused a file: `code` 'file-too-large' or 'file-unreadable'. */
export const FileError = FileRefused;

const RENAME_ANSWER_MS = 10000;  // a rename the host never answered (it went away meanwhile) fails
const LINK_STATS_MS = 2000;      // how often links are measured for the member list (direct/relayed, RTT)

// What a Room uses of the browser to reach the server and its peers. Looked up on each use, so a page
// that wraps fetch or RTCPeerConnection after importing this module is still heard; the warm-up
// rehearsal hands its rooms an in-memory stand-in instead.
const newPeerConnection = (config) => new RTCPeerConnection(config);
const BROWSER_IO = {
  fetch: (url, init) => fetch(url, init),
  newPeerConnection: (config) => takeConnectionAhead(config) ?? newPeerConnection(config),
};

// One compiled core per page, even when the page inlined this module and also imports the file.
const CORE = Symbol.for('webchat.core');

// webchat-core.js is a classic script defining WebchatCore (classic scripts load from file:// too).
// A page that inlined it already has the global; otherwise load it from next to this module.
function loadCore() {
  globalThis[CORE] ??= new Promise((resolve, reject) => {
    if (globalThis.WebchatCore) return resolve(globalThis.WebchatCore());
    const script = document.createElement('script');
    script.src = new URL('webchat-core.js', import.meta.url).href;
    script.onload = () => resolve(globalThis.WebchatCore());
    script.onerror = () => reject(new Error(`could not load ${script.src}`));
    document.head.append(script);
  }).catch((error) => {
    throw wasmForbidden() ? new WebchatError('csp-wasm') : error;
  }).then(warmedUp);
  return globalThis[CORE];
}

// Whether the page's Content-Security-Policy forbids compiling WebAssembly (a script-src without
// 'wasm-unsafe-eval' or 'unsafe-eval'): then even the smallest module is refused. Asked only once
// the core failed to load, so a page allowed to compile never pays for it.
// A browser without WebAssembly at all (turned off by policy, a JIT-less mode) is not the page's CSP.
function wasmForbidden() {
  if (typeof WebAssembly !== 'object') return false;
  try {
    new WebAssembly.Module(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));  // "\0asm", version 1: empty
    return false;
  } catch (error) {
    return error instanceof WebAssembly.CompileError || error instanceof EvalError;  // what CSP throws
  }
}

// Work a first join would otherwise do on its critical path, done at load while a person types:
// browsers compile each function when first called, so a join played in memory compiles the join's
// code (this driver, the bindings, the room logic; see webchat-rehearsal.js); and a page's first
// RTCPeerConnection sets up WebRTC itself (5-10 ms here, against 1-3 ms for the next ones).
async function warmedUp(core) {
  // This browser's identity (IndexedDB) and whether WebCrypto has Ed25519: asked now, ready at the join.
  const [identity] = await Promise.all([loadIdentity(), hasWebCryptoEd25519()]).catch(() => []);
  // The rehearsal signs and verifies with it: the join's signing and verifying code runs compiled.
  await rehearseJoin(core, Room, { identity, verify: verifySignature });  // never rejects: a warm-up that fails costs only speed
  randomSeed();  // a page's first crypto.getRandomValues takes a millisecond
  if (typeof RTCPeerConnection !== 'undefined') {
    new RTCPeerConnection().close();
    try {
      roomCertificate();  // the DTLS certificate every link will use (made once per page)
    } catch { /* made, or its failure met, at the join */ }
  }
  return core;
}

// Compile the WebAssembly when the module is imported rather than when joinRoom is called: it takes
// tens of milliseconds, done while a person types a nickname, and a join then costs only the network.
// A failure here surfaces from joinRoom, which awaits the same promise.
if (typeof document !== 'undefined') loadCore().catch(() => {});

function randomSeed() {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  return words;
}

/**
 * Joins a room. Resolves with the Room once this browser is in it (as host or guest); rejects with
 * a WebchatError when it cannot get in (nickname taken, wrong password, server unreachable, ...).
 * `secret` (from createPrivateRoom()) names a private room; `room` a public one, or with `password`
 * a password room. Call prepareRoom() with the same options while the person types: a password's
 * derivation takes ~100 ms, and the join then finds it done.
 */
export async function joinRoom({
  room = 'default', nick, signal, iceServers, allowRelay = true, iceGatherCapMs = ICE_GATHER_CAP_MS, trickleAfterMs = TRICKLE_AFTER_MS,
  password, secret, identity, memberId = '', history = [], outbox = [], midCounter = 0,
  maxFileBytes = DEFAULT_MAX_FILE_BYTES, autoFetchBytes = maxFileBytes, onStatus, watchNetwork = true,
} = {}) {
  // The room logic's bound on a join with no route (docs/protocol.md, "No route") counts from here, not
  // from when the keys, identity and ICE servers below are ready.
  const startedAt = Date.now();
  if (typeof RTCPeerConnection === 'undefined') throw new WebchatError('webrtc-unsupported');
  const problem = roomProblem({ room, password, secret });
  if (problem) throw new WebchatError(problem);
  if (!signal) signal = new URL('/sig', location.href).href;
  // Without iceServers, the signaling server's (GET /config), renewed before their credentials expire.
  const permitted = (servers) => (allowRelay ? servers : withoutRelays(servers));
  const refreshIce = iceServers === undefined ? () => serverIceServers(signal).then(permitted) : null;
  // Every member signs its hello and its entries with its identity key and checks everyone else's
  // (docs/security.md); one DTLS certificate serves all of this Room's links, so its hello can bind
  // the certificate's fingerprint to its key.
  const [core, keys, self, servers, certificate] = await Promise.all([
    loadCore(), deriveRoomKeys({ room, password, secret }), identity ? checkIdentity(identity) : loadIdentity(),
    refreshIce ? refreshIce() : permitted(iceServers), roomCertificate(),
  ]);
  const [seedHigh, seedLow] = randomSeed();
  const name = secret ? 'private' : String(room);
  // A reload comes back as the same member, with what it held: memberId, history, outbox, midCounter.
  const logic = new core.Room({
    room: keys.tag, nick: String(nick ?? ''), seedHigh, seedLow, sealing: keys.sealing,
    key: self.publicKey, fingerprint: certificate ? fingerprintOf(certificate) : '', verify: true,
    selfId: String(memberId), history, outbox, midCounter: Number(midCounter) || 0, maxFileBytes,
  });
  const chat = new Room(logic, {
    room: name, nick: String(nick ?? ''), signal, iceServers: servers, refreshIce, iceGatherCapMs, trickleAfterMs, keys, identity: self,
    startedAt, watchNetwork: Boolean(watchNetwork),
    verify: verifySignature, certificate, files: { core, maxFileBytes, autoFetchBytes }, onStatus,
  });
  return chat.joined;
}

export class Room extends EventTarget {
  #logic;
  #options;
  #loop;                   // feeds the logic and carries out its effects (effect-loop.js)
  #startWatching = null;   // starts the watch on this browser's own network (network-watch.js), in a room
  #watch = null;           // the watch under way: { stop(), check(onUnchanged) }
  #mailbox;                // the signaling requests (webchat-mailbox.js)
  #links;                  // the peer links (webchat-links.js)
  #status = { state: 'joining' };
  #members = [];
  #onPageHide;
  /** Signaling texts that did not open under this room's key (altered on the way, or a wrong password). */
  unreadableTexts = 0;
  #renaming = null;        // { nick, resolve, reject, timer }: a rename the host has not answered yet
  #files = null;           // RoomFiles (files/room-files.js), when joinRoom made this Room
  #linkInfo = new Map();   // member id → { type: 'direct'|'relayed', rtt } of our link with it
  #statsTimer = null;

  constructor(logic, options, io = BROWSER_IO) {
    super();
    this.#logic = logic;
    this.#options = options;
    this.#loop = new EffectLoop(logic, (effect) => this.#apply(effect));
    this.#mailbox = new SignalMailbox({
      signal: options.signal, keys: options.keys, fetch: io.fetch,
      on: {
        // A looking member's probe most likely finds an offer to answer (else it hosts, and offers with
        // it): making a peer connection takes 1-9 ms of main thread, done while the probe is out. Not
        // for a get while connecting (the retry ID: docs/protocol.md), which seldom leads to an answer.
        asking: () => {
          const looking = this.#status.state === 'joining' || this.#status.state === 'reconnecting';
          if (looking && this.#status.stage !== 'connecting') this.#links.prepare();
        },
        done: (request, status, body) => this.#input(() => logic.signalDone(request, status, body, Date.now())),
        unreadable: (request) => {
          this.unreadableTexts++;
          this.#input(() => logic.signalUnreadable(request, Date.now()));
        },
      },
    });
    const { iceServers, certificate, refreshIce, iceGatherCapMs, trickleAfterMs } = options;
    this.#links = new PeerLinks({
      newPeerConnection: io.newPeerConnection, iceServers, certificate, refreshIce, iceGatherCapMs, trickleAfterMs,
      on: {
        described: (link, sdp, trickled) => this.#input(() => logic.linkDescribed(link, sdp, Date.now(), trickled)),
        candidates: (link, candidates) => this.#input(() => logic.linkCandidates(link, candidates, Date.now())),
        open: (link) => this.#input(() => logic.linkOpen(link, Date.now())),
        message: (link, text) => this.#input(() => logic.linkMessage(link, text, Date.now())),
        closed: (link, why) => this.#input(() => logic.linkClosed(link, Date.now(), why)),
      },
    });
    this.room = options.room;
    this.nick = options.nick;
    this.sealing = options.keys?.sealing ?? 'none';
    this.tag = options.keys?.tag ?? options.room;  // the room as its members' signatures and pins know it
    this.identity = options.identity ?? null;
    this.selfId = logic.selfId();
    this.joined = new Promise((resolve, reject) => {
      const onStatus = ({ detail }) => {
        if (detail.state === 'host' || detail.state === 'guest') {
          this.removeEventListener('status', onStatus);
          resolve(this);
        } else if (detail.error || detail.state === 'closed') {
          this.removeEventListener('status', onStatus);
          if (detail.state !== 'closed') this.leave();
          reject(new WebchatError(detail.error || 'left'));
        } else {
          options.onStatus?.(detail);  // a join under way: its stage, for the caller to show
        }
      };
      this.addEventListener('status', onStatus);
    });
    // A tab closed, reloaded or navigated away says goodbye, so the others see it leave at once rather
    // than when its connection times out; as one likely back soon (a reload), kept listed that long.
    this.#onPageHide = () => this.leave({ back: true });
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    if (options.files) {
      const { core, maxFileBytes, autoFetchBytes } = options.files;
      this.#files = new RoomFiles(this, core, { maxFileBytes, autoFetchBytes, rtcConfig: { iceServers: options.iceServers }, identity: this.identity });
    }
    if (options.watchNetwork) {
      this.#startWatching = () => startNetworkWatch({
        iceServers: () => options.iceServers,
        newPeerConnection: (config) => io.newPeerConnection(config),
        onChange: () => this.#input(() => logic.networkChanged(Date.now())),
      });
    }
    this.#input(() => this.#logic.join(options.startedAt ?? Date.now()));
  }

  /** { state: 'joining'|'host'|'guest'|'reconnecting'|'closed', stage?: 'looking'|'connecting', error?: code, message?: words } */
  get status() { return { ...this.#status }; }
  /** [{ id, nick, host, key, self, link }] in join order; link: { type: 'direct'|'relayed', rtt } or null. */
  get members() { return this.#members.map((m) => ({ ...m, link: this.#linkInfo.get(m.id) ?? null })); }
  /** Entries, oldest first (the room keeps the last 1000): what a reload passes back as `history`. */
  get history() { return this.#logic.history(); }
  /** Own entries not yet sequenced, oldest first, and the counter of own ids: for `outbox`, `midCounter`. */
  get outbox() { return this.#logic.outbox(); }
  get midCounter() { return this.#logic.midCounter(); }

  /** Sends a chat line, answering `replyTo` (a mid) if given; throws a RangeError when it is refused. */
  send(text, { replyTo = '' } = {}) {
    this.#files?.chatting();  // an entry leaves: this page's transfers make way (files/chat-first.js)
    this.#chat(() => this.#logic.send(String(text), String(replyTo ?? ''), Date.now()));
  }

  /** Replaces the text of an own line. */
  edit(mid, text) {
    this.#files?.chatting();
    this.#chat(() => this.#logic.edit(String(mid), String(text), Date.now()));
  }

  /** Deletes an own line. */
  delete(mid) {
    this.#files?.chatting();
    this.#chat(() => this.#logic.remove(String(mid), Date.now()));
  }

  /** Adds (on) or takes back (!on) a reaction, one emoji, to a line or file. */
  react(mid, emoji, on = true) {
    this.#files?.chatting();
    this.#chat(() => this.#logic.react(String(mid), String(emoji), Boolean(on), Date.now()));
  }

  /** Tells the room this member is typing; call on each keystroke (it is sent at most every 2 s). */
  typing() {
    this.#files?.chatting();  // a line is coming: this page's transfers make way (files/chat-first.js)
    this.#chat(() => this.#logic.typing(Date.now()));
  }

  /** Sends `data` (a string of at most 60,000 bytes) to member `to`; it arrives as a 'relay' event there. */
  relay(to, data) {
    this.#chat(() => this.#logic.relay(String(to), String(data), Date.now()));
  }

  /**
   * Shares a File or Blob: reads it once to hash it, then a file entry announces it (`caption` its
   * text); each member pulls the bytes over a direct link (docs/files.md). Rejects with a FileError
   * (`file-too-large` above maxFileBytes, `file-unreadable`) or a RangeError (refused entry).
   */
  async sendFile(file, { caption = '' } = {}) {
    const info = await this.#filesOrThrow().prepare(file);
    this.#chat(() => this.#logic.shareFile(info, String(caption), Date.now()));
  }

  /** Pulls the file of a file entry (by its hash) from a member holding it; 'file' says when it is here. */
  fetchFile(hash) { this.#filesOrThrow().fetch(String(hash)); }
  /** Stops pulling a file; for one's own file, stops sharing it (members pulling it see it cancelled). */
  cancelFile(hash) { this.#filesOrThrow().cancel(String(hash)); }
  /** The Blob of a file held here (shared or received, hash checked), or null. */
  fileBlob(hash) { return this.#files?.blob(String(hash)) ?? null; }
  /** { state: 'held'|'downloading'|'incomplete'|'cancelled'|'failed'|'none', bytes, size, reason? } */
  fileState(hash) { return this.#files?.state(String(hash)) ?? { state: 'none', bytes: 0, size: 0 }; }

  #filesOrThrow() {
    if (!this.#files) throw new RangeError('this room has no file sharing');
    return this.#files;
  }

  /**
   * Changes this member's nickname. Resolves once the room shows it; rejects with a WebchatError
   * (nick-taken, nick-invalid, no-answer) or a RangeError.
   */
  rename(nick) {
    nick = String(nick);
    if (this.#renaming) return Promise.reject(new RangeError('a rename is already under way'));
    this.#files?.chatting();  // the room hears of it: this page's transfers make way (files/chat-first.js)
    let problem = '';
    this.#input(() => { problem = this.#logic.rename(nick, Date.now()); });
    if (problem) return Promise.reject(isErrorCode(problem) ? new WebchatError(problem) : new RangeError(problem));
    if (this.nick === nick) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#renamed(new WebchatError('no-answer')), RENAME_ANSWER_MS);
      this.#renaming = { nick, resolve, reject, timer };
    });
  }

  #renamed(error) {
    const renaming = this.#renaming;
    if (!renaming) return;
    this.#renaming = null;
    clearTimeout(renaming.timer);
    if (error) renaming.reject(error);
    else renaming.resolve();
  }

  // A chat input: refusals become RangeErrors (empty, too long, not your line, not in the room...).
  #chat(call) {
    let problem = '';
    this.#input(() => { problem = call(); });
    if (problem) throw new RangeError(problem);
  }

  /** Leaves the room. `back`: a reload; the host keeps this member listed for a few seconds. */
  leave({ back = false } = {}) {
    this.#input(() => this.#logic.leave(Date.now(), Boolean(back)));
  }

  /** As host: ends the room for everyone (their status becomes closed with "room-closed"). As guest: leave(). */
  close() {
    this.#input(() => this.#logic.closeRoom(Date.now()));
  }

  // Every input goes through here: feed the logic, then carry out whatever it asks for.
  #input(feed) {
    this.#loop.input(feed);
  }

  #apply(effect) {
    switch (effect.type) {
      case 'signal-get': return this.#mailbox.get(effect.request, effect.id, effect.timeout);
      case 'signal-set': return this.#mailbox.set(effect.request, effect.id, effect.timeout, effect.text);
      case 'signal-cancel': return this.#mailbox.cancel(effect.request);
      case 'open-link': return this.#links.open(effect.link, effect.remoteOffer);
      case 'accept-answer': return this.#links.acceptAnswer(effect.link, effect.sdp);
      case 'add-candidates': return this.#links.addCandidates(effect.link, effect.candidates);
      case 'send': return this.#links.send(effect.link, effect.text);
      case 'close-link': return this.#links.close(effect.link);
      case 'sign': return this.#sign(effect.ticket, effect.bytes);
      case 'verify': return this.#verify(effect.ticket, effect.parts);
      case 'check-network': return this.#checkNetwork();
      case 'status': return this.#onStatus(effect);
      case 'message': return this.dispatchEvent(new CustomEvent('message', { detail: effect.message }));
      case 'typing': return this.dispatchEvent(new CustomEvent('typing', { detail: { from: effect.from, nick: effect.nick } }));
      // An entry claiming another author (or failing its signature): never shown as theirs.
      case 'warning': return this.dispatchEvent(new CustomEvent('warning', { detail: { kind: effect.kind, from: effect.from, nick: effect.nick } }));
      case 'denied': return this.#onDenied(effect);
      // Over the host's rate limit: still queued, sent again shortly.
      case 'throttled': return this.dispatchEvent(new CustomEvent('throttled', { detail: { mid: effect.mid } }));
      case 'relayed': return this.dispatchEvent(new CustomEvent('relay', { detail: { from: effect.from, data: effect.data } }));
      // Rejoining after a failover or merge, our history diverged from the host's: it is replaced,
      // and its lines follow as 'message' events.
      case 'history-cleared': return this.dispatchEvent(new CustomEvent('historyreset'));
      case 'members': return this.#onMembers(effect.members);
      case 'notice': {
        const detail = { kind: effect.kind, nick: effect.nick };
        if (effect.previous) detail.previous = effect.previous;
        return this.dispatchEvent(new CustomEvent('notice', { detail }));
      }
    }
  }

  // --- Signatures ---------------------------------------------------------------------------
  // Signs for the logic with this member's identity key (its hello, its entries).
  async #sign(ticket, bytes) {
    let sig = '';
    try {
      sig = await this.#options.identity.sign(bytes);
    } catch {
      return;  // the entry stays unsent in the outbox; the page shows it pending
    }
    this.#input(() => this.#logic.signed(ticket, sig, Date.now()));
  }

  // Checks signatures for the logic (others' hellos and entries); what waits for the verdicts is held
  // by the logic meanwhile. A verifier that throws counts as a signature that fails.
  async #verify(ticket, parts) {
    const { verify } = this.#options;
    const verdicts = await Promise.all(parts.map(({ key, bytes, sig }) =>
      Promise.resolve(verify ? verify(key, bytes, sig) : false).then((ok) => ok === true, () => false)));
    this.#input(() => this.#logic.verified(ticket, verdicts, Date.now()));
  }

  // Its host fell silent, and the logic would take the room over: first a look at this browser's own
  // addresses (network-watch.js). A change is its own answer (networkChanged); without a watch, or when
  // the looks find none, the logic hears that nothing changed.
  #checkNetwork() {
    const unchanged = () => this.#input(() => this.#logic.networkChecked(Date.now()));
    if (this.#watch) this.#watch.check(unchanged);
    else queueMicrotask(unchanged);
  }

  // --- Events for the page --------------------------------------------------------------------
  #onStatus({ state, error, stage, historyEnd }) {
    this.#status = error ? { state, error, message: describeError(error) } : { state };
    if (stage) this.#status.stage = stage;
    if (state === 'host' || state === 'guest') this.#status.historyEnd = historyEnd;
    if ((state === 'host' || state === 'guest') && !this.#statsTimer) {
      this.#statsTimer = setTimeout(() => this.#measureLinks(), LINK_STATS_MS / 2);
    }
    // In a room, this browser's own network is watched: a new address of its own is told to the logic.
    if ((state === 'host' || state === 'guest') && this.#startWatching && !this.#watch) {
      this.#watch = this.#startWatching();
    }
    if (state === 'closed') {
      this.#renamed(new WebchatError(error || 'left'));
      this.#loop.stop();
      clearTimeout(this.#statsTimer);
      this.#watch?.stop();
      this.#links.discardPrepared();
      globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    }
    this.dispatchEvent(new CustomEvent('status', { detail: this.status }));
  }

  #onMembers(members) {
    this.#members = members.map((m) => ({ ...m, self: m.id === this.selfId }));
    this.nick = this.#logic.nick();
    if (this.#renaming?.nick === this.nick) this.#renamed();
    this.dispatchEvent(new CustomEvent('members', { detail: this.members }));
  }

  // The host refused a rename, or an entry of ours (it left the outbox: it will never be sequenced).
  #onDenied({ what, reason, mid }) {
    if (what === 'rename') this.#renamed(new WebchatError(reason));
    this.dispatchEvent(new CustomEvent('denied', { detail: { what, reason, mid, message: describeError(reason) } }));
  }

  // What each link we hold with a member is (direct or relayed) and its round-trip time, from the
  // browser's stats, for the member list: a driver fact the room logic has no use for.
  async #measureLinks() {
    const measured = new Map();
    for (const member of this.#members) {
      const facts = await this.#links.facts(this.#logic.linkTo(member.id));
      if (facts) measured.set(member.id, facts);
    }
    if (this.#status.state === 'closed') return;
    this.#statsTimer = setTimeout(() => this.#measureLinks(), LINK_STATS_MS);
    if (JSON.stringify([...measured]) === JSON.stringify([...this.#linkInfo])) return;
    this.#linkInfo = measured;
    this.dispatchEvent(new CustomEvent('members', { detail: this.members }));
  }
}
