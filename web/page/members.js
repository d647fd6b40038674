// The member list: each member's nickname in its colour, with who hosts and which one is you.

import { paintNick } from './nicknames.js';

function badge(text, className) {
  const span = document.createElement('span');
  span.className = `badge ${className}`;
  span.textContent = text;
  return span;
}

/** members: [{ id, nick, host, self }] from webchat.js, in join order. */
export function showMembers(list, count, members) {
  count.textContent = String(members.length);
  list.replaceChildren(...members.map((member) => {
    const li = document.createElement('li');
    li.dataset.id = member.id;
    li.classList.toggle('host', member.host);
    li.classList.toggle('self', member.self);
    const nick = document.createElement('span');
    nick.className = 'nick';
    paintNick(nick, member.nick);
    li.append(nick);
    if (member.host) li.append(' ', badge('host', 'host-badge'));
    if (member.self) li.append(' ', badge('you', 'self-badge'));
    return li;
  }));
}
