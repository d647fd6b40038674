// The module's watch on its own network (web/network-watch.js), in node against the built copy, with a
// scripted peer connection: which looks count as a change of network and which do not. The lab
// (tests/lab/) proves the whole path on real NATs; this proves the rules, look by look.

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
const { ownAddresses, watchNetwork } = await import(pathToFileURL(resolve(webRoot, 'network-watch.js')));

const host = (address) => `candidate:1 1 udp 2122260223 ${address} 50000 typ host generation 0`;
const srflx = (address) => `candidate:2 1 udp 1686052607 ${address} 40000 typ srflx raddr 0.0.0.0 rport 0`;
const relay = (address) => `candidate:3 1 udp 41885439 ${address} 60000 typ relay raddr 0.0.0.0 rport 0`;

test('ownAddresses keeps host and server-reflexive addresses, never ports nor relays', () => {
  const found = ownAddresses([host('a.local'), `a=${srflx('203.0.113.5')}`, relay('198.51.100.9'), 'garbage']);
  assert.deepEqual([...found].sort(), ['host a.local', 'srflx 203.0.113.5']);
});

// A watch driven look by look: each look's candidates come from `looks` (an array per look, or an
// Error: the connection cannot gather). Resolves with the reports and the connections made.
// `then`: what the report does after it is noted.
function scripted(looks, { at = (i) => i * 1000, then = () => {} } = {}) {
  return new Promise((done) => {
    const reports = [];
    const connections = [];
    let look = 0;
    let stop = null;
    const finishAt = looks.length;
    class FakeConnection extends EventTarget {
      constructor(config) { super(); this.config = config; this.closed = false; connections.push(this); }
      createDataChannel() {}
      createOffer() {
        const script = looks[look];
        look += 1;
        if (script instanceof Error) return Promise.reject(script);
        setTimeout(() => {
          for (const candidate of script) this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate } }));
          this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }));
          if (look === finishAt) setTimeout(() => { stop(); done({ reports, connections }); }, 0);
        }, 0);
        return Promise.resolve({ type: 'offer', sdp: '' });
      }
      setLocalDescription() { return Promise.resolve(); }
      close() { this.closed = true; }
    }
    ({ stop } = watchNetwork({
      iceServers: () => [{ urls: 'stun:stun.example' }, { urls: 'turn:turn.example', username: 'u', credential: 'c' }],
      newPeerConnection: (config) => new FakeConnection(config),
      onChange: (fresh) => { reports.push({ look: look - 1, fresh }); then(); },
      everyMs: 1,
      now: () => at(Math.max(0, look - 1)),  // the time of the look under way
    }));
  });
}

// A watch on a connection whose look number i (from 0) finds look(i): { candidates, end } (end: whether
// the look ends with end-of-candidates, else only at its cap). Returns { watch, reports, looks() }.
function watchWith(look, everyMs = 1000) {
  const reports = [];
  let count = 0;
  class FakeConnection extends EventTarget {
    createDataChannel() {}
    createOffer() {
      const { candidates, end } = look(count);
      count += 1;
      setTimeout(() => {
        for (const candidate of candidates) this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate } }));
        if (end) this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }));
      }, 0);
      return Promise.resolve({ type: 'offer', sdp: '' });
    }
    setLocalDescription() { return Promise.resolve(); }
    close() {}
  }
  const watch = watchNetwork({
    iceServers: () => [{ urls: 'stun:stun.example' }],
    newPeerConnection: () => new FakeConnection(),
    onChange: (fresh) => reports.push({ at: Date.now(), look: count - 1, fresh }),
    everyMs,
  });
  return { watch, reports, looks: () => count };
}

// Resolves once what() holds; fails after `ms` (a report that never comes fails the test, not hangs it).
const until = (what, ms = 5000) => new Promise((resolve, reject) => {
  const started = Date.now();
  const poll = setInterval(() => {
    if (what()) { clearInterval(poll); resolve(); } else if (Date.now() - started > ms) { clearInterval(poll); reject(new Error(`not within ${ms} ms`)); }
  }, 5);
});
const wait = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// A watch whose own looks are a minute apart: only a check's looks run in a test's span. The first
// check makes it learn this network (its first look only learns), and is answered.
async function knowingWatch(look) {
  const watched = watchWith(look, 60000);
  let learned = false;
  watched.watch.check(() => { learned = true; });
  await until(() => learned);
  return watched;
}

