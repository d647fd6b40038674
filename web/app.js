// The page: a join form and a chat view around one Room from webchat.js.
import { joinRoom } from './webchat.js';

const DEFAULT_SIGNAL = 'http://127.0.0.1:8080/sig';  // used when the page is opened from disk
const $ = (id) => document.getElementById(id);

const servedOverHttp = location.protocol === 'http:' || location.protocol === 'https:';
$('signal').value = servedOverHttp ? new URL('/sig', location.href).href : DEFAULT_SIGNAL;
$('room').value = decodeURIComponent(location.hash.slice(1)) || 'default';
$('nick').value = `guest-${Math.floor(Math.random() * 10000)}`;

let room = null;

function showStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

const STATE_TEXT = { joining: 'Joining…', host: 'Hosting the room', guest: 'In the room', closed: 'Left the room' };

$('join-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('join').disabled = true;
  showStatus('Joining…');
  try {
    room = await joinRoom({ room: $('room').value, nick: $('nick').value.trim(), signal: $('signal').value });
  } catch (error) {
    showStatus(error.message, true);
    $('join').disabled = false;
    return;
  }
  room.addEventListener('message', (e) => addMessage(e.detail));
  room.addEventListener('members', (e) => showMembers(e.detail));
  room.addEventListener('status', (e) => onStatus(e.detail));
  onStatus(room.status);
  showMembers(room.members);
  room.history.forEach(addMessage);
  $('join-form').hidden = true;
  $('chat').hidden = false;
  $('text').focus();
});

function onStatus({ state, message }) {
  showStatus(message ?? STATE_TEXT[state] ?? state, Boolean(message));
  if (state === 'closed') {
    $('chat').hidden = true;
    $('join-form').hidden = false;
    $('join').disabled = false;
    $('messages').replaceChildren();
    room = null;
  }
}

function showMembers(members) {
  $('members').replaceChildren(...members.map((m) => {
    const li = document.createElement('li');
    li.textContent = m.nick;  // text, never HTML
    li.classList.toggle('host', m.host);
    li.classList.toggle('self', m.self);
    return li;
  }));
}

function addMessage({ seq, nick, text, time }) {
  const li = document.createElement('li');
  li.dataset.seq = seq;
  const stamp = document.createElement('time');
  stamp.dateTime = new Date(time).toISOString();
  stamp.textContent = new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const who = document.createElement('span');
  who.className = 'nick';
  who.textContent = nick;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  li.append(stamp, who, body);
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
}

function sendTyped() {
  const text = $('text').value;
  if (!room || !text.trim()) return;
  try {
    room.send(text);
    $('text').value = '';
  } catch (error) {
    showStatus(error.message, true);
  }
}

$('send-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sendTyped();
});
$('text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    sendTyped();
  }
});
$('leave').addEventListener('click', () => room?.leave());
