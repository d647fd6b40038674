// A Room's file sharing (issue #16): `file` entries in the history announce files; each member that
// wants one pulls it with a FileShare over a direct link to a member holding it, signaled by texts
// the room relays through its host. webchat.js makes one per Room and forwards its API to it.
//
// Room events it dispatches (CustomEvent detail):
//   fileprogress { hash, direction: 'down'|'up', bytes, size, peer? }   a download or an upload moved
//   file         { hash, blob, entry }     a file arrived whole, its hash checked (and every time
//                                          one is shared by us: blob is the shared File)
//   fileended    { hash, outcome, reason, cutoff?, resuming }  a download stopped without the file:
//                                          'incomplete' (nobody reachable holds it), 'cancelled' (by
//                                          us or its author), 'failed' (its bytes did not match its
//                                          hash); cutoff { from, nick, reason }: a member that sent it
//                                          broke the protocol and was cut off; resuming: an incomplete
//                                          one will be asked again by itself (a holder is in the room,
//                                          resume-policy.js); another 'fileended' says when it no
//                                          longer will (the holders left)
//   filecutoff   { hash, cutoff }          a member that sent a file which arrived whole broke the
//                                          protocol and was cut off (after its 'file' event): it
//                                          kept sending past the file's end ('after-end'), or an
//                                          earlier holder of it did something else

import { verify as verifySignature } from '../crypto/identity.js';
import { chatMoved } from './chat-first.js';
import { FileError, FileShare } from './file-share.js';
import { ResumePolicy } from './resume-policy.js';

