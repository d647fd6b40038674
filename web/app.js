// The page: a start page (join form, recent rooms) and a chat view around one Room from webchat.js
// (the same module other sites embed). Everything a peer sends is shown with textContent or DOM
// calls, never as HTML.

import { joinRoom, prepareRoom } from './webchat.js';
import { Announcer } from './page/announcer.js';
import { Attention } from './page/attention.js';
import { Composer } from './page/composer.js';
import { wireConnectivityCheck } from './page/connectivity.js';
import { Conversation } from './page/conversation.js';
import { FilePanel } from './page/files.js';
import { registerServiceWorker } from './page/install.js';
import { copyText, inviteLink } from './page/invite.js';
import { lineSpeech } from './page/line-view.js';
import { plainSnippet } from './page/markdown.js';
import { showMembers } from './page/members.js';
import { trustKey, withTrust } from './page/trust.js';
import { randomNick } from './page/nicknames.js';
import { qrDataUrl } from './page/qrcode.js';
import { forgetRecentRoom, recentRooms, rememberJoin, savedNick } from './page/recent.js';
import { showRecentRooms } from './page/recent-list.js';
import { RoomChoice, invitationFromHash } from './page/room-choice.js';
import { endSession, savedSession, saveSession } from './page/session.js';
import { loadSettings, parseIceServers, saveSettings } from './page/settings.js';
import { describeNotice, describeStatus } from './page/status.js';
import { forgetHistory, loadHistory, saveHistory } from './page/store.js';
import { TypingIndicator } from './page/typing.js';
import { UnreadCounter } from './page/unread.js';
import { serverIceServers, withoutRelays } from './webchat-ice.js';

const $ = (id) => document.getElementById(id);
const unread = new UnreadCounter('webchat', $('favicon'));
const announcer = new Announcer($('announcer'));
const attention = new Attention({ level: $('alert-level'), notify: $('alert-notify'), sound: $('alert-sound'), hint: $('alert-hint') });
const typing = new TypingIndicator($('typing'));
let room = null;      // the Room we are in, or null
let roomName = '';     // how the page names it: a public room's name, or "private room"
let joinedAs = null;  // the room options we joined with: { secret } or { room, password? }
let historyName = ''; // where this browser keeps the room's history (store.js)

// What a line's buttons do. Each module call refuses with a RangeError saying why.
const conversation = new Conversation($('messages'), $('jump'), {
  reply: (mid) => {
    const line = conversation.line(mid);
    composer.replyTo(mid, `${line.nick}: ${plainSnippet(line.text, 60)}`);
  },
  edit: (mid) => composer.edit(mid, conversation.line(mid).text),
  remove: (mid) => tryAction(() => room.delete(mid)),
  react: (mid, emoji, on) => tryAction(() => room.react(mid, emoji, on)),
  discard: (mid) => conversation.discard(mid),
  file: (body, line) => files.show(body, line),
});

const composer = new Composer(
  { form: $('send-form'), text: $('text'), context: $('compose-context'), contextText: $('compose-context-text'),
    cancel: $('compose-cancel'), error: $('send-error') },
  {
    say: (text, replyTo) => {
      room.send(text, { replyTo });
      showOutbox();
      keepSession();
    },
    edit: (mid, text) => room.edit(mid, text),
    typing: () => room?.typing?.(),
    editLast: () => {
      const own = [...$('messages').querySelectorAll('li.line.self:not(.pending):not(.deleted)')].at(-1);
      if (!own) return false;
      composer.edit(own.dataset.mid, conversation.line(own.dataset.mid).text);
      return true;
    },
  });

// Files: picked, dropped on the conversation or pasted; each shown in its line (page/files.js).
const files = new FilePanel({ conversation: $('conversation'), form: $('send-form'), text: $('text'),
                              onError: (text) => composer.showError(`Not shared: ${text}`) });

function tryAction(act) {
  try {
    act();
  } catch (error) {
    composer.showError(`Not done: ${error.message}`);
  }
}

