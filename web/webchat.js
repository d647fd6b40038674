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
// The room logic is C++ compiled to WebAssembly (webchat-core.js). This file is its driver: it feeds
// the logic inputs (user calls, signaling replies, data-channel events, timers) and carries out the
// effects it asks for with fetch, RTCPeerConnection and RTCDataChannel. It holds no room state itself.

import { DEFAULT_MAX_FILE_BYTES, FileError as FileRefused } from './files/file-share.js';
import { RoomFiles } from './files/room-files.js';
import { iceGathered } from './ice-gathered.js';
import { rehearseJoin } from './webchat-rehearsal.js';
import { linkFacts, serverIceServers, withoutRelays } from './webchat-ice.js';
import { checkIdentity, loadIdentity as loadOwnIdentity, verify as verifySignature } from './crypto/identity.js';
import { hasWebCryptoEd25519 } from './crypto/primitives.js';
import { createPrivateRoom as newPrivateRoom, prepareRoom as deriveRoomKeys, roomProblem } from './crypto/rooms.js';
import { safetyCode as codeOf } from './crypto/safety.js';

/** A fresh private room: { secret } (128 random bits, base64url) for joinRoom and an invitation's fragment. */
export const createPrivateRoom = newPrivateRoom;
/** Derives a room's keys ahead of joinRoom (options as joinRoom's room, password, secret); cached. */
export const prepareRoom = deriveRoomKeys;
/** This browser's Ed25519 identity: { publicKey, sign(bytes) }, kept in IndexedDB. */
export const loadIdentity = loadOwnIdentity;
/** Whether sig is publicKey's Ed25519 signature of the UTF-8 text bytes (all as on the wire). */
export const verify = verifySignature;
/** The safety code of two members' public keys: six groups of five digits, the same from both sides. */
export const safetyCode = codeOf;

const ICE_GATHER_CAP_MS = 2000;  // an unreachable STUN server must not stall a join
// How long a joiner's answer waits for ICE gathering before it leaves with the candidates found so far,
// the rest trickling after it. Host candidates take milliseconds and a reachable STUN server a round
// trip; gathering that ends in time sends the answer whole, which spares two requests competing with
// the connection (measured: on 2 cores, trickling even fast gathering made joins slower).
const TRICKLE_AFTER_MS = 100;
const CLOSE_FLUSH_CAP_MS = 1000; // how long a closing link may take to send what is queued
const RENAME_ANSWER_MS = 10000;  // a rename the host never answered (it went away meanwhile) fails
const LINK_STATS_MS = 2000;      // how often links are measured for the member list (direct/relayed, RTT)

// What a Room uses of the browser to reach the server and its peers. Looked up on each use, so a page
// that wraps fetch or RTCPeerConnection after importing this module is still heard; the warm-up
// rehearsal hands its rooms an in-memory stand-in instead.
const BROWSER_IO = {
  fetch: (url, init) => fetch(url, init),
  newPeerConnection: (config) => new RTCPeerConnection(config),
};

const ERROR_TEXT = {
  'nick-taken': 'That nickname is already taken in this room. Pick another one.',
  'nick-invalid': 'Nicknames are 1 to 32 characters, with no control characters and no space at either end.',
  'room-invalid': 'Room names are 1 to 64 letters, digits, dots, dashes, underscores or tildes.',
  'secret-invalid': 'This private room\'s link is incomplete or damaged. Ask for the invitation again.',
  'password-invalid': 'Passwords are at most 1024 characters (and a private room\'s link needs none).',
  'wrong-password': 'Wrong password, or no such room.',
  'signal-tampered': 'The invitation\'s messages were altered on the way (by the signaling server or the network), so the join stopped. Try again; if it repeats, do not trust this server.',
  'room-full': 'This room is full. Try again later or pick another room.',
  'id-taken': 'Another member already uses this member id. Rejoin to get a new one.',
  'server-unreachable': 'The signaling server cannot be reached. Check its address in the settings, or that it is running.',
  'server-error': 'The signaling server had an internal error. Try again in a moment.',
  'server-rejected': 'The signaling server refused the request. Check its address in the settings.',
  'host-left': 'The host left, so the room has closed.',
  'room-closed': 'The host closed the room for everyone.',
  'webrtc-unsupported': 'This browser cannot open WebRTC data channels. Use a current Firefox or Chromium.',
  'left': 'Left the room before getting in.',
  'no-route': 'Cannot reach the host directly: this network needs a TURN server (see the ICE settings).',
  'link-tampered': 'The connection to the room was tampered with (someone may be in the middle). Try again on another network.',
  'no-answer': 'The host did not answer in time. Try again.',
  'not-author': 'Only the author of a line can edit or delete it.',
  'entry-invalid': 'The host refused this as invalid.',
  'clock-skew': 'This computer\'s clock is too far off for the room. Set it right and try again.',
};

