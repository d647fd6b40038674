// The compiled WebAssembly room logic, loaded in node: the bindings carry inputs in and effects out,
// and hostile input reaches the exception-free core without aborting the module.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
const WebchatCore = createRequire(import.meta.url)(resolve(webRoot, 'webchat-core.js'));
const core = await WebchatCore();

function drain(room) {
  const effects = [];
  for (let e = room.poll(); e !== null; e = room.poll()) effects.push(e);
  return effects;
}

// Plays the host side until a joiner has taken its offer: the host's link, the offer id, the answer fetch.
function hostAwaitingAnswer() {
  const room = new core.Room({ room: 'lobby', nick: 'alice', seedHigh: 1, seedLow: 2 });
  room.join(0);
  const [status, probe] = drain(room);
  assert.deepEqual(status, { type: 'status', state: 'joining', error: '', stage: 'looking', historyEnd: 0 });
  assert.equal(probe.type, 'signal-get');
  assert.equal(probe.id, 'wc2.lobby.offer');
  room.signalDone(probe.request, 204, '', 10);
  const effects = drain(room);
  assert.equal(effects[0].state, 'host');
  const open = effects.find((e) => e.type === 'open-link');
  assert.equal(open.remoteOffer, '');
  room.linkDescribed(open.link, 'v=0 offer', 20, false);
  const park = drain(room).find((e) => e.type === 'signal-set');
  const offer = JSON.parse(park.text);
  assert.equal(offer.type, 'offer');
  room.signalDone(park.request, 200, 'ok', 30);
  const fetch = drain(room).find((e) => e.type === 'signal-get');
  assert.equal(fetch.id, `wc2.lobby.answer.${offer.offer}`);
  return { room, link: open.link, offerId: offer.offer, fetch };
}

// Plays the host side until it has an open link to a guest; returns the link id.
function hostWithGuest() {
  const { room, link, offerId, fetch } = hostAwaitingAnswer();
  const answer = { v: 2, type: 'answer', offer: offerId, peer: 'feedface00000001', sdp: 'v=0 answer' };
  room.signalDone(fetch.request, 200, JSON.stringify(answer), 40);
  assert.ok(drain(room).some((e) => e.type === 'accept-answer' && e.sdp === 'v=0 answer'));
  room.linkOpen(link, 50);
  room.linkMessage(link, JSON.stringify({ v: 2, type: 'hello', peer: 'feedface00000001', nick: 'bob', lastSeq: 0, lastChain: '', key: '', fp: '', sig: '' }), 60);
  const welcome = drain(room).find((e) => e.type === 'send');
  assert.equal(JSON.parse(welcome.text).type, 'welcome');
  assert.equal(JSON.parse(welcome.text).rank.host, room.selfId());
  return { room, link };
}

// A joiner that probed the room and was handed an offer with id `offer` (valid or not).
function joinerGivenOffer(offer, seed) {
  const room = new core.Room({ room: 'lobby', nick: 'bob', seedHigh: seed, seedLow: seed + 1 });
  room.join(0);
  const probe = drain(room).find((e) => e.type === 'signal-get');
  const rank = { epoch: 1, since: 0, host: 'feedface00000002' };
  room.signalDone(probe.request, 200, JSON.stringify({ v: 2, type: 'offer', room: 'lobby', rank, offer, sdp: 'v=0 offer' }), 10);
  return room;
}

// A guest's say as its browser sends it (protocol v2): only the author's fields.
function say(mid, text, { kind = 'text', target, time = 70, nick = 'bob' } = {}) {
  const entry = { mid, from: mid.split('-')[0], nick, key: '', kind, text, time, sig: '' };
  if (target) entry.target = target;
  return JSON.stringify({ v: 2, type: 'say', entry });
}

