// The message list: lines in the room's order (each drawn by line-view.js from thread.js's folding of
// the history), system notices, our own lines waiting for the host at the end, the unread marker,
// auto-scroll that stops when the reader scrolls up, and arrow keys to move from line to line.

import { lineId, renderLine } from './line-view.js';
import { Thread } from './thread.js';

const NEAR_BOTTOM_PX = 48;  // within this of the end counts as "reading the newest lines"

export class Conversation {
  #list;
  #jump;
  #thread = new Thread();
  #items = new Map();  // mid → <li>
  #markNext = false;   // the next line from someone else starts the unread ones
  #marker = null;
  #me = { id: '', nick: '', nicks: [] };
  #act;

  /**
   * list: the <ol> of lines; jump: a button shown when new lines arrive out of view; act: what the
   * lines' buttons do ({ reply, react, edit, remove, discard }, each given the line's mid).
   */
  constructor(list, jump, act) {
    this.#list = list;
    this.#jump = jump;
    this.#act = { ...act, jump: (mid) => this.focusLine(mid) };
    list.addEventListener('scroll', () => {
      if (this.#nearBottom()) jump.hidden = true;
    });
    jump.addEventListener('click', () => this.#scrollToEnd());
    list.addEventListener('keydown', (event) => this.#onKey(event));
  }

  /** Who we are: { id, nick, nicks } (member id, nickname, every member's nickname for @mentions). */
  set me(me) {
    this.#me = me;
  }

  /** The line `mid` as folded (see thread.js), or undefined. */
  line(mid) {
    return this.#thread.line(mid);
  }

  /**
   * An entry of the history (any kind). Returns the <li> of a line that just appeared (not one that
   * changed or came again), so the caller can announce it; otherwise null.
   */
  addEntry(entry) {
    const mid = this.#thread.apply(entry);
    if (!mid) return null;
    const isNew = !this.#items.has(mid);
    const li = this.#draw(mid);
    if (isNew && this.#markNext && entry.from !== this.#me.id) this.#markUnread(li);
    // Lines that answer this one show its new text.
    for (const [other, item] of this.#items) if (this.#thread.line(other)?.reply === mid && item !== li) this.#draw(other);
    return isNew && (entry.kind ?? 'text') === 'text' ? li : null;
  }

  /** One of our lines, not sequenced yet: shown at the end as "sending…". */
  addPending(line) {
    this.#draw(this.#thread.addPending(line));
  }

  /** Our line `mid` could not be sent: marked so. */
  markFailed(mid) {
    if (this.#thread.markFailed(mid)) this.#draw(mid);
  }

  /** Our line `mid` waits: the host took too many at once (it is sent again shortly). */
  markThrottled(mid) {
    if (this.#thread.markThrottled(mid)) this.#draw(mid);
  }

  /** Removes a line that was never sent. */
  discard(mid) {
    this.#items.get(mid)?.remove();
    this.#items.delete(mid);
    this.#thread.drop(mid);
  }

  /** Draws every line again (members changed: mentions depend on who is here). */
  redrawAll() {
    for (const mid of this.#items.keys()) this.#draw(mid);
  }

  /** The next line from someone else is the first unread one (the reader looked away). */
  markNextUnread() {
    this.#markNext = true;
  }

  /** Scrolls to line `mid` and gives it the focus (a reply's quote leads here). */
  focusLine(mid) {
    const li = this.#items.get(mid);
    if (!li) return;
    li.scrollIntoView({ block: 'center' });
    li.focus({ preventScroll: true });
    li.classList.add('flash');
    setTimeout(() => li.classList.remove('flash'), 1500);
  }

  /** A system line: someone joined or left, the host changed, the room closed. */
  addNotice(text, tone = 'info') {
    const li = document.createElement('li');
    li.className = `notice ${tone}`;
    li.textContent = text;
    this.#show(li, this.#firstPending());
  }

  /** Drops the chat lines but keeps the notices: the room's history is about to be handed over again. */
  clearLines() {
    for (const li of this.#items.values()) li.remove();
    this.#items.clear();
    this.#thread.clear();
  }

  clear() {
    this.#items.clear();
    this.#thread.clear();
    this.#marker = null;
    this.#markNext = false;
    this.#list.replaceChildren();
    this.#jump.hidden = true;
  }

  #draw(mid) {
    const line = this.#thread.line(mid);
    const li = renderLine(line, this.#me, line.reply ? this.#thread.line(line.reply) : undefined, this.#act);
    const old = this.#items.get(mid);
    this.#items.set(mid, li);
    if (old && Number(old.dataset.seq) === line.seq) {
      const focused = old.contains(document.activeElement);
      old.replaceWith(li);
      if (focused) li.focus();
    } else {
      old?.remove();
      this.#show(li, this.#firstAfter(line.seq, li));
    }
    return li;
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

  // The element a line of `seq` goes before: lines normally arrive in order (only our pending ones,
  // seq Infinity, come after), history handed over after a join may interleave with live ones.
  #firstAfter(seq, self) {
    let before = null;
    for (let item = this.#list.lastElementChild; item; item = item.previousElementSibling) {
      if (item === self || !item.classList.contains('line')) continue;
      if (Number(item.dataset.seq) > seq) before = item;
      else break;
    }
    return before;
  }

  #firstPending() {
    return this.#firstAfter(Number.MAX_SAFE_INTEGER, null);
  }

  #show(li, before) {
    const follow = this.#nearBottom();
    this.#list.insertBefore(li, before);
    if (follow) this.#scrollToEnd();
    else this.#jump.hidden = false;
  }

  // Up and Down move between lines (their actions show on the focused one), Escape back to the list.
  #onKey(event) {
    if (!['ArrowUp', 'ArrowDown', 'Home', 'End', 'Escape'].includes(event.key)) return;
    if (event.target.closest('button') && event.key !== 'Escape') return;
    const lines = [...this.#list.querySelectorAll(':scope > li.line')];
    if (!lines.length) return;
    const current = event.target.closest('li.line');
    if (event.key === 'Escape') {
      if (current) this.#list.focus();
      return;
    }
    let index = current ? lines.indexOf(current) : lines.length;
    if (event.key === 'ArrowUp') index = Math.max(0, index - 1);
    else if (event.key === 'ArrowDown') index = Math.min(lines.length - 1, index + (current ? 1 : 0));
    else index = event.key === 'Home' ? 0 : lines.length - 1;
    event.preventDefault();
    lines[index].focus();
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
