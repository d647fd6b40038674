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
  | 'host-left' | 'room-closed' | 'webrtc-unsupported' | 'left';

/** Where this browser stands in the room. */
export type RoomState = 'joining' | 'host' | 'guest' | 'reconnecting' | 'closed';

export interface JoinOptions {
  /** Room name: 1–64 of A–Z a–z 0–9 . _ ~ -. Default "default". */
  room?: string;
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

/** The words for an error code, as in WebchatError.message. */
export function describeError(code: WebchatErrorCode): string;
