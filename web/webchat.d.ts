// Types of webchat.js, the ES module that puts a browser into a peer-to-peer chat room.
//
//   import { joinRoom } from './webchat.js';
//   const room = await joinRoom({ room: 'lobby', nick: 'alice', signal: 'http://127.0.0.1:8080/sig' });
//   room.addEventListener('message', (e) => console.log(e.detail.nick, e.detail.kind, e.detail.text));
//   room.send('hi');

/** Why a join failed or a room ended. */
export type WebchatErrorCode =
  | 'nick-taken' | 'nick-invalid' | 'room-invalid' | 'room-full' | 'id-taken'
  | 'server-unreachable' | 'server-error' | 'server-rejected'
  | 'host-left' | 'room-closed' | 'webrtc-unsupported' | 'left'
  /** The page's Content-Security-Policy forbids compiling WebAssembly: its script-src needs 'wasm-unsafe-eval'. */
  | 'csp-wasm'
  | 'secret-invalid' | 'password-invalid' | 'wrong-password' | 'signal-tampered'
  /** A host was found but no network path to it (no TURN server where one is needed); within 15 s. */
  | 'no-route'
  /** The link's DTLS handshake failed: its fingerprint was not the one signaled (someone in the middle). */
  | 'link-tampered'
  /** rename(): the host did not answer. */
  | 'no-answer'
  /** Reasons a host gives for refusing an entry (a 'denied' event). */
  | 'not-author' | 'entry-invalid' | 'clock-skew';

/** Where this browser stands in the room. */
export type RoomState = 'joining' | 'host' | 'guest' | 'reconnecting' | 'closed';

export interface JoinOptions {
  /**
   * A public room's name (or a password room's, with `password`): 1–64 of A–Z a–z 0–9 . _ ~ -.
   * Default "default". The server never sees it: mailbox ids are HMACs derived from it. Anyone who
   * knows or guesses the name can join a public room; prefer `secret`.
   */
  room?: string;
  /**
   * A private room's link secret, from createPrivateRoom() (keep it in a link's fragment, `#…`, which
   * browsers never send to a server). The secret alone names the room; `room` is then ignored. Every
   * signaling text is sealed (AES-GCM) under a key derived from it (HKDF).
   */
  secret?: string;
  /**
   * A password for the room named by `room`: signaling texts are sealed under a key derived with
   * PBKDF2-SHA-256 (600,000 iterations, ~100 ms; call prepareRoom() while the person types). A wrong
   * password rejects with "wrong-password".
   */
  password?: string;
  /** This member's identity; default: this browser's (loadIdentity()). */
  identity?: Identity;
  /** 1–32 characters, no control characters, no space at either end; unique in the room (case-insensitively). */
  nick: string;
  /** The signaling endpoint, e.g. "http://127.0.0.1:8080/sig". Default: /sig on the page's own origin. */
  signal?: string;
  /**
   * STUN/TURN servers for RTCPeerConnection. Default: the signaling server's (`GET /config` next to
   * `signal`, TURN credentials renewed before they expire), or none when it has none.
   */
  iceServers?: RTCIceServer[];
  /** false: never use a TURN relay (its servers are dropped from iceServers). Default true. */
  allowRelay?: boolean;
  /** How long to wait for ICE candidates before sending an offer, or an answer's trickled candidates, anyway. Default 2000 ms. */
  iceGatherCapMs?: number;
  /**
   * How long a joiner's answer waits for ICE gathering before it leaves with the candidates found so far,
   * the rest following through the signaling server. Default 100 ms; 0 always trickles.
   */
  trickleAfterMs?: number;
  /** Coming back after a reload: the member id it had (16 hex digits; the page keeps one per tab). */
  memberId?: string;
  /** The history it held (Room.history): shown at once and merged with the room's on joining. */
  history?: Entry[];
  /** Its own entries not yet sequenced (Room.outbox), and Room.midCounter: sent once it is in. */
  outbox?: Entry[];
  midCounter?: number;
  /** The largest file sendFile() shares, this member fetches, and the room shows (its file entries are checked against it; every member should use the same). Default 1 GiB (2^30 bytes). */
  maxFileBytes?: number;
  /** Files up to this size announced while in the room are fetched at once. Default maxFileBytes. */
  autoFetchBytes?: number;
  /**
   * Called with each status while the join is under way, before joinRoom settles (the Room's `status`
   * events, which a caller cannot listen to yet): `stage` says whether it is still looking for the
   * room's host or connecting to the one found, which may take many seconds (through a TURN relay, or
   * ending with "no-route").
   */
  onStatus?: (status: RoomStatus) => void;
  /**
   * Watch this browser's own network while in the room (web/network-watch.js): once a second, one
   * background RTCPeerConnection gathers again with the STUN servers of iceServers (never TURN), and a
   * new address of its own (another network, a new lease) makes the member rejoin or re-park its offers
   * at once rather than when its links fall silent. Each look is a STUN binding request to each STUN
   * server, which thus sees the public address once a second while the person is in a room. Default
   * true; false turns it off.
   */
  watchNetwork?: boolean;
}

