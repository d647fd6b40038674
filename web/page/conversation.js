// The message list: chat lines (time, coloured nickname, text in safe Markdown) and system notices,
// kept in the room's order, scrolled to the newest line unless the reader has scrolled up; a line
// that mentions us is highlighted, and a marker shows where unread lines begin.

import { renderMarkdown } from './markdown.js';
import { paintNick } from './nicknames.js';

const NEAR_BOTTOM_PX = 48;  // within this of the end counts as "reading the newest lines"

/** "12:04": a line's time as shown. */
function clockTime(time) {
  return new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export class Conversation {
  #list;
  #jump;
  #lines = new Map();  // seq → <li>: a line that comes again (after a failover) replaces its twin
  #markNext = false;   // the next line from someone else starts the unread ones
  #marker = null;

  /** list: the <ol> of lines; jump: a button shown when new lines arrive out of view. */
  constructor(list, jump) {
    this.#list = list;
    this.#jump = jump;
    list.addEventListener('scroll', () => {
      if (this.#nearBottom()) jump.hidden = true;
    });
    jump.addEventListener('click', () => this.#scrollToEnd());
  }

  /**
   * message: { seq, from, nick, text, time } from webchat.js. me: { id, nick, nicks } (our member id,
   * our nickname, every member's nickname for @mentions). Returns the line's <li>; it has the class
   * "mentioned" when the line mentions us.
   */
  addMessage({ seq, from, nick, text, time }, me) {
    const li = document.createElement('li');
    const own = from === me.id;
    li.className = own ? 'line self' : 'line';
    li.dataset.seq = seq;
    const stamp = document.createElement('time');
    const when = new Date(time);
    stamp.dateTime = when.toISOString();
    stamp.title = when.toLocaleString();
    stamp.textContent = clockTime(time);
    const who = document.createElement('span');
    who.className = 'nick';
    paintNick(who, nick);
    const body = document.createElement('span');
    body.className = 'text';
    const mentioned = renderMarkdown(body, text, { nicks: me.nicks, self: me.nick }) && !own;
    li.classList.toggle('mentioned', mentioned);
    // Real separators, so copying a line or reading it aloud gives "12:04 bob: hi", not "12:04bobhi".
    li.append(stamp, ' ', who, ': ', body);

    const twin = this.#lines.get(seq);
    this.#lines.set(seq, li);
    if (twin) {
      twin.replaceWith(li);
      return li;
    }
    const next = this.#firstLineAfter(seq);
    this.#show(li, next);
    if (this.#markNext && !own) this.#markUnread(li);
    return li;
  }

  /** The next line from someone else is the first unread one (the reader looked away). */
  markNextUnread() {
    this.#markNext = true;
  }

  #markUnread(li) {
    this.#markNext = false;
    this.#marker?.remove();
    this.#marker = document.createElement('li');
    this.#marker.className = 'unread-marker';
    this.#marker.setAttribute('role', 'separator');
    this.#marker.textContent = 'New';
    li.before(this.#marker);
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
    this.#marker = null;
    this.#markNext = false;
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