test('a host admits a guest and relays its entries through the bindings', () => {
  const { room, link } = hostWithGuest();
  assert.deepEqual(room.members().map((m) => m.nick), ['alice', 'bob']);
  room.linkMessage(link, say('feedface00000001-1', '<img src=x onerror=alert(1)>'), 70);
  const message = drain(room).find((e) => e.type === 'message').message;
  assert.deepEqual(message, {
    seq: 1, mid: 'feedface00000001-1', from: 'feedface00000001', nick: 'bob', key: '', kind: 'text',
    text: '<img src=x onerror=alert(1)>', target: '', reply: '', time: 70, chain: message.chain, sig: '',
  });
  assert.match(message.chain, /^[0-9a-f]{16}$/);
  assert.deepEqual(room.history(), [message]);
  // The host's own edit of bob's line is refused locally; bob's own edit goes through.
  assert.equal(room.edit('feedface00000001-1', 'mine', 80), 'not a line of yours');
  room.linkMessage(link, say('feedface00000001-2', 'fixed', { kind: 'edit', target: 'feedface00000001-1' }), 90);
  const edit = drain(room).find((e) => e.type === 'message').message;
  assert.equal(edit.kind, 'edit');
  assert.equal(edit.target, 'feedface00000001-1');
  assert.equal(room.react('feedface00000001-1', '🦊', true, 100), '');
  assert.equal(drain(room).find((e) => e.type === 'message').message.kind, 'react');
});

test('a guest entry claiming another author is denied with a reason, sent to that guest', () => {
  const { room, link } = hostWithGuest();
  assert.equal(room.send('alice speaks', '', 65), '');
  const mine = drain(room).find((e) => e.type === 'message').message;
  room.linkMessage(link, say('feedface00000001-1', '', { kind: 'delete', target: mine.mid }), 70);
  const denied = drain(room).find((e) => e.type === 'send');
  assert.deepEqual(JSON.parse(denied.text), { v: 2, type: 'denied', what: 'say', reason: 'not-author', mid: 'feedface00000001-1' });
  assert.equal(room.history().length, 1);
});

test('typing, rename and relay cross the bindings', () => {
  const { room, link } = hostWithGuest();
  room.linkMessage(link, JSON.stringify({ v: 2, type: 'typing' }), 70);
  assert.deepEqual(drain(room).find((e) => e.type === 'typing'), { type: 'typing', from: 'feedface00000001', nick: 'bob' });
  room.linkMessage(link, JSON.stringify({ v: 2, type: 'rename', nick: 'ALICE', peer: 'feedface00000001', key: '', fp: '', sig: '' }), 80);
  assert.equal(JSON.parse(drain(room).find((e) => e.type === 'send').text).reason, 'nick-taken');
  room.linkMessage(link, JSON.stringify({ v: 2, type: 'rename', nick: 'robert', peer: 'feedface00000001', key: '', fp: '', sig: '' }), 90);
  const effects = drain(room);
  assert.deepEqual(effects.find((e) => e.type === 'notice'), { type: 'notice', kind: 'renamed', nick: 'robert', previous: 'bob' });
  room.linkMessage(link, JSON.stringify({ v: 2, type: 'relay', to: room.selfId(), data: 'hi host' }), 100);
  assert.deepEqual(drain(room).find((e) => e.type === 'relayed'), { type: 'relayed', from: 'feedface00000001', data: 'hi host' });
  assert.equal(room.relay('feedface00000001', 'hi bob', 110), '');
  assert.deepEqual(JSON.parse(drain(room).find((e) => e.type === 'send').text),
                   { v: 2, type: 'relay', from: room.selfId(), data: 'hi bob' });
});

test('a reload is restored from the config: id, history shown at once, outbox and mid counter', () => {
  const { room } = hostWithGuest();
  room.send('one', '', 70);
  drain(room);
  const history = room.history();
  const again = new core.Room({
    room: 'lobby', nick: 'alice', seedHigh: 9, seedLow: 9, selfId: room.selfId(), history,
    outbox: [{ mid: `${room.selfId()}-5`, kind: 'text', text: 'queued', time: 80 }, { kind: 'bogus' }, 'junk'],
    midCounter: 3,
  });
  assert.equal(again.selfId(), room.selfId());
  again.join(100);
  assert.deepEqual(drain(again).filter((e) => e.type === 'message').map((e) => e.message), history);
  assert.deepEqual(again.outbox().map((e) => e.text), ['queued']);
  assert.equal(again.midCounter(), 5);
});