/** A member's Ed25519 identity. Keys and signatures are base64url without padding (43 and 86 characters). */
export interface Identity {
  readonly publicKey: string;
  /** Signs the UTF-8 bytes of `bytes`. */
  sign(bytes: string): Promise<string>;
}

/** A room's derived keys (see docs/security.md). */
export interface RoomKeys {
  readonly sealing: 'none' | 'secret' | 'password';
  /** The room as the room logic and signatures know it: 32 hex, one-way from the name or secret. */
  readonly tag: string;
  mailboxId(coreId: string): Promise<string>;
  seal(mailboxId: string, text: string): Promise<string>;
  /** null when the text was not sealed under this room's key for this mailbox id, or was altered. */
  open(mailboxId: string, text: string): Promise<string | null>;
}


/** What an entry is: a line, an edit or delete of the author's own line, a reaction, a shared file. */
export type EntryKind = 'text' | 'edit' | 'delete' | 'react' | 'unreact' | 'file';

/** A shared file's description (the bytes travel elsewhere). */
export interface FileInfo {
  name: string;
  size: number;
  type: string;
  /** SHA-256 over the SHA-256s of the file's 1 MiB blocks (docs/files.md), 64 lowercase hex digits. */
  hash: string;
}

/** Where a file of the history stands at this member. */
export interface FileState {
  state: 'held' | 'downloading' | 'incomplete' | 'cancelled' | 'failed' | 'none';
  bytes: number;
  size: number;
  /** Why it stopped: 'withdrawn' (its sender cancelled), 'hash-mismatch', 'holder-gone', 'not-held', ... */
  reason?: string;
  /** The member cut off while sending it, if one broke the protocol (for a file 'held', it arrived whole all the same: see 'filecutoff'). */
  cutoff?: FileCutOff | null;
  /** For 'incomplete': it is asked again by itself (see 'fileended'). */
  resuming?: boolean;
}

/**
 * A member cut off while sending a file: `reason` is what it did ('out-of-range': bytes outside the
 * file, also a last chunk running past its end; 'after-end': more bytes once every byte of the file
 * had arrived; 'hash-mismatch': bytes that failed the file's hash; 'duplicate-chunk',
 * 'chunk-gap', 'oversized-chunk', 'bad-chunk-size', 'over-window', 'unexpected-chunk',
 * 'malformed-message', ...: docs/files.md).
 */
export interface FileCutOff {
  from: string;
  nick: string;
  reason: string;
}

/** sendFile() refused the file. */
export class FileError extends Error {
  readonly code: 'file-too-large' | 'file-unreadable';
}

/**
 * One entry of the room's history, sequenced by the host: every member sees the same seq order and
 * applies the same rules (only the author edits or deletes its line).
 */
export interface Entry {
  seq: number;
  /** "<author id>-<n>": names the entry for replies, edits, deletes and reactions. */
  mid: string;
  /** Author's member id. */
  from: string;
  /** The author's nickname when it wrote the entry. */
  nick: string;
  /** The author's public key ("" where keys are not in use). */
  key: string;
  kind: EntryKind;
  /** The line; an edit's new text; a reaction's emoji; a file's caption; "" for a delete. */
  text: string;
  /** edit, delete, react, unreact: the mid of the entry acted on; else "". */
  target: string;
  /** text: the mid of the line it answers, or "". */
  reply: string;
  /** When the author wrote it, in ms since the Unix epoch (the author's clock). */
  time: number;
  file?: FileInfo;
  /** Ties the entry to every one before it (16 hex digits). */
  chain: string;
  sig: string;
}

/** @deprecated The entries of protocol version 1 were lines only: an Entry of kind 'text'. */
export type ChatMessage = Entry;

export interface Member {
  id: string;
  nick: string;
  /** This member hosts the room. */
  host: boolean;
  /** The member's public key ("" where keys are not in use). */
  key: string;
  /** This member is this browser. */
  self: boolean;
  /**
   * Our link with this member (a guest: with the host; the host: with each guest), from getStats()'s
   * selected candidate pair, measured every 2 s; null for others and until measured. rtt in ms.
   */
  link: { type: 'direct' | 'relayed'; rtt: number | null } | null;
}

