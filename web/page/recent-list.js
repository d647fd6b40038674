// The start page's list of recent rooms: a button to join each, and one to forget it.

/** rooms: [{ room }] newest first; onJoin(room) and onForget(room) act on a click. */
export function showRecentRooms(section, list, rooms, { onJoin, onForget }) {
  section.hidden = rooms.length === 0;
  list.replaceChildren(...rooms.map(({ room }) => {
    const li = document.createElement('li');
    const join = document.createElement('button');
    join.type = 'button';
    join.className = 'rejoin secondary';
    join.textContent = room;
    join.addEventListener('click', () => onJoin(room));
    const forget = document.createElement('button');
    forget.type = 'button';
    forget.className = 'forget secondary';
    forget.textContent = '✕';
    forget.title = `Forget “${room}”`;
    forget.setAttribute('aria-label', `Forget room ${room}`);
    forget.addEventListener('click', () => onForget(room));
    li.append(join, forget);
    return li;
  }));
}