// Text crosses through TextEncoder/TextDecoder (wasm/bindings/js_text.hpp): every Unicode plane survives
// both ways, an embedded NUL included, and a lone surrogate (not UTF-8) arrives as U+FFFD.
test('text outside ASCII crosses into the module and back unchanged', () => {
  const { room, link } = hostWithGuest();
  const said = (message, now) => {
    room.linkMessage(link, message, now);
    return drain(room).find((e) => e.type === 'message')?.message.text;
  };
  const text = 'né 中文 😀 a\u0000b';
  assert.equal(said(say('feedface00000001-1', text), 70), text);
  // Spelled out: JSON.stringify would escape the surrogate, and the module never see it raw.
  assert.equal(said('{"v":2,"type":"say","entry":{"mid":"feedface00000001-2","from":"feedface00000001","nick":"bob","key":"","kind":"text","text":"half \ud83d","time":80,"sig":""}}', 80), 'half \ufffd');
  const host = new core.Room({ room: 'lobby', nick: 'Zoë 🦊', seedHigh: 1, seedLow: 2 });
  host.join(0);
  host.signalDone(drain(host).find((e) => e.type === 'signal-get').request, 204, '', 10);
  assert.deepEqual(drain(host).find((e) => e.type === 'members').members.map((m) => m.nick), ['Zoë 🦊']);
});

test('hostile peer messages are dropped and counted without aborting the module', () => {
  const { room, link } = hostWithGuest();
  const hostile = ['', '{', 'null', '[1,2]', '{"v":2,"type":"say","entry":{"text":{"a":1}}}', '{"v":2,"type":"posted","entry":{"seq":"x"}}',
                   '{"v":2.5,"type":"say","text":"x"}', '{"v":2,"type":"say","text":"' + 'x'.repeat(70000) + '"}',
                   '{"v":2,"type":"welcome","members":[{"id":1}]}', '\u0000\uffff', '{"v":2,"type":"hello","peer":"a","nick":"x","lastSeq":0,"lastChain":""}',
                   say('0123456789abcdef-1', 'forged'), say('feedface00000001-1', 'x', { kind: 'shout' }),
                   '{"v":1,"type":"say","text":"a version 1 peer","mid":"feedface00000001-1"}'];
  hostile.forEach((text, i) => room.linkMessage(link, text, 100 + i));
  assert.equal(room.droppedMessages(), hostile.length);
  assert.equal(room.state(), 'host');
  room.linkMessage(link, say('feedface00000001-2', 'still fine', { time: 200 }), 200);
  assert.equal(drain(room).find((e) => e.type === 'message').message.text, 'still fine');
});

test('a hostile signaling text is skipped and the joiner asks again', () => {
  const room = joinerGivenOffer('../../etc', 3);
  const again = drain(room).find((e) => e.type === 'signal-get');
  assert.equal(again.id, 'wc2.lobby.offer');
  assert.equal(room.droppedMessages(), 1);
  assert.match(room.lastDropReason(), /field 'offer' not an id/);
});