// --- Start page ------------------------------------------------------------------------------------
const settings = loadSettings();
$('signal').value = settings.signal;
$('ice').value = settings.ice;
$('no-relay').checked = settings.noRelay;
$('nick').value = savedNick() || randomNick();
const choice = new RoomChoice({
  box: $('room-choice'), privateBox: $('private-room'), publicBox: $('public-room'), room: $('room'),
  password: $('password'), kind: $('private-kind'), goPublic: $('go-public'), goPrivate: $('go-private'),
});
$('nick').focus();  // Enter joins at once; typing replaces the offered nickname
$('nick').select();

for (const field of [$('signal'), $('ice'), $('no-relay')]) {
  field.addEventListener('input', () => saveSettings({ signal: $('signal').value, ice: $('ice').value, noRelay: $('no-relay').checked }));
}
// The box's ICE servers when it has any, else the signaling server's (GET /config); without relays if asked.
const iceChoice = (ice) => ({ iceServers: ice.servers.length ? ice.servers : undefined, allowRelay: !$('no-relay').checked });
wireConnectivityCheck($('check-ice'), $('ice-report'), async () => {
  const { iceServers, allowRelay } = iceChoice(parseIceServers($('ice').value));
  const servers = iceServers ?? await serverIceServers($('signal').value);
  return allowRelay ? servers : withoutRelays(servers);
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') conversation.markNextUnread();
});
window.addEventListener('hashchange', () => {
  if (!room && invitationFromHash()) choice.follow(invitationFromHash());
});

// The connection's state: where this browser stands in the room. Send errors have their own line.
function showStatus({ text, tone }) {
  $('status').textContent = text;
  $('status').dataset.tone = tone;
}

function showRecent() {
  showRecentRooms($('recent'), $('recent-rooms'), recentRooms(), {
    onJoin: (name) => {
      choice.follow({ room: name });
      $('join-form').requestSubmit();
    },
    onForget: (name) => {  // the room leaves the list, and this browser forgets its history
      forgetRecentRoom(name);
      forgetHistory(name);
      showRecent();
    },
  });
}
showRecent();

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  join(choice.joinOptions(), $('nick').value.trim());
});

// A private room's history is kept under its tag (one-way from its secret), a named room's under its name.
async function historyNameOf(roomOptions) {
  if (!roomOptions.secret) return roomOptions.room;
  const keys = await prepareRoom(roomOptions).catch(() => null);
  return keys ? `private-${keys.tag}` : '';
}

/**
 * Joins the room of `roomOptions` ({ secret } or { room, password? }) as `nick`; `session` (this
 * tab's, after a reload) comes back as the same member.
 */
async function join(roomOptions, nick, session = null) {
  const ice = parseIceServers($('ice').value);
  if (ice.problem) {
    $('settings').open = true;
    $('ice').focus();
    return showStatus({ text: ice.problem, tone: 'error' });
  }
  const described = choice.describe(roomOptions);
  roomName = described.label;
  $('join').disabled = true;
  historyName = await historyNameOf(roomOptions);
  // Only a tab coming back brings its stored history into the room: a join from the start page starts
  // from the room's own (a room name reused later by others must not receive old lines).
  const stored = session && historyName ? await loadHistory(historyName) : [];
  if (session) {  // a reload: the conversation at once, the network after
    showChat(stored);
    for (const entry of session.outbox ?? []) {
      if ((entry.kind ?? 'text') === 'text') conversation.addPending({ ...entry, from: session.memberId });
    }
  }
  showStatus({ text: session ? `Rejoining “${roomName}”…` : 'Connecting to the signaling server…', tone: 'busy' });
  try {
    enterRoom(await joinRoom({
      ...roomOptions, nick, signal: $('signal').value, ...iceChoice(ice), history: stored,
      onStatus: (status) => showStatus(describeStatus(status, roomName)),  // the join's stage
      ...(session?.memberId ? { memberId: session.memberId, outbox: session.outbox ?? [], midCounter: session.midCounter ?? 0 } : {}),
    }), roomOptions, described, Boolean(session));
  } catch (error) {
    endSession();
    showStart();
    showStatus({ text: error.message, tone: 'error' });
    if (error.code === 'nick-taken' || error.code === 'nick-invalid') $('nick').select();
    if (error.code === 'room-invalid') $('room').select();
    if (error.code === 'wrong-password') $('password').select();
    if (/^server-/.test(error.code ?? '')) $('settings').open = true;
  } finally {
    $('join').disabled = false;
  }
}

