// The member list: each member's nickname in its colour, with who hosts and which one is you, and
// for each other member the safety code to compare and a flag when its key changed.

import { paintNick } from './nicknames.js';

function badge(text, className) {
  const span = document.createElement('span');
  span.className = `badge ${className}`;
  span.textContent = text;
  return span;
}

/** How our link with a member goes: "direct · 12 ms" or "relayed · 40 ms" (relayed through TURN). */
export function linkWords({ type, rtt }) {
  return rtt === null ? type : `${type} · ${rtt} ms`;
}

/**
 * members: [{ id, nick, host, self, link?, code?, keyChanged? }] from webchat.js and trust.js, in join order.
 * onTrust(member): the person trusts a member's changed key.
 */
export function showMembers(list, count, members, onTrust = () => {}) {
  count.textContent = String(members.length);
  list.replaceChildren(...members.map((member) => {
    const li = document.createElement('li');
    li.dataset.id = member.id;
    li.classList.toggle('host', member.host);
    li.classList.toggle('self', member.self);
    const nick = document.createElement('span');
    nick.className = 'nick';
    paintNick(nick, member.nick);
    nick.title = member.nick;  // whole, where the row has to cut it short
    // One row: the nickname, then its badges, each kept whole (style.css: the badges wrap, or the
    // nickname is cut short, rather than a badge broken).
    const row = document.createElement('span');
    row.className = 'member';
    row.append(nick);
    if (member.host) row.append(' ', badge('host', 'host-badge'));
    if (member.self) row.append(' ', badge('you', 'self-badge'));
    if (member.link) row.append(' ', badge(linkWords(member.link), `link-badge ${member.link.type}`));
    if (member.keyChanged) row.append(' ', badge('key changed', 'warn-badge'));
    li.append(row);
    if (member.keyChanged) {
      li.classList.add('key-changed');
      const trust = document.createElement('button');
      trust.type = 'button';
      trust.className = 'quiet trust';
      trust.textContent = 'Trust the new key';
      trust.addEventListener('click', () => onTrust(member));
      li.append(trust);
    }
    if (member.code) {
      const code = document.createElement('span');
      code.className = 'safety-code';
      code.title = `Safety code with ${member.nick}: the same on both your pages unless someone is in between`;
      code.textContent = member.code;
      li.append(code);
    }
    return li;
  }));
}
