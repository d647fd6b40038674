// The page: a join form and a chat view around one Room from webchat.js (the same module other
// sites embed). Everything a peer sends is shown with textContent or DOM calls, never as HTML.

import { joinRoom } from './webchat.js';
import { Conversation } from './page/conversation.js';
import { copyText, inviteLink, roomFromHash } from './page/invite.js';
import { showMembers } from './page/members.js';
import { randomNick } from './page/nicknames.js';
import { loadSettings, parseIceServers, saveSettings } from './page/settings.js';
import { describeNotice, describeStatus } from './page/status.js';
import { UnreadCounter } from './page/unread.js';

const $ = (id) => document.getElementById(id);
const conversation = new Conversation($('messages'), $('jump'));
const unread = new UnreadCounter('webchat');
let room = null;      // the Room we are in, or null
let roomName = '';

// --- Join form ---------------------------------------------------------------------------------
const settings = loadSettings();
$('signal').value = settings.signal;
$('ice').value = settings.ice;
$('nick').value = randomNick();
$('room').value = roomFromHash() || 'default';

for (const field of [$('signal'), $('ice')]) {
  field.addEventListener('input', () => saveSettings({ signal: $('signal').value, ice: $('ice').value }));
}
window.addEventListener('hashchange', () => {
  if (!room && roomFromHash()) $('room').value = roomFromHash();
});

function showStatus({ text, tone }) {
  $('status').textContent = text;
  $('status').dataset.tone = tone;
}

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
  history.replaceState(null, '', inviteLink(roomName));  // the address bar is now an invitation
  unread.title = `${roomName} · webchat`;
  conversation.clear();
  conversation.addNotice(`You joined “${roomName}” as ${room.nick}`);
  room.history.forEach((line) => conversation.addMessage(line, room.selfId));
  room.addEventListener('message', ({ detail }) => {
    conversation.addMessage(detail, room.selfId);
    if (detail.from !== room.selfId) unread.lineArrived();
  });
  room.addEventListener('historyreset', () => conversation.clearLines());  // notices stay: they happened
  room.addEventListener('members', ({ detail }) => showMembers($('members'), $('member-count'), detail));
  room.addEventListener('notice', ({ detail }) => conversation.addNotice(describeNotice(detail)));
  room.addEventListener('status', ({ detail }) => onStatus(detail));
  showMembers($('members'), $('member-count'), room.members);
  onStatus(room.status);
  setComposing(true);
  $('join-form').hidden = true;
  $('chat').hidden = false;
  $('text').focus();
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
  $('chat').hidden = true;
  $('join-form').hidden = false;
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
function sendTyped() {
  const text = $('text').value;
  if (!room || !text.trim()) return;
  try {
    room.send(text);
    $('text').value = '';
  } catch (error) {
    showStatus({ text: `Not sent: ${error.message}`, tone: 'warn' });
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

// --- Invitations -------------------------------------------------------------------------------
for (const button of document.querySelectorAll('.invite')) {
  const label = button.textContent;
  button.addEventListener('click', async () => {
    const link = inviteLink(room ? roomName : $('room').value);
    if (!await copyText(link)) return showStatus({ text: `Copy this invite link: ${link}`, tone: 'idle' });
    button.textContent = 'Link copied';
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}
