// One line of the conversation as DOM nodes: what it answers (a quote that links to the original),
// "time nick: text" with real separators, "(edited)", "sending…", "held back…" or "not sent", its reactions, and
// the actions a reader has on it (reply, react, and for one's own lines edit and delete).

import { plainSnippet, renderMarkdown } from './markdown.js';
import { paintNick } from './nicknames.js';

export const REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'];

/** "12:04": a line's time as shown. */
export function clockTime(time) {
  return new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** The DOM id of line `mid` (ids come from peers: only ever used as an attribute value). */
export const lineId = (mid) => `line-${mid}`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(className, text, label, onClick) {
  const node = element('button', `${className} plain`, text);
  node.type = 'button';
  if (label) node.setAttribute('aria-label', label);
  node.title = label ?? text;
  node.addEventListener('click', onClick);
  return node;
}

/**
 * line: from thread.js. me: { id, nick, nicks, canAct } (canAct: the module can reply, react, edit
 * and delete). quoted: the line it answers (or undefined).
 * act: { reply(mid), react(mid, emoji, on), edit(mid), remove(mid), jump(mid), discard(mid) }.
 * Returns the <li>; its class "mentioned" says the line mentions us.
 */
export function renderLine(line, me, quoted, act) {
  const own = line.from === me.id;
  const li = element('li', own ? 'line self' : 'line');
  li.id = lineId(line.mid);
  li.tabIndex = -1;  // a tap or the arrow keys focus it, and its actions show
  li.dataset.mid = line.mid;
  li.dataset.seq = String(line.seq);
  li.classList.toggle('pending', line.pending && !line.failed);
  li.classList.toggle('failed', line.failed);
  li.classList.toggle('deleted', line.deleted);

  if (line.reply) {
    const quote = element('a', 'reply-to');
    quote.href = `#${lineId(line.reply)}`;
    if (quoted) {
      const nick = element('span', 'nick');
      paintNick(nick, quoted.nick);
      const snippet = quoted.deleted ? 'a deleted line' : plainSnippet(quoted.text, 100);  // as text, never elements
      quote.append('↪ ', nick, `: ${snippet}`);
    } else {
      quote.append('↪ a line no longer kept');
    }
    quote.addEventListener('click', (event) => {
      event.preventDefault();  // the address's hash names the room: never change it
      act.jump(line.reply);
    });
    li.append(quote);
  }

  const stamp = element('time', '', clockTime(line.time));
  const when = new Date(line.time);
  stamp.dateTime = when.toISOString();
  stamp.title = when.toLocaleString();
  const who = element('span', 'nick');
  paintNick(who, line.nick);
  const body = element('span', 'text');
  let mentioned = false;
  if (line.deleted) body.append(element('em', 'deleted-note', 'deleted'));
  else mentioned = renderMarkdown(body, line.text, { nicks: me.nicks, self: me.nick }) && !own;
  if (line.file && !line.deleted) act.file?.(body, line);  // a shared file's card (page/files.js)
  li.classList.toggle('mentioned', mentioned);
  // Real separators, so copying a line or reading it aloud gives "12:04 bob: hi", not "12:04bobhi".
  li.append(stamp, ' ', who, ': ', body);
  if (line.edited && !line.deleted) li.append(' ', element('span', 'edited', '(edited)'));
  if (line.failed) li.append(' ', element('span', 'state failed', '⚠ not sent'));
  else if (line.throttled) li.append(' ', element('span', 'state throttled', 'held back: too many lines at once, sending again…'));
  else if (line.pending) li.append(' ', element('span', 'state', 'sending…'));

  if (line.reactions.size) {
    const chips = element('span', 'reactions');
    for (const [emoji, who] of line.reactions) {
      const mine = who.has(me.id);
      const chip = button('reaction', `${emoji} ${who.size}`, `${emoji} from ${[...who.values()].join(', ')}`,
                          () => act.react(line.mid, emoji, !mine));
      chip.setAttribute('aria-pressed', String(mine));
      chips.append(chip);
    }
    li.append(chips);
  }

  const actions = element('span', 'actions');
  if (line.failed) {
    actions.append(button('discard', 'Remove', 'Remove this unsent line', () => act.discard(line.mid)));
  } else if (!line.pending && !line.deleted && me.canAct) {
    actions.append(button('reply', '↩', 'Reply', () => act.reply(line.mid)));
    const picker = element('span', 'picker');
    picker.setAttribute('role', 'group');
    picker.setAttribute('aria-label', 'React');
    for (const emoji of REACTIONS) {
      const mine = line.reactions.get(emoji)?.has(me.id) ?? false;
      const choice = button('react', emoji, `React with ${emoji}`, () => act.react(line.mid, emoji, !mine));
      choice.setAttribute('aria-pressed', String(mine));
      picker.append(choice);
    }
    actions.append(picker);
    if (own) {
      actions.append(button('edit', '✎', 'Edit', () => act.edit(line.mid)),
                     button('delete', '🗑', 'Delete', () => act.remove(line.mid)));
    }
  }
  li.append(actions);
  return li;
}

/** What a line says, as a screen reader should hear it: "12:04 bob: hi" (no buttons). */
export function lineSpeech(li) {
  const part = (selector) => li.querySelector(`:scope > ${selector}`)?.textContent ?? '';
  return `${part('time')} ${part('.nick')}: ${part('.text')}`;
}