test('a joiner trickles: answer first, candidates after, and a host hands them to its link', () => {
  const joiner = joinerGivenOffer('00112233aabbccdd', 5);
  const open = drain(joiner).find((e) => e.type === 'open-link');
  joiner.linkDescribed(open.link, 'v=0 answer', 20, true);
  const answer = drain(joiner).find((e) => e.type === 'signal-set');
  assert.equal(JSON.parse(answer.text).trickle, true);
  const gathered = ['candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host', 'candidate:2 1 udp 1686052607 198.51.100.9 61000 typ srflx'];
  joiner.linkCandidates(open.link, [...gathered, 7, null], 30);  // anything but strings is skipped
  const parked = drain(joiner).find((e) => e.type === 'signal-set');
  assert.equal(parked.id, 'wc2.lobby.candidates.00112233aabbccdd');
  assert.deepEqual(JSON.parse(parked.text).candidates, gathered);

  // The host's side: a trickle answer makes it fetch those, and hand them on as an effect.
  const { room: host, link, offerId, fetch } = hostAwaitingAnswer();
  const peer = JSON.parse(answer.text).peer;
  host.signalDone(fetch.request, 200, JSON.stringify({ ...JSON.parse(answer.text), offer: offerId }), 40);
  const candidatesFetch = drain(host).find((e) => e.type === 'signal-get');
  assert.equal(candidatesFetch.id, `wc2.lobby.candidates.${offerId}`);
  host.signalDone(candidatesFetch.request, 200, JSON.stringify({ v: 2, type: 'candidates', offer: offerId, peer, candidates: gathered }), 50);
  assert.deepEqual(drain(host).find((e) => e.type === 'add-candidates'), { type: 'add-candidates', link, candidates: gathered });
});

test('send reports why a line is refused', () => {
  const { room } = hostWithGuest();
  assert.equal(room.send('', '', 0), 'message is empty');
  assert.equal(room.send('x'.repeat(4001), '', 0), 'message is longer than 4000 characters');
  assert.equal(room.send('ok', 'ffffffffffffffff-1', 0), 'no such line');
  assert.equal(room.send('ok', '', 0), '');
});

test('shareFile refuses a bad file description with its reason; the size limit is the config\'s', () => {
  const { room } = hostWithGuest();
  const hash = 'a'.repeat(64);
  const share = (file) => room.shareFile({ name: 'a', size: 1, type: '', hash, ...file }, '', 70);
  for (const size of [-1, 1.5, NaN, Infinity, '12', undefined, 2 ** 53 + 2]) {
    assert.equal(share({ size }), 'file size is not a whole number of bytes from 0 to 2^53', String(size));
  }
  assert.equal(share({ name: 'a/b' }), 'file name contains a path separator');
  assert.equal(share({ hash: 'A'.repeat(64) }), 'file hash is not 64 lowercase hex digits');
  assert.equal(share({ size: 2 ** 30 + 1 }), 'file is larger than this room\'s limit of 1073741824 bytes');
  assert.equal(share({ size: 2 ** 30, type: 'image/png' }), '');
  assert.deepEqual(drain(room).find((e) => e.type === 'message').message.file, { name: 'a', size: 2 ** 30, type: 'image/png', hash });
  const limited = new core.Room({ room: 'lobby', nick: 'carol', seedHigh: 3, seedLow: 4, maxFileBytes: 100 });
  assert.equal(limited.shareFile({ name: 'a', size: 101, type: '', hash }, '', 0), 'file is larger than this room\'s limit of 100 bytes');
});

test('a host told its network changed replaces its parked offer, takes what its old address left parked and tells the newcomer on its old offer to retry', () => {
  const { room, link, offerId } = hostAwaitingAnswer();  // an offer taken by a newcomer, the next one being described
  room.networkChanged(40);
  const effects = drain(room);
  assert.ok(effects.some((e) => e.type === 'signal-get' && e.id === 'wc2.lobby.offer' && e.timeout === 0), 'a host probe at once');
  assert.ok(effects.some((e) => e.type === 'open-link' && e.remoteOffer === ''), 'a fresh offer described');
  // The newcomer on the old offer can never connect: it is told to look again (docs/protocol.md).
  const retry = effects.find((e) => e.type === 'signal-set' && e.id === `wc2.lobby.retry.${offerId}`);
  assert.deepEqual(retry && JSON.parse(retry.text), { v: 2, type: 'retry', offer: offerId });
  assert.ok(effects.some((e) => e.type === 'close-link' && e.link === link), 'its attempt on the old offer closed');
});