// What the room accepts as a file's name (wasm/core/entries.cpp): 1-255 characters, no path
// separator, control or bidirectional control character, not "." or "..". A Blob's name may hold any.
const UNSHOWN = /[/\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// A member that completed files says so to the others at most this often, naming at most this many
// files in one text (a hash is 64 characters: well under a relay's 60,000).
const HAVE_EVERY_MS = 2000;
const HAVE_MAX_HASHES = 100;
// Why a holder stopped that says nothing about whether it holds the file: it may be asked again.
const TRANSIENT_STOPS = new Set(['stalled', 'no-answer', 'holder-gone', 'busy', 'idle']);

function shownName(name) {
  const shown = [...String(name ?? '').replace(UNSHOWN, '_')].slice(0, 255).join('');
  return shown === '' || shown === '.' || shown === '..' ? 'file' : shown;
}

export class RoomFiles {
  #room;
  #share;
  #autoFetchBytes;
  #entries = new Map();    // hash → the file entry last seen for it
  #downloads = new Map();  // hash → transfer
  #states = new Map();     // hash → { state, bytes, size, reason }
  #members = [];
  // hash → Map(member id → whether it holds the file whole): what members said (files-have) or showed
  // (answered that they do not hold it, were cut off while sending it). The author holds it unless
  // it showed otherwise.
  #holding = new Map();
  // Members cut off for breaking the file protocol (this session): never again a holder to ask by
  // itself, whatever they say (files-have); a person's "Try again" still asks everyone.
  #cutOff = new Set();
  #appeared = new Set();  // "hash member": a files-have already counted (one holder appearing each)
  #policy;
  #relay;
  #have = { hashes: new Set(), timer: null };  // files we completed, to be announced (#announce)
  #askEveryone = new Set();  // hashes whose next attempt asks every member (one arrived)
  #inRoom = false;  // joined once
  #rejoined = false;  // joined again since (a failover, a merge)
  // Entries with a seq up to this are the history the room handed over when we last (re)joined (the
  // status says where it ends): on a first join they wait for a person to ask (fetch()); entries after
  // it arrive live: shared while we are in the room, so fetched at once. After a rejoin, a file entry
  // of the history we had not seen is fetched too: it was shared while we were a member. Neither
  // depends on anyone's clock.
  #historyEnd = Infinity;
  #settled = false; // host or guest, not re-forming after a failover

  /**
   * identity: this member's { publicKey, sign(text) } (webchat.js's). With it, each direct link's
   * description is signed, and one from a member is accepted only under the key the room lists for
   * it (docs/files.md): a host rewriting them to sit in the middle gets no link.
   */
  constructor(room, core, { maxFileBytes, autoFetchBytes = maxFileBytes, rtcConfig, identity = null } = {}) {
    this.#room = room;
    this.#autoFetchBytes = autoFetchBytes;
    // A relay the room refuses (the member just left, the rate limit): that link never opens, and the
    // transfer moves on to another holder after the link's timeout.
    const relay = (peer, text) => { try { room.relay(peer, text); } catch { /* see above */ } };
    this.#relay = relay;
    this.#policy = new ResumePolicy({
      retry: (hash) => {
        const entry = this.#entries.get(hash);
        const everyone = this.#askEveryone.delete(hash);
        this.#resume(hash, everyone ? this.#holders(entry).filter((id) => !this.#cutOff.has(id)) : this.#knownHolders(hash));
      },
      holdersPresent: (hash) => this.#knownHolders(hash).length > 0,
    });
    const sign = identity && ((text) => identity.sign(text));
    const verify = identity && (async (peer, text, sig) => {
      const key = this.#members.find((m) => m.id === peer)?.key;
      return Boolean(key) && verifySignature(key, text, sig);
    });
    this.#share = new FileShare({ core, selfId: room.selfId, relay, rtcConfig, maxFileBytes, sign, verify });
    const share = this.#share;
    share.addEventListener('progress', ({ detail }) => {
      this.#policy.moved(detail.hash);
      this.#setState(detail.hash, { state: 'downloading', bytes: detail.bytes, size: detail.size, resuming: false });
      this.#emit('fileprogress', { hash: detail.hash, direction: 'down', bytes: detail.bytes, size: detail.size });
    });
    share.addEventListener('received', ({ detail }) => {
      this.#downloads.delete(detail.hash);
      this.#policy.forget(detail.hash);
      this.#setState(detail.hash, { state: 'held', bytes: detail.blob.size, size: detail.blob.size, cutoff: null, resuming: false });
      this.#announce(detail.hash);
      this.#emit('file', { hash: detail.hash, blob: detail.blob, entry: this.#entries.get(detail.hash) });
      if (detail.cutoff) this.#cutOffAfter(detail.hash, detail.cutoff);
    });
    share.addEventListener('ended', ({ detail }) => this.#ended(detail));
    // A holder that goes on sending once a file arrived whole: nothing else reports it.
    share.addEventListener('cutoff', ({ detail }) => {
      if (detail.peer) this.#cutOff.add(detail.peer);
      if (detail.hash && this.#states.get(detail.hash)?.state === 'held' && !this.#downloads.has(detail.hash)) this.#cutOffAfter(detail.hash, detail);
    });
    share.addEventListener('upload', ({ detail }) => {
      this.#emit('fileprogress', { hash: detail.hash, direction: 'up', bytes: detail.bytes, size: detail.size, peer: detail.peer, done: detail.done, reason: detail.reason });
    });
    room.addEventListener('relay', ({ detail }) => {
      if (!this.#onHave(detail.from, detail.data)) share.relayed(detail.from, detail.data);
    });
    room.addEventListener('members', ({ detail }) => this.#onMembers(detail));
    room.addEventListener('message', ({ detail }) => {
      // A live line makes transfers make way (a file's own entry is no conversation, a history handed
      // over is no line on its way to a person).
      if (detail.kind !== 'file' && this.#live(detail)) chatMoved();
      this.#onEntry(detail);
    });
    room.addEventListener('typing', chatMoved);  // a line is coming: transfers make way already
    // A nickname change is conversation too (the room says "bob is now known as robert").
    room.addEventListener('notice', ({ detail }) => { if (detail.kind === 'renamed') chatMoved(); });
    room.addEventListener('status', ({ detail }) => {
      const settled = detail.state === 'host' || detail.state === 'guest';
      if (settled && !this.#settled) {  // (re)joined: its history follows, up to historyEnd
        this.#rejoined = this.#inRoom;
        this.#historyEnd = detail.historyEnd ?? 0;
      }
      this.#settled = settled;
      if (this.#settled) {
        this.#inRoom = true;
        this.#onMembers(room.members);  // what changed while it was not settled
      }
      // Left: what was received is freed. Ended under us (the host closed it...): the page keeps the
      // conversation readable, its files too.
      if (detail.state === 'closed') {
        share.close({ keepFiles: Boolean(detail.error) });
        this.#policy.close();
        clearTimeout(this.#have.timer);
      }
    });
    this.#members = room.members;
    for (const entry of room.history) this.#onEntry(entry);
  }

  get maxFileBytes() { return this.#share.maxFileBytes; }

  /** Hashes `file`, serves it, and returns the file entry's fields for the room to announce. */
  async prepare(file) {
    const { hash, size } = await this.#share.share(file);
    this.#setState(hash, { state: 'held', bytes: size, size });
    return { name: shownName(file.name), size, type: /^[ -~]{0,127}$/.test(file.type ?? '') ? file.type ?? '' : '', hash };
  }

  /**
   * This member types, or sends a line (a reply too), an edit, a delete, a reaction or a new
   * nickname: its entry is coming or on its way, transfers make way (chat-first.js). Relayed texts
   * (the links' own signaling) and file entries do not count.
   */
  chatting() { chatMoved(); }

  /** The shared file or received Blob of `hash`, or null. */
  blob(hash) { return this.#share.blob(hash); }

  /** { state: 'held'|'downloading'|'incomplete'|'cancelled'|'failed'|'none', bytes, size, reason, cutoff } */
  state(hash) { return { state: 'none', bytes: 0, size: this.#entries.get(hash)?.file?.size ?? 0, ...this.#states.get(hash) }; }

  /** Pulls the file of a history entry (by its hash) from whoever holds it. */
  fetch(hash) {
    const entry = this.#entries.get(hash);
    if (!entry) throw new RangeError('no such file in the history');
    if (this.#share.holds(hash)) return;
    const under = this.#downloads.get(hash);
    if (under !== undefined) {
      // "Try again" on an incomplete download: ask the holders again from the bytes it has.
      if (this.#states.get(hash)?.state !== 'incomplete') return;
      this.#policy.asked(hash);
      return this.#resume(hash, this.#holders(entry));
    }
    const transfer = this.#share.fetch(entry.file, this.#holders(entry));
    this.#downloads.set(hash, transfer);
    this.#policy.attempted(hash);
    this.#setState(hash, { state: 'downloading', bytes: 0, size: entry.file.size });
  }

  /** Stops a download; for our own file, stops serving it (members pulling it see it cancelled). */
  cancel(hash) {
    const transfer = this.#downloads.get(hash);
    this.#policy.forget(hash);
    if (transfer !== undefined) return this.#share.cancel(transfer);
    const entry = this.#entries.get(hash);
    if (entry?.from === this.#room.selfId || this.#share.holds(hash)) {
      this.#share.withdraw(hash);
      this.#setState(hash, { state: 'cancelled', reason: 'cancelled' });
    }
  }

  // The author first, then everyone else in join order: any member that completed it serves it on.
  #holders(entry) {
    const others = this.#members.map((m) => m.id).filter((id) => id !== entry.from && id !== this.#room.selfId);
    return [entry.from, ...others];
  }

  // The members in the room that hold the file as far as we know: its author (unless it showed it
  // does not), then those that said they completed it, in join order.
  #knownHolders(hash) {
    const entry = this.#entries.get(hash);
    if (!entry) return [];
    const said = this.#holding.get(hash);
    const holds = (id) => said?.get(id) ?? id === entry.from;
    const asked = (id) => id !== this.#room.selfId && !this.#cutOff.has(id);  // our own file after a reload: not us
    return this.#holders(entry).filter((id) => asked(id) && this.#members.some((m) => m.id === id) && holds(id));
  }

  // Asks `holders` again for an incomplete download, from the bytes it has.
  #resume(hash, holders) {
    const transfer = this.#downloads.get(hash);
    const state = this.#states.get(hash);
    if (transfer === undefined || state?.state !== 'incomplete') return;
    if (!holders.some((id) => id !== this.#room.selfId)) {  // nobody to ask: it waits for a holder
      return this.#incomplete(hash, { ...state, resuming: this.#policy.incomplete(hash) });
    }
    this.#policy.attempted(hash);
    this.#setState(hash, { state: 'downloading', cutoff: null, resuming: false });
    this.#share.retry(transfer, holders);
  }

  // A member that completed a file tells every other member (a relayed {type: 'files-have', hashes}):
  // one whose download of it stopped asks it at once. Batched: at most one text per member every
  // HAVE_EVERY_MS, whatever the number of files.
  #announce(hash) {
    this.#have.hashes.add(hash);
    this.#have.timer ??= setTimeout(() => {
      this.#have.timer = null;
      const hashes = [...this.#have.hashes].slice(0, HAVE_MAX_HASHES);
      for (const done of hashes) this.#have.hashes.delete(done);
      const text = JSON.stringify({ type: 'files-have', hashes });
      for (const { id } of this.#members) if (id !== this.#room.selfId) this.#relay(id, text);
      if (this.#have.hashes.size > 0) this.#announce([...this.#have.hashes][0]);
    }, HAVE_EVERY_MS);
  }

  // A relayed text saying its sender holds files whole; false for any other text (a link's signaling).
  #onHave(from, data) {
    let message;
    try { message = JSON.parse(data); } catch { return false; }
    if (message?.type !== 'files-have') return false;
    // From a member cut off, from a non-member or malformed: not believed (dropped, said in the console).
    if (!Array.isArray(message.hashes) || !this.#members.some((m) => m.id === from) || this.#cutOff.has(from)) {
      console.warn(`webchat: a files-have text from ${from} was dropped (malformed, not a member, or cut off)`);
      return true;
    }
    for (const hash of message.hashes.slice(0, HAVE_MAX_HASHES)) {
      if (typeof hash !== 'string' || !this.#entries.has(hash)) continue;
      this.#said(hash, from, true);
      // Once per member and file: saying it again does not make a download skip its back-off.
      const key = `${hash} ${from}`;
      if (this.#appeared.has(key)) continue;
      this.#appeared.add(key);
      if (this.#downloads.has(hash)) this.#policy.holderAppeared(hash);
    }
    return true;
  }

  #said(hash, member, holds) {
    if (!this.#holding.has(hash)) this.#holding.set(hash, new Map());
    this.#holding.get(hash).set(member, holds);
  }

  #onEntry(entry) {
    if (entry.kind !== 'file' || !entry.file) return;
    const known = this.#entries.has(entry.file.hash);  // seen before: a history handed over again
    this.#entries.set(entry.file.hash, entry);
    if (entry.from === this.#room.selfId || known || !(this.#live(entry) || this.#rejoined)) return;
    if (entry.file.size <= this.#autoFetchBytes) {
      try {
        this.fetch(entry.file.hash);
      } catch (error) {
        if (!(error instanceof FileError)) throw error;
        this.#setState(entry.file.hash, { state: 'failed', reason: error.code });
        this.#emit('fileended', { hash: entry.file.hash, outcome: 'failed', reason: error.code });
      }
    }
  }

  /** Whether an entry arrives live, not with a history handed over (see #historyEnd). */
  #live(entry) {
    return this.#inRoom && entry.seq > this.#historyEnd;
  }

  #onMembers(members) {
    // While the room re-forms (its host gone) the list is in flux, but the direct links do not
    // depend on the host: transfers between two members go on. Only a settled list says who left.
    if (!this.#settled) return;
    const present = new Set(members.map((m) => m.id));
    const gone = this.#members.filter((m) => !present.has(m.id));
    const arrived = members.some((m) => !this.#members.some((old) => old.id === m.id));
    this.#members = members;  // first: what the gone members carried ends with them no longer holders
    for (const member of gone) this.#share.memberGone(member.id);
    // A download that was to be asked again by itself, its holders gone: it waits for one now.
    for (const hash of this.#policy.holdersChanged()) this.#incomplete(hash, { ...this.#states.get(hash), resuming: false });
    // Someone new may hold what nobody else did (a member back after a reload): ask everyone again
    // (within the policy's rate).
    if (!arrived) return;
    for (const hash of this.#downloads.keys()) {
      if (this.#states.get(hash)?.state === 'incomplete') {
        this.#askEveryone.add(hash);
        this.#policy.holderAppeared(hash);
      }
    }
  }

  // An incomplete download, said: `resuming` when it will be asked again by itself.
  #incomplete(hash, { reason, cutoff = null, resuming }) {
    this.#setState(hash, { state: 'incomplete', reason, cutoff, resuming });
    this.#emit('fileended', cutoff ? { hash, outcome: 'incomplete', reason, cutoff, resuming } : { hash, outcome: 'incomplete', reason, resuming });
  }

  #ended({ transfer, hash, outcome, reason, stops = [], cutoff = null }) {
    const author = this.#entries.get(hash)?.from;
    if (outcome === 'incomplete' && stops.some((stop) => stop.peer === author && stop.reason === 'withdrawn')) {
      // Its author stopped sharing it (the sender cancelled) and nobody else had it all: what was
      // stored is freed; the 'cancelled' that follows is quiet.
      this.#setState(hash, { state: 'cancelled', reason: 'withdrawn' });
      this.#emit('fileended', { hash, outcome: 'cancelled', reason: 'withdrawn' });
      return this.#share.cancel(transfer);
    }
    const quiet = outcome === 'cancelled' && this.#states.get(hash)?.state === 'cancelled';
    if (outcome !== 'incomplete') {
      this.#downloads.delete(hash);
      this.#policy.forget(hash);
    }
    if (quiet) return;
    // A member that broke the protocol (bytes outside the file, bytes failing the hash...) was cut
    // off: the page says who and why.
    const cut = cutoff && this.#who(cutoff);
    if (outcome === 'incomplete') {
      // Who showed it does not hold the file (answered so, stopped sharing it, was cut off) is not
      // asked again by itself; a holder silent, stalled, busy or whose link dropped still is.
      for (const stop of stops) if (!TRANSIENT_STOPS.has(stop.reason)) this.#said(hash, stop.peer, false);
      if (cutoff) {
        this.#said(hash, cutoff.peer, false);
        this.#cutOff.add(cutoff.peer);
      }
      return this.#incomplete(hash, { reason, cutoff: cut, resuming: this.#policy.incomplete(hash) });
    }
    this.#setState(hash, { state: outcome, reason, cutoff: cut, resuming: false });
    this.#emit('fileended', cut ? { hash, outcome, reason, cutoff: cut } : { hash, outcome, reason });
  }

  // A file held whole, whose sender was cut off: the file stays; the page says who and why.
  #cutOffAfter(hash, cutoff) {
    const cut = this.#who(cutoff);
    this.#setState(hash, { cutoff: cut });
    this.#emit('filecutoff', { hash, cutoff: cut });
  }

  #who({ peer, reason }) {
    return { from: peer, nick: this.#members.find((m) => m.id === peer)?.nick ?? '', reason };
  }

  #setState(hash, fields) {
    this.#states.set(hash, { ...this.#states.get(hash), ...fields });
  }

  #emit(type, detail) {
    this.#room.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
