// The message list: chat lines (time, coloured nickname, text with safe links) and system notices,
// kept in the room's order, scrolled to the newest line unless the reader has scrolled up.

import { appendLinkified } from './linkify.js';
import { nickHue } from './nicknames.js';

const NEAR_BOTTOM_PX = 48;  // within this of the end counts as "reading the newest lines"

export class Conversation {
  #list;
  #jump;
  #lines = new Map();  // seq → <li>: a line that comes again (after a failover) replaces its twin

  /** list: the <ol> of lines; jump: a button shown when new lines arrive out of view. */
  constructor(list, jump) {
    this.#list = list;
    this.#jump = jump;
    list.addEventListener('scroll', () => {
      if (this.#nearBottom()) jump.hidden = true;
    });
    jump.addEventListener('click', () => this.#scrollToEnd());
  }

  /** message: { seq, from, nick, text, time } from webchat.js; selfId marks our own lines. */
  addMessage({ seq, from, nick, text, time }, selfId) {
    const li = document.createElement('li');
    li.className = from === selfId ? 'line self' : 'line';
    li.dataset.seq = seq;
    const stamp = document.createElement('time');
    const when = new Date(time);
    stamp.dateTime = when.toISOString();
    stamp.title = when.toLocaleString();
    stamp.textContent = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const who = document.createElement('span');
    who.className = 'nick';
    who.style.setProperty('--hue', nickHue(nick));
    who.textContent = nick;
    const body = document.createElement('span');
    body.className = 'text';
    appendLinkified(body, text);
    li.append(stamp, who, body);

    const twin = this.#lines.get(seq);
    this.#lines.set(seq, li);
    if (twin) return twin.replaceWith(li);
    const next = this.#firstLineAfter(seq);
    this.#show(li, next);
  }

  /** A system line: someone joined or left, the host changed, the room closed. */
  addNotice(text, tone = 'info') {
    const li = document.createElement('li');
    li.className = `notice ${tone}`;
    li.textContent = text;
    this.#show(li, null);
  }

  /** Drops the chat lines but keeps the notices: the room's history is about to be handed over again. */
  clearLines() {
    for (const li of this.#lines.values()) li.remove();
    this.#lines.clear();
  }

  clear() {
    this.#lines.clear();
    this.#list.replaceChildren();
    this.#jump.hidden = true;
  }

  // Lines normally arrive in order; history handed over after a join may interleave with live ones.
  #firstLineAfter(seq) {
    const last = this.#list.lastElementChild;
    if (!last || Number(last.dataset.seq ?? -1) < seq) return null;
    for (const [other, li] of this.#lines) if (other > seq && li.isConnected) return li;
    return null;
  }

  #show(li, before) {
    const follow = this.#nearBottom();
    this.#list.insertBefore(li, before);
    if (follow) this.#scrollToEnd();
    else this.#jump.hidden = false;
  }

  #nearBottom() {
    const list = this.#list;
    return list.scrollHeight - list.scrollTop - list.clientHeight <= NEAR_BOTTOM_PX;
  }

  #scrollToEnd() {
    this.#list.scrollTop = this.#list.scrollHeight;
    this.#jump.hidden = true;
  }
}