test('a link that failed is reported with how it failed', () => {
  const joiner = joinerGivenOffer('00112233aabbccdd', 7);
  const open = drain(joiner).find((e) => e.type === 'open-link');
  joiner.linkDescribed(open.link, 'v=0 answer', 20, false);
  joiner.signalDone(drain(joiner).find((e) => e.type === 'signal-set').request, 200, 'ok', 30);
  joiner.linkClosed(open.link, 40, 'dtls-failed');
  assert.deepEqual(drain(joiner).find((e) => e.type === 'status'), { type: 'status', state: 'closed', error: 'link-tampered', stage: '', historyEnd: 0 });
});

// A signed room (protocol v2's identity): the module asks the driver to sign and to verify ('verify'
// effects, answered with verified()), and takes a signature as valid only when the driver's verdict
// on it says so; what waits for a verdict is not used before it comes.
test('a signed room signs and verifies through effects and trusts only what the driver verified', () => {
  const room = new core.Room({ room: 'lobby', nick: 'alice', seedHigh: 1, seedLow: 2, key: 'ALICEKEY', fingerprint: 'sha-256 AA', verify: true });
  room.join(0);
  const joining = drain(room);
  const sign = joining.find((e) => e.type === 'sign');
  assert.deepEqual(JSON.parse(sign.bytes), ['wc2/hello', 'lobby', room.selfId(), 'alice', 'ALICEKEY', 'sha-256 AA']);
  room.signed(sign.ticket, 'ALICESIG', 1);
  room.signalDone(joining.find((e) => e.type === 'signal-get').request, 204, '', 10);
  const open = drain(room).find((e) => e.type === 'open-link');
  room.linkDescribed(open.link, 'v=0 offer', 20, false);
  const park = drain(room).find((e) => e.type === 'signal-set');
  const offerId = JSON.parse(park.text).offer;
  room.signalDone(park.request, 200, 'ok', 30);
  const fetch = drain(room).find((e) => e.type === 'signal-get');
  const peer = 'feedface00000001';
  const hello = { nick: 'bob', lastSeq: 0, lastChain: '', key: 'BOBKEY', fp: 'sha-256 BB', sig: 'BOBSIG' };
  const answer = JSON.stringify({ v: 2, type: 'answer', offer: offerId, peer, sdp: 'v=0\r\na=fingerprint:sha-256 BB\r\n', ...hello });
  room.signalDone(fetch.request, 200, answer, 40);
  // The answer is applied at once; its hello's signature is checked meanwhile.
  const answered = drain(room);
  assert.ok(answered.some((e) => e.type === 'accept-answer'));
  const helloCheck = answered.find((e) => e.type === 'verify');
  assert.deepEqual(helloCheck.parts, [{ key: 'BOBKEY', bytes: JSON.stringify(['wc2/hello', 'lobby', peer, 'bob', 'BOBKEY', 'sha-256 BB']), sig: 'BOBSIG' }]);
  room.linkOpen(open.link, 50);
  assert.equal(drain(room).find((e) => e.type === 'send'), undefined, 'no welcome before the verdict');
  room.verified(helloCheck.ticket, [true], 55);
  const welcome = JSON.parse(drain(room).find((e) => e.type === 'send').text);
  assert.equal(welcome.type, 'welcome');
  assert.equal(welcome.host.sig, 'ALICESIG');
  const entry = { mid: `${peer}-1`, from: peer, nick: 'bob', key: 'BOBKEY', kind: 'text', text: 'hi', time: 60, sig: 'S1' };
  const say = (text) => JSON.stringify({ v: 2, type: 'say', entry: { ...entry, text } });
  room.linkMessage(open.link, say('hi'), 60);
  const first = drain(room).find((e) => e.type === 'verify');
  room.linkMessage(open.link, say('hi'), 61);  // the same again: waits behind the first
  const second = drain(room).find((e) => e.type === 'verify');
  room.verified(second.ticket, [true], 62);
  assert.equal(room.history().length, 0, 'the second waits for the first');
  room.verified(first.ticket, [false], 63);  // the driver found the first's signature false
  const effects = drain(room);
  assert.equal(JSON.parse(effects.find((e) => e.type === 'send').text).reason, 'bad-signature');
  assert.equal(effects.find((e) => e.type === 'message').message.text, 'hi');
  room.verified(first.ticket, [true], 64);  // an answer twice, or to no question: ignored
  assert.equal(room.history().length, 1);
});