// --- In a room ---------------------------------------------------------------------------------
// The chat view with `entries` shown (the stored history while rejoining, the room's once in).
function showChat(entries) {
  unread.title = `${roomName} · webchat`;
  conversation.clear();
  conversation.me = me();
  for (const entry of entries) conversation.addEntry(entry);
  composer.reset();
  composer.enabled = !!room;
  $('rename').hidden = typeof room?.rename !== 'function';  // not while rejoining
  $('rename-form').hidden = true;
  $('start').hidden = true;
  $('chat').hidden = false;
}

// `back`: this tab was in the room before a reload (the others saw no "left" or "joined").
function enterRoom(joined, roomOptions, described, back) {
  room = joined;
  joinedAs = roomOptions;
  if (!roomOptions.secret) rememberJoin(roomName, room.nick);  // a private room's secret stays in its link
  keepSession();
  history.replaceState(null, '', choice.inviteHash(roomOptions));  // the address is the invitation (file:// too)
  $('room-kind').textContent = described.words;
  $('room-kind').dataset.kind = described.kind;
  attention.enter(roomName);
  files.attach(room);
  showChat(room.history);
  conversation.addNotice(back ? `Back in “${roomName}” as ${room.nick}` : `You joined “${roomName}” as ${room.nick}`);
  showOutbox();
  room.addEventListener('message', ({ detail }) => onEntry(detail));
  room.addEventListener('historyreset', () => {
    conversation.clearLines();  // notices stay: they happened
    keepHistory();
  });
  room.addEventListener('members', ({ detail }) => {
    renderMembers(detail);
    conversation.me = me();
  });
  room.addEventListener('notice', ({ detail }) => {
    conversation.addNotice(describeNotice(detail));
    if (detail.kind === 'renamed' && room) keepSession();
  });
  room.addEventListener('typing', ({ detail }) => {
    if (detail.from !== room.selfId) typing.typing(detail.from, detail.nick);
  });
  room.addEventListener('warning', ({ detail }) => conversation.addNotice(describeNotice(detail), 'error'));
  room.addEventListener('denied', ({ detail }) => onDenied(detail));
  room.addEventListener('throttled', ({ detail }) => conversation.markThrottled(detail.mid));
  room.addEventListener('status', ({ detail }) => onStatus(detail));
  renderMembers(room.members);
  onStatus(room.status);
  composer.enabled = true;
  composer.focus();
}

function onEntry(entry) {
  const li = conversation.addEntry(entry);
  keepHistory();
  if ((entry.kind === 'delete')) composer.forget(entry.target);
  if (entry.from === room.selfId) return keepSession();
  typing.stopped(entry.from);
  if (!li) return;
  unread.lineArrived();
  attention.lineArrived({ nick: entry.nick, text: entry.text }, li.classList.contains('mentioned'));
  announcer.say(lineSpeech(li));  // "12:04 bob: hi", as shown (no Markdown marks, no buttons)
}

function onDenied({ what, reason, mid, message }) {
  if (what === 'say' && mid) conversation.markFailed(mid);
  const words = message || reason;
  if (what === 'rename') return;  // room.rename() rejects with the same words
  composer.showError(`Not sent: ${words}`);
  keepSession();
}

// Our lines the host has not sequenced yet (a guest's, or any while reconnecting): "sending…".
function showOutbox() {
  for (const entry of room.outbox ?? []) {
    if ((entry.kind ?? 'text') === 'text' && !conversation.line(entry.mid)) conversation.addPending({ ...entry, from: room.selfId });
  }
}

// The member list with safety codes; a member whose key is not the one pinned for its nickname here
// is flagged, and said once in the conversation.
let membersShown = 0;
const keyWarnings = new Set();
async function renderMembers(members) {
  const turn = ++membersShown;
  const shown = room;
  const trusted = await withTrust(members, { ownKey: shown.identity?.publicKey, roomTag: shown.tag });
  if (turn !== membersShown || room !== shown) return;  // a newer list, or another room, came meanwhile
  for (const member of trusted) {
    if (!member.keyChanged || keyWarnings.has(`${shown.tag} ${member.id}`)) continue;
    keyWarnings.add(`${shown.tag} ${member.id}`);
    conversation.addNotice(`${member.nick}'s key changed: compare your safety codes before trusting their lines`, 'error');
  }
  showMembers($('members'), $('member-count'), trusted, (member) => {
    trustKey(shown.tag, member.nick, member.key);
    renderMembers(shown.members);
  });
}

