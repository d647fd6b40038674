// The join form's room: a private room named by a secret in the link's fragment (what a bare link
// gives: a fresh one), or a public room by name, optionally with a password. The fragment never
// reaches a server; a password never leaves this page (it seals the room's signaling, see
// docs/security.md). Room keys are derived while the person types, so joining does not wait for them.

import { createPrivateRoom, prepareRoom } from '../webchat.js';

const PRIVATE_HASH = /^#s=([A-Za-z0-9_-]+)$/;
const PREPARE_AFTER_MS = 300;  // a pause in typing

/** What a URL's fragment invites to: { secret } or { room } (public), or null for a bare link. */
export function invitationFromHash(hash = location.hash) {
  const secret = PRIVATE_HASH.exec(hash)?.[1];
  if (secret) return { secret };
  try {
    const room = decodeURIComponent(hash.slice(1));
    return room ? { room } : null;
  } catch {
    return null;  // a malformed %-escape: no invitation
  }
}

/** The fragment that invites to a room: "#s=<secret>" for a private one, "#<name>" for a public one. */
export function invitationHash({ secret, room }) {
  return secret ? `#s=${secret}` : `#${encodeURIComponent(room)}`;
}

export class RoomChoice {
  #fields;
  #secret = '';
  #fresh = false;  // the secret was made here, not taken from a link
  #timer = null;

  /**
   * fields: { box, privateBox, publicBox, room, password, kind, goPublic, goPrivate } elements of the
   * form. box.dataset.followed is the fragment last followed (for tests: hashchange events are async).
   */
  constructor(fields) {
    this.#fields = fields;
    fields.goPublic.addEventListener('click', () => { this.#showPublic(fields.room.value || 'lobby'); fields.room.select(); });
    fields.goPrivate.addEventListener('click', () => this.#showPrivate(createPrivateRoom().secret, true));
    for (const field of [fields.room, fields.password]) field.addEventListener('input', () => this.#prepareSoon());
    this.follow(invitationFromHash());
  }

  /** Shows what a link invites to; a bare link (null) gets a fresh private room. */
  follow(invitation) {
    if (invitation?.room) this.#showPublic(invitation.room);
    else if (invitation?.secret) this.#showPrivate(invitation.secret, false);
    else this.#showPrivate(createPrivateRoom().secret, true);
    this.#fields.box.dataset.followed = invitationHash(this.joinOptions());
  }

  get isPrivate() { return !this.#fields.privateBox.hidden; }

  /** joinRoom's room options for the form as it stands. */
  joinOptions() {
    if (this.isPrivate) return { secret: this.#secret };
    const password = this.#fields.password.value;
    return password ? { room: this.#fields.room.value, password } : { room: this.#fields.room.value };
  }

  /** How the page names the room: { label, kind: 'private'|'password'|'public', words } */
  describe(options = this.joinOptions()) {
    if (options.secret) return { label: 'private room', kind: 'private', words: 'Private room: only people with its link can join' };
    if (options.password) return { label: options.room, kind: 'password', words: 'Password room: only people with the password can join' };
    return { label: options.room, kind: 'public', words: 'Public room: anyone who knows its name can join' };
  }

  /** The fragment of an invitation to the room as it stands (never the password). */
  inviteHash(options = this.joinOptions()) {
    return invitationHash(options);
  }

  #showPrivate(secret, fresh) {
    this.#secret = secret;
    this.#fresh = fresh;
    this.#toggle(true);
    this.#fields.kind.textContent = fresh
      ? 'A new private room: only people with its link can join.'
      : 'A private room you were invited to: only people with its link can join.';
    // The address bar holds the invitation, so it can be copied or bookmarked as it is.
    history.replaceState(null, '', invitationHash({ secret }));
    prepareRoom({ secret }).catch(() => {});  // a damaged link says so when joining
  }

  #showPublic(room) {
    this.#fields.room.value = room;
    this.#toggle(false);
    this.#prepareSoon();
  }

  #toggle(isPrivate) {
    const { privateBox, publicBox, room, password } = this.#fields;
    privateBox.hidden = !isPrivate;
    publicBox.hidden = isPrivate;
    room.disabled = isPrivate;  // a hidden field must not block the form's validation
    password.disabled = isPrivate;
    if (isPrivate) password.value = '';
  }

  // PBKDF2 for a password takes ~100 ms (seconds without WebCrypto): done in a pause of typing.
  #prepareSoon() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => prepareRoom(this.joinOptions()).catch(() => {}), PREPARE_AFTER_MS);
  }
}
