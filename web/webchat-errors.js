// The module's errors: a stable code per way a join or a request can fail, with a sentence a person
// can act on (the page shows it as it is; docs/web.md). Used by webchat.js, re-exported from there.

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
  'csp-wasm': 'This page\'s Content-Security-Policy does not let it compile WebAssembly: its script-src needs \'wasm-unsafe-eval\'.',
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

/** The sentence for an error code (the code itself when it has none). */
export function describeError(code) {
  return ERROR_TEXT[code] ?? code;
}

/** Whether `code` is one of the codes above (else it is a refusal's plain words). */
export function isErrorCode(code) {
  return Object.hasOwn(ERROR_TEXT, code);
}