/** An Error with a stable `code` (one of the keys above) and a sentence a person can act on. */
export class WebchatError extends Error {
  constructor(code, detail) {
    super(ERROR_TEXT[code] ?? code);
    this.name = 'WebchatError';
    this.code = code;
    if (detail) this.detail = detail;
  }
}

/** Why sendFile() refused a file: `code` 'file-too-large' or 'file-unreadable'. */
export const FileError = FileRefused;

export function describeError(code) {
  return ERROR_TEXT[code] ?? code;
}

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
  }).then(warmedUp);
  return globalThis[CORE];
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

// One certificate per page, made ahead (generating one takes milliseconds): every link of a Room uses
// it, so the Room's fingerprint is fixed and its hello can name it.
let certificate = null;
function roomCertificate() {
  certificate ??= RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' }).catch(() => null);
  return certificate;
}

// "sha-256 AB:CD:..." as SDP's a=fingerprint names it.
function fingerprintOf(cert) {
  const fp = cert.getFingerprints?.()[0];
  return fp ? `${fp.algorithm} ${fp.value.toUpperCase()}` : '';
}

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
  maxFileBytes = DEFAULT_MAX_FILE_BYTES, autoFetchBytes = maxFileBytes, onStatus,
} = {}) {
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
    loadCore(), prepareRoom({ room, password, secret }), identity ? checkIdentity(identity) : loadIdentity(),
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
    verify: verifySignature, certificate, files: { core, maxFileBytes, autoFetchBytes }, onStatus,
  });
  return chat.joined;
}

// A room whose mailbox ids are the core's own and whose texts are not sealed: the warm-up's rooms.
const UNKEYED = Object.freeze({ sealing: 'none', mailboxId: (id) => id, seal: async (id, text) => text, open: async (id, text) => text });