test('a new address is reported as its candidate comes, not at the end of the look', async () => {
  const same = [host('a.local'), srflx('203.0.113.5')];
  // The second look names a new host address and then waits for a STUN server that never answers.
  const { watch, reports, looks } = watchWith((i) => (i === 0 ? { candidates: same, end: true } : { candidates: [host('b.local')], end: false }), 10);
  await until(() => looks() >= 2);
  const lookedAt = Date.now();
  await until(() => reports.length >= 1);
  watch.stop();
  assert.deepEqual(reports[0].fresh, ['host b.local']);
  assert.ok(reports[0].at - lookedAt < 1000, `reported ${reports[0].at - lookedAt} ms into the look (its cap: 1.5 s)`);
});

test('a check looks again and again for a while: a change found meanwhile answers it', async () => {
  let moved = false;
  const { watch, reports } = await knowingWatch(() => ({ candidates: [host(moved ? 'b.local' : 'a.local'), srflx('203.0.113.5')], end: true }));
  let unchanged = false;
  const checkedAt = Date.now();
  watch.check(() => { unchanged = true; });
  await wait(300);
  moved = true;  // the browser learns of its new address while the check looks
  await until(() => reports.length >= 1);
  await wait(1000);
  watch.stop();
  assert.deepEqual(reports.map((r) => r.fresh), [['host b.local']]);
  assert.ok(reports[0].at - checkedAt < 1000, `reported ${reports[0].at - checkedAt} ms after the check began (the room logic waits 1 s)`);
  assert.equal(unchanged, false, 'the report answered the check');
});

test('a check that finds nothing new answers so after its span of looks, each a fresh look', async () => {
  const { watch, reports, looks } = await knowingWatch(() => ({ candidates: [host('a.local'), srflx('203.0.113.5')], end: true }));
  let answeredAt = null;
  const checkedAt = Date.now();
  const looksBefore = looks();
  watch.check(() => { answeredAt = Date.now(); });
  await until(() => answeredAt !== null);
  const looked = looks() - looksBefore;
  watch.stop();
  assert.deepEqual(reports, []);
  // The answer comes at the span's end (0.8 s), not before; the upper bound only says it is not held
  // much longer (wall-clock timers on a busy machine fire late).
  assert.ok(answeredAt - checkedAt >= 800 && answeredAt - checkedAt < 1500, `answered after ${answeredAt - checkedAt} ms`);
  assert.ok(looked >= 4, `${looked} looks`);
});

test('a check ends a look that waits for a silent STUN server: the next look, soon after, finds the move', async () => {
  let moved = false;
  // Every look after the first names its host address and then waits for its cap (1.5 s).
  const { watch, reports, looks } = watchWith((i) => (i === 0
    ? { candidates: [host('a.local'), srflx('203.0.113.5')], end: true }
    : { candidates: [host(moved ? 'b.local' : 'a.local')], end: false }), 10);
  await until(() => looks() >= 2);  // the second look under way, waiting
  await wait(50);
  moved = true;
  const checkedAt = Date.now();
  watch.check(() => {});
  await until(() => reports.length >= 1);
  watch.stop();
  assert.deepEqual(reports[0].fresh, ['host b.local']);
  // Without the check ending it, the stuck look holds until its cap (1.5 s) and the report comes after it.
  assert.ok(reports[0].at - checkedAt < 1200, `reported ${reports[0].at - checkedAt} ms after the check began (a look's cap: 1.5 s)`);
});

test('a check on a stopped watch is never answered', async () => {
  const { watch } = watchWith(() => ({ candidates: [host('a.local')], end: true }), 10);
  watch.stop();
  let answered = false;
  watch.check(() => { answered = true; });
  await wait(1200);
  assert.equal(answered, false);
});

test('the first look learns; a new host address of the same kind is a change, reported once', async () => {
  const { reports, connections } = await scripted([
    [host('a.local'), srflx('203.0.113.5')],
    [host('a.local'), srflx('203.0.113.5')],
    [host('b.local'), srflx('203.0.113.5')],
    [host('b.local'), srflx('203.0.113.5')],
  ]);
  assert.deepEqual(reports, [{ look: 2, fresh: ['host b.local'] }]);
  assert.equal(connections.length, 1, 'one connection, gathering again each look');
  assert.deepEqual(connections[0].config.iceServers.flatMap((s) => [s.urls].flat()), ['stun:stun.example'], 'never a TURN server');
});