// Who we are, for telling our lines and mentions of us apart.
function me() {
  return room ? { id: room.selfId, nick: room.nick, nicks: room.members.map((member) => member.nick), canAct: typeof room.edit === 'function' }
              : { id: savedSession()?.memberId ?? '', nick: '', nicks: [], canAct: false };
}

// This tab's place in the room (sessionStorage): a reload comes back as the same member.
function keepSession() {
  if (!room) return;
  // A password is never stored: a reloaded password room asks for it again.
  const { room: name = '', secret, password } = joinedAs;
  saveSession({ room: name, ...(secret ? { secret } : {}), passworded: Boolean(password), nick: room.nick,
                memberId: room.selfId, outbox: room.outbox ?? [], midCounter: room.midCounter ?? 0 });
}

// The room's history in IndexedDB: written at once after a change, one write at a time (changes
// during a write are written right after it).
let saving = null;
let saveAgain = false;
function keepHistory() {
  if (!room) return;
  if (saving) {
    saveAgain = true;
    return;
  }
  const [name, current] = [historyName, room];
  saving = saveHistory(name, current.history).finally(() => {
    saving = null;
    if (saveAgain && room === current) {
      saveAgain = false;
      keepHistory();
    }
  });
}

function onStatus(status) {
  showStatus(describeStatus(status, roomName));
  if (status.state !== 'closed') return;
  typing.clear();
  if (!status.error) return showStart();  // we left: nothing more to read here
  // Ended under us (the host left, ...): keep the conversation readable, with why it ended.
  conversation.addNotice(status.message, 'error');
  composer.enabled = false;
  $('leave').textContent = 'Back';
}

function showStart() {
  if (room && historyName) saveHistory(historyName, room.history);
  room = null;
  files.attach(null);
  unread.title = 'webchat';
  conversation.clear();
  typing.clear();
  showRecent();
  $('chat').hidden = true;
  $('start').hidden = false;
  $('leave').textContent = 'Leave';
  $('join').focus();
}

$('leave').addEventListener('click', () => {
  endSession();  // left on purpose: a reload shows the start page
  if (!room || room.status.state === 'closed') return showStart();
  room.leave();
});

// A reload or a closed tab reopened: the room the tab was in, without a click. The module says its
// goodbye as "back soon" on pagehide; the session is kept for the next load.
window.addEventListener('pagehide', () => {
  keepSession();
  if (room && historyName) saveHistory(historyName, room.history);
});

// --- Renaming ----------------------------------------------------------------------------------
function showRenameError(words) {
  $('rename-form').hidden = false;
  composer.showError(`Nickname not changed: ${words}`);
  $('new-nick').select();
}

$('rename').addEventListener('click', () => {
  $('rename-form').hidden = false;
  $('new-nick').value = room?.nick ?? '';
  $('new-nick').select();
});
$('rename-cancel').addEventListener('click', () => {
  $('rename-form').hidden = true;
  $('rename').focus();
});
$('rename-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const submit = $('rename-form').querySelector('[type=submit]');
  submit.disabled = true;
  try {
    await room.rename($('new-nick').value.trim());  // resolves once the room shows the new nickname
    composer.showError('');
    $('rename-form').hidden = true;
    composer.focus();
  } catch (error) {
    showRenameError(error.message);
  } finally {
    submit.disabled = false;
  }
});

// --- Invitations -------------------------------------------------------------------------------
const currentInvite = () => inviteLink(choice.inviteHash(room ? joinedAs : choice.joinOptions()), $('signal').value);

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

// Last: a tab that was in a room goes back in.
const session = savedSession();
if (session) {
  $('nick').value = session.nick;
  choice.follow(session.secret ? { secret: session.secret } : { room: session.room });
  if (session.passworded) $('password').focus();  // not kept anywhere: asked again
  else join(choice.joinOptions(), session.nick, session);
}