export class Room extends EventTarget {
  #logic;
  #options;
  #io;
  #links = new Map();     // link id → { pc, channel }
  #requests = new Map();  // request id → AbortController
  #timer = null;
  #status = { state: 'joining' };
  #members = [];
  #pumping = false;
  #onPageHide;
  #nextConnection = null;  // made early for the link a joiner is about to open (see #signal)
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
    this.#io = io;
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
    this.#input(() => this.#logic.join(Date.now()));
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
    let problem = '';
    this.#input(() => { problem = this.#logic.rename(nick, Date.now()); });
    if (problem) return Promise.reject(ERROR_TEXT[problem] ? new WebchatError(problem) : new RangeError(problem));
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
    feed();
    this.#pump();
  }

  #pump() {
    if (this.#pumping) return;  // an effect's handler fed an input: the outer loop drains it
    this.#pumping = true;
    try {
      for (let effect = this.#logic.poll(); effect !== null; effect = this.#logic.poll()) this.#apply(effect);
    } finally {
      this.#pumping = false;
    }
    this.#schedule();
  }

  #schedule() {
    clearTimeout(this.#timer);
    const deadline = this.#logic.nextDeadline();
    if (deadline === null) return;
    this.#timer = setTimeout(() => this.#input(() => this.#logic.tick(Date.now())), Math.max(0, deadline - Date.now()));
  }

  #apply(effect) {
    switch (effect.type) {
      case 'signal-get': return this.#signal(effect.request, 'get', effect.id, effect.timeout);
      case 'signal-set': return this.#signal(effect.request, 'set', effect.id, effect.timeout, effect.text);
      case 'signal-cancel': return this.#cancelSignal(effect.request);
      case 'open-link': return this.#openLink(effect.link, effect.remoteOffer);
      case 'accept-answer': return this.#acceptAnswer(effect.link, effect.sdp);
      case 'add-candidates': return this.#addCandidates(effect.link, effect.candidates);
      case 'send': return this.#send(effect.link, effect.text);
      case 'close-link': return this.#closeLink(effect.link);
      case 'sign': return this.#sign(effect.ticket, effect.bytes);
      case 'verify': return this.#verify(effect.ticket, effect.parts);
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

  // --- Signaling: one fetch per request; aborting it makes the server withdraw a parked text ----
  // The server sees only mailbox ids derived from the room's keys (never the room's name), and in
  // private and password rooms only sealed texts: a text that does not open is reported, not used.
  async #signal(request, verb, coreId, timeout, text) {
    const abort = new AbortController();
    this.#requests.set(request, abort);
    const keys = this.#options.keys ?? UNKEYED;
    let status = 0;
    let body = '';
    let readable = true;
    try {
      const id = await keys.mailboxId(coreId);
      const sent = verb === 'set' ? await keys.seal(id, text) : undefined;
      const response = await this.#io.fetch(`${this.#options.signal}?${verb}=${encodeURIComponent(id)}&timeoutms=${timeout}`, {
        method: 'POST',
        body: sent,  // a string: sent as text/plain, a CORS "simple" request without preflight
        signal: abort.signal,
      });
      // A looking member's get that found a text has most likely found an offer it will answer. Making
      // a peer connection takes milliseconds of main-thread time: make it while the body arrives.
      const looking = this.#status.state === 'joining' || this.#status.state === 'reconnecting';
      if (looking && verb === 'get' && response.status === 200) {
        this.#nextConnection ??= this.#io.newPeerConnection(this.#rtcConfig());
      }
      body = await response.text();
      status = response.status;
      if (verb === 'get' && status === 200) {
        const opened = await keys.open(id, body);
        readable = opened !== null;
        body = opened ?? '';
      }
    } catch {
      status = 0;  // unreachable, refused, or aborted (then the logic has forgotten the request)
    }
    if (!this.#requests.delete(request)) return;  // cancelled meanwhile
    if (!readable) {
      this.unreadableTexts++;
      return this.#input(() => this.#logic.signalUnreadable(request, Date.now()));
    }
    this.#input(() => this.#logic.signalDone(request, status, body, Date.now()));
  }

  #rtcConfig() {
    const { iceServers, certificate } = this.#options;
    return certificate ? { iceServers, certificates: [certificate] } : { iceServers };
  }

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

  #cancelSignal(request) {
    this.#requests.get(request)?.abort();
    this.#requests.delete(request);
  }

  // --- Peer links ----------------------------------------------------------------------------
  async #openLink(link, remoteOffer) {
    const pc = this.#nextConnection ?? this.#io.newPeerConnection(this.#rtcConfig());
    this.#nextConnection = null;
    // Server-given TURN credentials expire: the next links use renewed ones.
    this.#options.refreshIce?.().then((servers) => { this.#options.iceServers = servers; });
    const entry = { pc, channel: null };
    this.#links.set(link, entry);
    const closed = (why) => this.#linkGone(link, entry, why);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') closed(linkFailure(pc));
      else if (pc.connectionState === 'closed') closed();
    });
    try {
      if (remoteOffer) return await this.#answer(link, entry, remoteOffer);
      this.#wireChannel(link, entry, pc.createDataChannel('webchat', { ordered: true }));
      await pc.setLocalDescription(await pc.createOffer());
      // An offer waits in the mailbox for a newcomer: it is sent whole, with every candidate.
      await iceGathered(pc, this.#options.iceGatherCapMs);
    } catch {
      return closed();
    }
    if (this.#links.get(link) !== entry) return;  // closed while we gathered
    this.#input(() => this.#logic.linkDescribed(link, pc.localDescription.sdp, Date.now(), false));
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
    const { iceGatherCapMs, trickleAfterMs } = this.#options;
    const whole = trickleAfterMs > 0 && await iceGathered(pc, Math.min(trickleAfterMs, iceGatherCapMs));
    if (this.#links.get(link) !== entry) return;
    this.#input(() => this.#logic.linkDescribed(link, pc.localDescription.sdp, Date.now(), !whole));
    if (whole) return;
    await iceGathered(pc, Math.max(0, iceGatherCapMs - trickleAfterMs));
    if (this.#links.get(link) !== entry) return;
    this.#input(() => this.#logic.linkCandidates(link, candidates, Date.now()));
  }

  #wireChannel(link, entry, channel) {
    entry.channel = channel;
    entry.queued = [];
    // Report the opening once, whether the channel arrives already open (an answerer's may) or opens later.
    const opened = () => {
      if (entry.opened) return;
      entry.opened = true;
      for (const text of entry.queued.splice(0)) channel.send(text);
      this.#linkEvent(link, entry, (now) => this.#logic.linkOpen(link, now));
    };
    channel.addEventListener('open', opened);
    if (channel.readyState === 'open') queueMicrotask(opened);
    // Messages go to the logic as they come; one whose signatures need checking waits there (a 'verify'
    // effect), with the link's later messages and its close behind it.
    channel.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') return;  // the protocol is text only
      this.#linkEvent(link, entry, (now) => this.#logic.linkMessage(link, e.data, now));
    });
    channel.addEventListener('close', () => this.#linkGone(link, entry));
  }

  // Events of a link the logic has already closed are stale: ignore them.
  #linkEvent(link, entry, feed) {
    if (this.#links.get(link) === entry) this.#input(() => feed(Date.now()));
  }

  // why: 'closed', or how the connection failed ('ice-failed': no path; 'dtls-failed': tampered).
  #linkGone(link, entry, why = 'closed') {
    if (this.#links.get(link) !== entry) return;
    this.#links.delete(link);
    entry.pc.close();
    this.#input(() => this.#logic.linkClosed(link, Date.now(), why));
  }

  async #acceptAnswer(link, sdp) {
    const entry = this.#links.get(link);
    if (!entry) return;
    try {
      await entry.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch {
      this.#linkGone(link, entry);
    }
  }

  // The browser runs these after the answer is applied (a peer connection queues its operations). One
  // it cannot use (say, an address family it lacks) is skipped: the others may still connect.
  #addCandidates(link, candidates) {
    const entry = this.#links.get(link);
    if (!entry) return;
    for (const candidate of candidates) entry.pc.addIceCandidate({ candidate, sdpMLineIndex: 0 }).catch(() => {});
  }

  #send(link, text) {
    const entry = this.#links.get(link);
    const channel = entry?.channel;
    if (channel?.readyState === 'open') return channel.send(text);
    // A peer's message can be handled before our side of the channel reports open: keep the answer
    // (welcome, refuse) until it does, instead of dropping it and leaving the peer waiting.
    if (channel?.readyState === 'connecting') entry.queued.push(text);
  }

  #closeLink(link) {
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

  // --- Events for the page --------------------------------------------------------------------
  #onStatus({ state, error, stage, historyEnd }) {
    this.#status = error ? { state, error, message: describeError(error) } : { state };
    if (stage) this.#status.stage = stage;
    if (state === 'host' || state === 'guest') this.#status.historyEnd = historyEnd;
    if ((state === 'host' || state === 'guest') && !this.#statsTimer) {
      this.#statsTimer = setTimeout(() => this.#measureLinks(), LINK_STATS_MS / 2);
    }
    if (state === 'closed') {
      this.#renamed(new WebchatError(error || 'left'));
      clearTimeout(this.#timer);
      clearTimeout(this.#statsTimer);
      this.#nextConnection?.close();
      this.#nextConnection = null;
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
      const entry = this.#links.get(this.#logic.linkTo(member.id));
      const facts = entry && await linkFacts(entry.pc).catch(() => null);
      if (facts) measured.set(member.id, facts);
    }
    if (this.#status.state === 'closed') return;
    this.#statsTimer = setTimeout(() => this.#measureLinks(), LINK_STATS_MS);
    if (JSON.stringify([...measured]) === JSON.stringify([...this.#linkInfo])) return;
    this.#linkInfo = measured;
    this.dispatchEvent(new CustomEvent('members', { detail: this.members }));
  }
}

// How a peer connection failed: a DTLS handshake that failed (the fingerprint did not match the
// description: someone in the middle), or ICE finding no path.
function linkFailure(pc) {
  const iceConnected = pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed';
  if (iceConnected && pc.sctp?.transport?.state === 'failed') return 'dtls-failed';
  return 'ice-failed';
}