export interface RoomStatus {
  state: RoomState;
  /** While joining or reconnecting: looking for the room's host, or connecting to the one found. */
  stage?: 'looking' | 'connecting';
  /** Set while something is wrong: a join refused, the server unreachable, the room ended. */
  error?: WebchatErrorCode;
  /** The error in words a person can act on. */
  message?: string;
  /**
   * Host or guest: the seq of the newest entry the room's history held when this member (re)joined
   * it. Entries up to it are that history, handed over ('message' events follow the status); entries
   * after it arrive live.
   */
  historyEnd?: number;
}

/** A system event for the conversation: someone joined or left, the host changed, the room closed, a rename. */
export interface RoomNotice {
  kind: 'joined' | 'left' | 'host-changed' | 'closed' | 'renamed';
  nick: string;
  /** renamed: the nickname before. */
  previous?: string;
}

/** An entry claiming another member as its author was refused: never shown as that member's. */
export interface RoomWarning {
  kind: 'forged';
  from: string;
  nick: string;
}

/** The host refused a request: a rename, or an entry (it will not be sent again). */
export interface RoomDenied {
  what: 'rename' | 'say';
  reason: WebchatErrorCode | string;
  /** what = "say": the refused entry's mid. */
  mid: string;
  message: string;
}

export interface RoomEventMap {
  /** An entry joined the history (in seq order): a line, edit, delete, reaction or file. */
  message: CustomEvent<Entry>;
  /** A member is typing (ephemeral; show it for a few seconds). */
  typing: CustomEvent<{ from: string; nick: string }>;
  warning: CustomEvent<RoomWarning>;
  denied: CustomEvent<RoomDenied>;
  /**
   * The host dropped our entry `mid` for its rate limit (5 a second, 20 at once): it stays queued and
   * is sent again shortly (a 'message' event follows once it is in). Show it as held back.
   */
  throttled: CustomEvent<{ mid: string }>;
  /** Data another member sent this one with relay(). */
  relay: CustomEvent<{ from: string; data: string }>;
  members: CustomEvent<Member[]>;
  status: CustomEvent<RoomStatus>;
  notice: CustomEvent<RoomNotice>;
  /** The history shown so far is replaced (after a failover or merge): clear it; its lines follow as 'message'. */
  historyreset: CustomEvent<undefined>;
  /** A file's bytes moved: a download ('down'), or a member pulling one we hold ('up', with its id). */
  fileprogress: CustomEvent<{ hash: string; direction: 'down' | 'up'; bytes: number; size: number; peer?: string; done?: boolean; reason?: string }>;
  /** A file arrived whole here, its hash checked. */
  file: CustomEvent<{ hash: string; blob: Blob; entry?: Entry }>;
  /** A download stopped without the file: nobody reachable holds it, it was cancelled, or its bytes were wrong. */
  /** cutoff: a member that sent the file broke the protocol (bytes outside the file, bytes failing its hash...) and was cut off. */
  /**
   * resuming (for 'incomplete'): a member holding the file is in the room, so the download is asked
   * again by itself (after a back-off of 2 s doubling to 30 s, or at once when a holder appears; at most
   * one attempt per 2 s); false: it waits for a holder. Another 'fileended' says when it stops resuming.
   */
  fileended: CustomEvent<{ hash: string; outcome: 'incomplete' | 'cancelled' | 'failed'; reason: string; cutoff?: FileCutOff; resuming?: boolean }>;
  /**
   * A file arrived whole here (its 'file' event came first), but a member that sent it broke the
   * protocol and was cut off: it kept sending past the file's end ('after-end'), or, resumed from
   * another member, an earlier holder did (any reason of FileCutOff). The file is fine.
   */
  filecutoff: CustomEvent<{ hash: string; cutoff: FileCutOff }>;
}

export class Room extends EventTarget {
  /** The room's name. */
  readonly room: string;
  /** This browser's nickname in the room (changes with rename()). */
  readonly nick: string;
  /** This browser's member id in the room. */
  readonly selfId: string;
  /** How the room's signaling is sealed: public rooms are not. */
  readonly sealing: 'none' | 'secret' | 'password';
  /** The room's tag (see RoomKeys.tag). */
  readonly tag: string;
  /** The identity this member joined with. */
  readonly identity: Identity;
  /** Signaling texts that did not open under the room's key (altered on the way, or a wrong password). */
  readonly unreadableTexts: number;
  /** Resolves with this Room once in the room; rejects with a WebchatError. joinRoom returns it. */
  readonly joined: Promise<Room>;
  readonly status: RoomStatus;
  /** In join order. */
  readonly members: Member[];
  /** Oldest first; the room keeps the last 1000 entries and hands them to newcomers. Store it for a reload. */
  readonly history: Entry[];
  /** Own entries not yet sequenced by the host; store with midCounter for a reload. */
  readonly outbox: Entry[];
  readonly midCounter: number;

