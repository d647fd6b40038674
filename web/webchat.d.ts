// Types of webchat.js, the ES module that puts a browser into a peer-to-peer chat room.
//
//   import { joinRoom } from './webchat.js';
//   const room = await joinRoom({ room: 'lobby', nick: 'alice', signal: 'http://127.0.0.1:8080/sig' });
//   room.addEventListener('message', (e) => console.log(e.detail.nick, e.detail.text));
//   room.send('hi');

/** Why a join failed or a room ended. */
export type WebchatErrorCode =
  | 'nick-taken' | 'nick-invalid' | 'room-invalid' | 'room-full' | 'id-taken'
  | 'server-unreachable' | 'server-error' | 'server-rejected'
  | 'host-left' | 'room-closed' | 'webrtc-unsupported' | 'left'
  | 'secret-invalid' | 'password-invalid' | 'wrong-password' | 'signal-tampered';

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
  /** STUN/TURN servers for RTCPeerConnection. Default none: peers on one network still connect. */
  iceServers?: RTCIceServer[];
  /** How long to wait for ICE candidates before sending an offer, or an answer's trickled candidates, anyway. Default 2000 ms. */
  iceGatherCapMs?: number;
  /**
   * How long a joiner's answer waits for ICE gathering before it leaves with the candidates found so far,
   * the rest following through the signaling server. Default 100 ms; 0 always trickles.
   */
  trickleAfterMs?: number;
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

/** One chat line, sequenced by the room's host: every member sees the same seq order. */
export interface ChatMessage {
  seq: number;
  /** Author's member id. */
  from: string;
  nick: string;
  text: string;
  /** When the host sequenced it, in ms since the Unix epoch (the host's clock). */
  time: number;
}

export interface Member {
  id: string;
  nick: string;
  /** This member hosts the room. */
  host: boolean;
  /** This member is this browser. */
  self: boolean;
}

export interface RoomStatus {
  state: RoomState;
  /** Set while something is wrong: a join refused, the server unreachable, the room ended. */
  error?: WebchatErrorCode;
  /** The error in words a person can act on. */
  message?: string;
}

/** A system event for the conversation: someone joined or left, the host changed, the room closed. */
export interface RoomNotice {
  kind: 'joined' | 'left' | 'host-changed' | 'closed';
  nick: string;
}

export interface RoomEventMap {
  message: CustomEvent<ChatMessage>;
  members: CustomEvent<Member[]>;
  status: CustomEvent<RoomStatus>;
  notice: CustomEvent<RoomNotice>;
  /** The history shown so far is replaced (after a failover or merge): clear it; its lines follow as 'message'. */
  historyreset: CustomEvent<undefined>;
}

export class Room extends EventTarget {
  /** The room's name. */
  readonly room: string;
  /** The nickname this browser joined with. */
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
  /** Oldest first; the room keeps the last 1000 lines and hands them to newcomers. */
  readonly history: ChatMessage[];

  /** Sends a chat line (at most 4000 characters). Throws a RangeError when empty, too long or not in the room. */
  send(text: string): void;
  /** Leaves the room; status becomes "closed". Also happens on its own when the page is closed. */
  leave(): void;
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
 * call it while the person types a password. Rejects with a TypeError whose message is an error code.
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
