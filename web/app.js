// The page: a join form and a chat view around one Room from webchat.js (the same module other
// sites embed). Everything a peer sends is shown with textContent or DOM calls, never as HTML.

import { joinRoom } from './webchat.js';
import { Announcer } from './page/announcer.js';
import { Attention } from './page/attention.js';
import { Conversation } from './page/conversation.js';
import { registerServiceWorker } from './page/install.js';
import { copyText, inviteLink, roomFromHash } from './page/invite.js';
import { showMembers } from './page/members.js';
import { randomNick } from './page/nicknames.js';
import { qrDataUrl } from './page/qrcode.js';
import { forgetRecentRoom, recentRooms, rememberJoin, savedNick } from './page/recent.js';
import { showRecentRooms } from './page/recent-list.js';
import { loadSettings, parseIceServers, saveSettings } from './page/settings.js';
import { describeNotice, describeStatus } from './page/status.js';
import { UnreadCounter } from './page/unread.js';

const $ = (id) => document.getElementById(id);
const conversation = new Conversation($('messages'), $('jump'));
const unread = new UnreadCounter('webchat', $('favicon'));
const announcer = new Announcer($('announcer'));
const attention = new Attention({ level: $('alert-level'), notify: $('alert-notify'), sound: $('alert-sound'), hint: $('alert-hint') });
let room = null;      // the Room we are in, or null
let roomName = '';

// --- Join form ---------------------------------------------------------------------------------
const settings = loadSettings();
$('signal').value = settings.signal;
$('ice').value = settings.ice;
$('nick').value = savedNick() || randomNick();
$('room').value = roomFromHash() || 'default';
$('nick').focus();  // Enter joins at once; typing replaces the offered nickname
$('nick').select();

for (const field of [$('signal'), $('ice')]) {
  field.addEventListener('input', () => saveSettings({ signal: $('signal').value, ice: $('ice').value }));
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') conversation.markNextUnread();
});
window.addEventListener('hashchange', () => {
  if (!room && roomFromHash()) $('room').value = roomFromHash();
});

// The connection's state: where this browser stands in the room. Send errors have their own line.
function showStatus({ text, tone }) {
  $('status').textContent = text;
  $('status').dataset.tone = tone;
}

function showRecent() {
  showRecentRooms($('recent'), $('recent-rooms'), recentRooms(), {
    onJoin: (name) => {
      $('room').value = name;
      $('join-form').requestSubmit();
    },
    onForget: (name) => {
      forgetRecentRoom(name);
      showRecent();
    },
  });
}
showRecent();

$('join-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const ice = parseIceServers($('ice').value);
  if (ice.problem) {
    $('settings').open = true;
    $('ice').focus();
    return showStatus({ text: ice.problem, tone: 'error' });
  }
  roomName = $('room').value;
  $('join').disabled = true;
  showStatus({ text: 'Connecting to the signaling server…', tone: 'busy' });
  // joinRoom says nothing until it is in; the core's probe for a host is what takes time.
  const probing = setTimeout(() => showStatus(describeStatus({ state: 'joining' }, roomName)), 150);
  try {
    enterRoom(await joinRoom({ room: roomName, nick: $('nick').value.trim(), signal: $('signal').value, iceServers: ice.servers }));
  } catch (error) {
    showStatus({ text: error.message, tone: 'error' });
    if (error.code === 'nick-taken' || error.code === 'nick-invalid') $('nick').select();
    if (error.code === 'room-invalid') $('room').select();
    if (/^server-/.test(error.code ?? '')) $('settings').open = true;
  } finally {
    clearTimeout(probing);
    $('join').disabled = false;
  }
});

// --- In a room ---------------------------------------------------------------------------------
function enterRoom(joined) {
  room = joined;
  rememberJoin(roomName, room.nick);
  history.replaceState(null, '', `#${encodeURIComponent(roomName)}`);  // the address names the room (file:// too)
  unread.title = `${roomName} · webchat`;
  conversation.clear();
  conversation.addNotice(`You joined “${roomName}” as ${room.nick}`);
  attention.enter(roomName);
  room.history.forEach((line) => conversation.addMessage(line, me()));
  room.addEventListener('message', ({ detail }) => {
    const line = conversation.addMessage(detail, me());
    if (detail.from === room.selfId) return;
    unread.lineArrived();
    attention.lineArrived(detail, line.classList.contains('mentioned'));
    announcer.say(line.textContent);  // "12:04 bob: hi", as shown (no Markdown marks)
  });
  room.addEventListener('historyreset', () => conversation.clearLines());  // notices stay: they happened
  room.addEventListener('members', ({ detail }) => showMembers($('members'), $('member-count'), detail));
  room.addEventListener('notice', ({ detail }) => conversation.addNotice(describeNotice(detail)));
  room.addEventListener('status', ({ detail }) => onStatus(detail));
  showMembers($('members'), $('member-count'), room.members);
  onStatus(room.status);
  setComposing(true);
  showSendError('');
  $('start').hidden = true;
  $('chat').hidden = false;
  $('text').focus();
}

// Who we are, for telling our lines and mentions of us apart.
function me() {
  return { id: room.selfId, nick: room.nick, nicks: room.members.map((member) => member.nick) };
}

function onStatus(status) {
  showStatus(describeStatus(status, roomName));
  if (status.state !== 'closed') return;
  if (!status.error) return backToJoinForm();  // we left: nothing more to read here
  // Ended under us (the host left, ...): keep the conversation readable, with why it ended.
  conversation.addNotice(status.message, 'error');
  setComposing(false);
  $('leave').textContent = 'Back';
}

function backToJoinForm() {
  room = null;
  unread.title = 'webchat';
  conversation.clear();
  showRecent();
  $('chat').hidden = true;
  $('start').hidden = false;
  $('leave').textContent = 'Leave';
  $('join').focus();
}

function setComposing(enabled) {
  $('text').disabled = !enabled;
  $('send').disabled = !enabled;
}

$('leave').addEventListener('click', () => {
  if (room?.status.state === 'closed') return backToJoinForm();
  room?.leave();
});

// --- Composer ----------------------------------------------------------------------------------
// A line that could not be sent: said under the composer until the next line goes or the text changes.
function showSendError(text) {
  $('send-error').textContent = text;
  $('send-error').hidden = !text;
}

function sendTyped() {
  const text = $('text').value;
  if (!room || !text.trim()) return;
  try {
    room.send(text);
    $('text').value = '';
    showSendError('');
  } catch (error) {
    showSendError(`Not sent: ${error.message}`);
  }
}

$('send-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sendTyped();
});
$('text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendTyped();
  }
});
$('text').addEventListener('input', () => showSendError(''));

// --- Invitations -------------------------------------------------------------------------------
const currentInvite = () => inviteLink(room ? roomName : $('room').value, $('signal').value);

for (const button of document.querySelectorAll('.invite')) {
  const label = button.textContent;
  button.addEventListener('click', async () => {
    const link = currentInvite();
    if (!await copyText(link)) return showStatus({ text: `Copy this invite link: ${link}`, tone: 'idle' });
    button.textContent = 'Link copied';
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

for (const button of document.querySelectorAll('.show-qr')) {
  button.addEventListener('click', () => {
    const link = currentInvite();
    $('qr-image').src = qrDataUrl(link);
    $('qr-link').textContent = link;
    $('qr-dialog').showModal();
  });
}

registerServiceWorker();