// The host's hello comes with its offer too: the joiner checks it while it answers, and the welcome
// carrying the same hello waits for no verdict. One found bad ahead is asked about again, and refused.
test('a joiner checks the host\'s hello from its offer while answering: the welcome waits for no verdict', () => {
  const host = { peer: 'feedface00000002', nick: 'alice', lastSeq: 0, lastChain: '', key: 'ALICEKEY', fp: 'sha-256 AA', sig: 'ALICESIG' };
  const rank = { epoch: 1, since: 0, host: host.peer };
  const joinWith = (verdict) => {
    const room = new core.Room({ room: 'lobby', nick: 'bob', seedHigh: 3, seedLow: 4, key: 'BOBKEY', fingerprint: 'sha-256 BB', verify: true });
    room.join(0);
    const joining = drain(room);
    room.signed(joining.find((e) => e.type === 'sign').ticket, 'BOBSIG', 1);
    const offer = { v: 2, type: 'offer', room: 'lobby', rank, offer: '00112233aabbccdd', sdp: 'v=0\r\na=fingerprint:sha-256 AA\r\n', host };
    room.signalDone(joining.find((e) => e.type === 'signal-get').request, 200, JSON.stringify(offer), 10);
    const answering = drain(room);
    const ahead = answering.find((e) => e.type === 'verify');
    assert.deepEqual(ahead.parts, [{ key: 'ALICEKEY', bytes: JSON.stringify(['wc2/hello', 'lobby', host.peer, 'alice', 'ALICEKEY', 'sha-256 AA']), sig: 'ALICESIG' }]);
    room.verified(ahead.ticket, [verdict], 15);
    const open = answering.find((e) => e.type === 'open-link');
    room.linkDescribed(open.link, 'v=0 answer', 20, false);
    room.signalDone(drain(room).find((e) => e.type === 'signal-set').request, 200, 'ok', 30);
    room.linkOpen(open.link, 40);
    drain(room);
    const members = [{ id: host.peer, nick: 'alice', host: true, key: 'ALICEKEY' }, { id: room.selfId(), nick: 'bob', host: false, key: 'BOBKEY' }];
    room.linkMessage(open.link, JSON.stringify({ v: 2, type: 'welcome', members, rank, reset: false, host }), 50);
    return { room, effects: drain(room) };
  };
  const trusted = joinWith(true);
  assert.equal(trusted.effects.find((e) => e.type === 'verify'), undefined);
  assert.equal(trusted.room.state(), 'guest');
  const refused = joinWith(false);
  const again = refused.effects.find((e) => e.type === 'verify');
  assert.ok(again, 'a hello found bad ahead is asked about again');
  assert.equal(refused.room.state(), 'joining');
  refused.room.verified(again.ticket, [false], 60);
  assert.equal(drain(refused.room).find((e) => e.type === 'status').error, 'link-tampered');
});

// webchat.js plays this at import, so that a person's first join runs compiled code: it must really
// carry a join through the driver and this module (or the warm-up is silently empty), only in memory,
// and leave nothing behind, also when it does not finish.
async function importRehearsal(t) {
  const { Room } = await import(pathToFileURL(resolve(webRoot, 'webchat.js')).href);
  const { rehearseJoin } = await import(pathToFileURL(resolve(webRoot, 'webchat-rehearsal.js')).href);
  const reached = [];
  t.mock.method(globalThis, 'fetch', (url) => { reached.push(String(url)); throw new Error('no network here'); });
  globalThis.RTCPeerConnection = function RTCPeerConnection() { reached.push('RTCPeerConnection'); throw new Error('no WebRTC here'); };
  // Each room listens for the page being closed until it has left: count the listeners still there.
  const pageHideListeners = new Set();
  globalThis.addEventListener = (type, listener) => type === 'pagehide' && pageHideListeners.add(listener);
  globalThis.removeEventListener = (type, listener) => type === 'pagehide' && pageHideListeners.delete(listener);
  t.after(() => {
    delete globalThis.RTCPeerConnection;
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
  });
  return { Room, rehearseJoin, reached, pageHideListeners };
}