test('a missing address, a late first public address and an address seen within the minute are no change', async () => {
  const { reports } = await scripted([
    [host('a.local')],                                   // the STUN answer came after the cap
    [host('a.local'), srflx('203.0.113.5')],             // the first public address: learned
    [host('a.local')],                                   // a lost STUN answer
    [host('a.local'), srflx('203.0.113.6')],             // a pool's other address: a change…
    [host('a.local'), srflx('203.0.113.5')],             // …and back to the first, seen within the minute
    [host('a.local'), srflx('203.0.113.6')],
  ], { at: (i) => i * 11000 });                          // looks 11 s apart: no quiet window in the way
  assert.deepEqual(reports, [{ look: 3, fresh: ['srflx 203.0.113.6'] }]);
});

test('one move that shows its host address a look before its public one is reported once', async () => {
  const { reports } = await scripted([
    [host('a.local'), srflx('203.0.113.5')],
    [host('b.local')],
    [host('b.local'), srflx('198.51.100.7')],
  ]);
  assert.deepEqual(reports, [{ look: 1, fresh: ['host b.local'] }]);
});

test('one move whose public address shows two slow looks after its host address is reported once', async () => {
  const { reports } = await scripted([
    [host('a.local'), srflx('203.0.113.5')],
    [host('b.local')],                                   // the move's host address…
    [host('b.local')],                                   // (its STUN answers late: a busy machine)
    [host('b.local'), srflx('198.51.100.7')],            // …its public one 5 s later: the same move
  ], { at: (i) => i * 2500 });
  assert.deepEqual(reports, [{ look: 1, fresh: ['host b.local'] }]);
});

test('a second move seconds after the first is reported too: a host that moves twice keeps its room', async () => {
  const { reports } = await scripted([
    [host('a.local'), srflx('203.0.113.5')],
    [host('b.local'), srflx('203.0.113.5')],             // a move (its new host address)…
    [host('b.local'), srflx('198.51.100.7')],            // …its public one a look later: the same move
    [host('b.local'), srflx('198.51.100.7')],
    [host('b.local'), srflx('198.51.100.7')],
    [host('b.local'), srflx('198.51.100.7')],
    [host('b.local'), srflx('198.51.100.7')],
    [host('b.local'), srflx('198.51.100.7')],
    [host('c.local'), srflx('198.51.100.7')],            // another move, 7 s after the first
  ]);
  assert.deepEqual(reports, [{ look: 1, fresh: ['host b.local'] }, { look: 8, fresh: ['host c.local'] }]);
});

test('an address not seen for over a minute is new again', async () => {
  const { reports } = await scripted([
    [srflx('203.0.113.5')],
    [srflx('198.51.100.7')],
    [srflx('198.51.100.7')],
    [srflx('203.0.113.5')],
  ], { at: (i) => i * 40000 });
  assert.deepEqual(reports.map((r) => r.look), [1, 3]);
});

test('a connection that cannot gather is replaced, and its successor\'s names are learned, not reported', async () => {
  const { reports, connections } = await scripted([
    [host('a.local'), srflx('203.0.113.5')],
    new Error('cannot gather'),
    [host('c.local'), srflx('203.0.113.5')],  // mDNS names are per connection
    [host('c.local'), srflx('203.0.113.5')],
  ]);
  assert.deepEqual(reports, []);
  assert.equal(connections.length, 2);
  assert.equal(connections[0].closed, true);
});

test('a report that throws does not stop the watch', async () => {
  const error = console.error;
  console.error = () => {};  // the watch says what the report threw
  const { reports } = await scripted([
    [srflx('203.0.113.5')],
    [srflx('198.51.100.7')],
    [srflx('198.51.100.7')],
    [srflx('203.0.113.9')],
  ], { at: (i) => i * 11000, then: () => { throw new Error('the logic threw'); } }).finally(() => { console.error = error; });
  assert.deepEqual(reports.map((r) => r.look), [1, 3]);
});