  /**
   * Sends a chat line (at most 4000 characters), answering the line `replyTo` (a mid) if given.
   * Throws a RangeError when empty, too long or not in the room. Each of the chat calls below throws
   * the same way when refused locally; a host's refusal comes as a 'denied' event.
   */
  send(text: string, options?: { replyTo?: string }): void;
  /** Replaces the text of one of this member's own lines. */
  edit(mid: string, text: string): void;
  /** Deletes one of this member's own lines. */
  delete(mid: string): void;
  /** Adds (on, the default) or takes back a reaction (one emoji, at most 16 bytes) to a line or file. */
  react(mid: string, emoji: string, on?: boolean): void;
  /**
   * Tells the room this member is typing; call on every keystroke (it is sent at most every 2 s, and
   * not at all while reconnecting). Throws a RangeError only when not in a room (before joining, after leaving).
   */
  typing(): void;
  /** Sends data (at most 60,000 bytes) to member `to` through the host. */
  relay(to: string, data: string): void;
  /**
   * Shares a file: hashes it (reading it once, in blocks), then a 'file' entry announces it; members
   * pull its bytes over direct links. Rejects with a FileError (too large, unreadable) or a RangeError.
   */
  sendFile(file: Blob & { name?: string }, options?: { caption?: string }): Promise<void>;
  /** Fetches the file of a file entry (from its author or any member that holds it). */
  fetchFile(hash: string): void;
  /** Stops a download; for one's own file, stops sharing it. */
  cancelFile(hash: string): void;
  /** The file's bytes if this member holds them (shared or received), else null. */
  fileBlob(hash: string): Blob | null;
  fileState(hash: string): FileState;
  /** Changes this member's nickname; resolves once the room shows it, rejects with a WebchatError (nick-taken...). */
  rename(nick: string): Promise<void>;
  /**
   * Leaves the room; status becomes "closed". Also happens on its own when the page is hidden for good
   * (pagehide), with back: the host keeps this member listed for a few seconds, so a reload that rejoins
   * with the same memberId shows nobody a "left" and "joined".
   */
  leave(options?: { back?: boolean }): void;
  /** As host: ends the room for everyone. As guest: the same as leave(). */
  close(): void;

  addEventListener<K extends keyof RoomEventMap>(type: K, listener: (event: RoomEventMap[K]) => void,
                                                 options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
                   options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof RoomEventMap>(type: K, listener: (event: RoomEventMap[K]) => void,
                                                    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
                      options?: boolean | EventListenerOptions): void;
}

export class WebchatError extends Error {
  readonly name: 'WebchatError';
  readonly code: WebchatErrorCode;
}

/** Joins a room. Resolves once this browser is in it, as host or guest. */
export function joinRoom(options: JoinOptions): Promise<Room>;

/** A fresh private room: 128 random bits as base64url (22 characters), for joinRoom's `secret`. */
export function createPrivateRoom(): { secret: string };

/**
 * Derives a room's keys (options as joinRoom's room, password, secret) and keeps them for the join:
 * call it while the person types a password. Also makes the peer connection the join will use (its
 * constructor takes milliseconds of the page's main thread). Rejects with a TypeError whose message
 * is an error code.
 */
export function prepareRoom(options: { room?: string; password?: string; secret?: string }): Promise<RoomKeys>;

/**
 * This browser's identity, made on first use and kept in IndexedDB (a non-extractable WebCrypto key
 * where the browser has Ed25519; an @noble key elsewhere, see docs/security.md).
 */
export function loadIdentity(options?: { store?: { load(): Promise<unknown>; save(record: unknown): Promise<unknown> } }):
  Promise<Identity & { readonly implementation: 'webcrypto' | 'noble' }>;

/** Whether `sig` is `publicKey`'s signature of the UTF-8 bytes of `bytes`; false for anything malformed. */
export function verify(publicKey: string, bytes: string, sig: string): Promise<boolean>;

/** Two members' safety code: six groups of five digits, the same whichever key comes first. */
export function safetyCode(ownKey: string, theirKey: string): Promise<string | null>;

/** The words for an error code, as in WebchatError.message. */
export function describeError(code: WebchatErrorCode): string;