test('the warm-up rehearsal plays a whole join through the driver, reaching no server and no peer', async (t) => {
  const { Room, rehearseJoin, reached, pageHideListeners } = await importRehearsal(t);
  assert.equal(await rehearseJoin(core, Room), true);
  assert.equal(pageHideListeners.size, 0);
  assert.equal(await rehearseJoin(core, Room), true);  // and again: the module holds no rehearsal state
  assert.deepEqual(reached, []);
});

test('the rehearsal signs and verifies as real rooms do, with the identity it is given', async (t) => {
  const { Room, rehearseJoin, reached } = await importRehearsal(t);
  const { loadIdentity, verify } = await import(pathToFileURL(resolve(webRoot, 'webchat.js')).href);
  const identity = await loadIdentity();
  const signed = [];
  const verified = [];
  const signing = { publicKey: identity.publicKey, sign: (bytes) => { signed.push(JSON.parse(bytes)[0]); return identity.sign(bytes); } };
  const checking = async (key, bytes, sig) => {
    const ok = await verify(key, bytes, sig);
    verified.push(`${JSON.parse(bytes)[0]} ${ok}`);
    return ok;
  };
  assert.equal(await rehearseJoin(core, Room, { identity: signing, verify: checking }), true);
  assert.deepEqual([...new Set(signed)].sort(), ['wc2/entry', 'wc2/hello']);
  assert.ok(verified.includes('wc2/hello true') && verified.includes('wc2/entry true'), verified.join(', '));
  assert.ok(!verified.some((v) => v.endsWith('false')), verified.join(', '));
  assert.deepEqual(reached, []);
});

test('a rehearsal that cannot finish gives up at its deadline, leaves its rooms and does not throw', async (t) => {
  const { Room, rehearseJoin, reached, pageHideListeners } = await importRehearsal(t);
  // Rooms whose lines are never sent: the join happens, the exchange of lines never completes.
  class Mute extends Room {
    send() {}
  }
  assert.equal(await rehearseJoin(core, Mute, { deadlineMs: 200 }), false);
  assert.equal(pageHideListeners.size, 0);  // both rooms left (each removes its listener once closed)
  assert.deepEqual(reached, []);
});

// The driver reports a signaling text it could not open (a sealed room, docs/security.md); the room's
// kind of sealing comes as the config's `sealing`.
test('an unreadable probe text ends a password room\'s join, and is skipped once in a private room', () => {
  const probeOf = (room) => drain(room).find((e) => e.type === 'signal-get');
  const lastStatus = (effects) => effects.filter((e) => e.type === 'status').pop();
  const password = new core.Room({ room: 'lobby', nick: 'bob', seedHigh: 5, seedLow: 6, sealing: 'password' });
  password.join(0);
  password.signalUnreadable(probeOf(password).request, 10);
  assert.deepEqual(lastStatus(drain(password)), { type: 'status', state: 'closed', error: 'wrong-password', stage: '', historyEnd: 0 });

  const secret = new core.Room({ room: 'lobby', nick: 'bob', seedHigh: 7, seedLow: 8, sealing: 'secret' });
  secret.join(0);
  secret.signalUnreadable(probeOf(secret).request, 10);
  const again = probeOf(secret);
  assert.ok(again, 'it looks again');
  assert.equal(secret.lastDropReason(), 'unreadable signaling text');
  secret.signalUnreadable(again.request, 20);
  assert.deepEqual(lastStatus(drain(secret)), { type: 'status', state: 'closed', error: 'signal-tampered', stage: '', historyEnd: 0 });
});
