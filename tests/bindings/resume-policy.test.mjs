// When an incomplete download is asked again by itself (web/files/resume-policy.js), in node against
// the built copy, on a virtual clock: the back-off while a holder is in the room, at once when one
// appears, never faster than one attempt per FIRST_DELAY_MS, nothing when no holder is left, nothing
// after it is forgotten (cancelled, arrived, withdrawn).

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
const { FIRST_DELAY_MS, MAX_DELAY_MS, MAX_QUIET_ATTEMPTS, ResumePolicy } = await import(pathToFileURL(resolve(webRoot, 'files/resume-policy.js')));

/** A policy on a virtual clock: advance(ms) runs the timers due; attempts lists each retry's time. */
function harness({ present = true, onRetry = () => {} } = {}) {
  let now = 0;
  let timers = [];
  const clock = {
    holders: present,
    attempts: [],
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = until;
    },
    get now() { return now; },
  };
  clock.policy = new ResumePolicy({
    retry: (hash) => { clock.attempts.push([hash, now]); onRetry(hash); },
    holdersPresent: () => clock.holders,
    now: () => now,
    setTimer: (fn, ms) => { const t = { fn, at: now + ms }; timers.push(t); return t; },
    clearTimer: (t) => { timers = timers.filter((x) => x !== t); },
  });
  clock.armed = () => timers.length;
  return clock;
}

const H = 'a'.repeat(64);

test('with a holder in the room, each stop is followed by an attempt after 2 s doubling to 30 s', () => {
  const c = harness();
  c.policy.attempted(H);
  const waits = [];
  for (let i = 0; i < MAX_QUIET_ATTEMPTS; i += 1) {
    c.advance(10000);  // the attempt runs out (a get unanswered for 10 s)
    const stoppedAt = c.now;
    assert.equal(c.policy.incomplete(H), true);
    assert.equal(c.policy.resuming(H), true);
    const before = c.attempts.length;
    c.advance(MAX_DELAY_MS);
    assert.equal(c.attempts.length, before + 1, 'one attempt per stop');
    waits.push(c.attempts.at(-1)[1] - stoppedAt);
    c.advance(0);
  }
  assert.deepEqual(waits, [2000, 4000, 8000, 16000, 30000]);
});

test('after MAX_QUIET_ATTEMPTS attempts of its own with no byte moving it stops, until a holder appears or a person asks', () => {
  const c = harness();
  c.policy.attempted(H);
  const stopAndWait = () => {
    c.advance(10000);
    const again = c.policy.incomplete(H);
    c.advance(MAX_DELAY_MS);
    return again;
  };
  for (let i = 0; i < MAX_QUIET_ATTEMPTS; i += 1) assert.equal(stopAndWait(), true, `attempt ${i + 1}`);
  const before = c.attempts.length;
  assert.equal(stopAndWait(), false, 'a holder that cannot send it is not asked for ever');
  assert.equal(c.policy.resuming(H), false);
  c.advance(10 * MAX_DELAY_MS);
  assert.equal(c.attempts.length, before, 'nothing asked meanwhile');
  c.policy.holderAppeared(H);  // a member that completed it, or one arriving
  c.advance(0);
  assert.equal(c.attempts.length, before + 1);
  for (let i = 1; i < MAX_QUIET_ATTEMPTS; i += 1) assert.equal(stopAndWait(), true);
  assert.equal(stopAndWait(), false);
  c.policy.asked(H);  // "Try again"
  assert.equal(stopAndWait(), true, 'a person asking starts the count again');
});

test('bytes moving start the back-off over', () => {
  const c = harness();
  c.policy.attempted(H);
  for (let i = 0; i < 4; i += 1) {
    c.advance(10000);
    c.policy.incomplete(H);
    c.advance(MAX_DELAY_MS);
  }
  c.policy.moved(H);
  c.advance(15000);  // stalled
  const stoppedAt = c.now;
  c.policy.incomplete(H);
  c.advance(MAX_DELAY_MS);
  assert.equal(c.attempts.at(-1)[1] - stoppedAt, FIRST_DELAY_MS);
});

test('no holder in the room: nothing is asked until one appears, then at once', () => {
  const c = harness({ present: false });
  c.policy.attempted(H);
  c.advance(10000);
  assert.equal(c.policy.incomplete(H), false);
  assert.equal(c.policy.resuming(H), false);
  c.advance(10 * 60 * 1000);
  assert.deepEqual(c.attempts, []);
  c.holders = true;
  c.policy.holderAppeared(H);  // a member that completed the file said so
  c.advance(0);
  assert.deepEqual(c.attempts, [[H, c.now]]);
});

test('holders appearing again and again: never more than one attempt per FIRST_DELAY_MS', () => {
  // Each attempt stops at once (its holder answers busy), and a holder appears every 100 ms.
  const c = harness({ onRetry: (hash) => c.policy.incomplete(hash) });
  c.policy.attempted(H);
  c.policy.incomplete(H);
  for (let t = 0; t < 20000; t += 100) {
    c.policy.holderAppeared(H);
    c.advance(100);
  }
  const times = c.attempts.map(([, at]) => at);
  assert.ok(times.length >= 9, `${times.length} attempts`);
  for (let i = 1; i < times.length; i += 1) assert.ok(times[i] - times[i - 1] >= FIRST_DELAY_MS, `attempts at ${times}`);
});

test('a holder appearing while an attempt is out: should it stop, the next goes without the back-off', () => {
  const c = harness();
  c.policy.attempted(H);
  for (let i = 0; i < 3; i += 1) {  // the back-off is at 16 s now
    c.advance(10000);
    c.policy.incomplete(H);
    c.advance(MAX_DELAY_MS);
  }
  c.policy.holderAppeared(H);  // during the attempt: nothing at once
  assert.equal(c.armed(), 0);
  c.advance(10000);
  const stoppedAt = c.now;
  c.policy.incomplete(H);
  c.advance(MAX_DELAY_MS);
  assert.equal(c.attempts.at(-1)[1], stoppedAt, 'asked again at once');
});

test('the holders leaving stop the timer; forgetting a download stops everything', () => {
  const c = harness();
  c.policy.attempted(H);
  c.advance(10000);
  c.policy.incomplete(H);
  c.holders = false;
  assert.deepEqual(c.policy.holdersChanged(), [H]);
  assert.equal(c.policy.resuming(H), false);
  c.advance(60000);
  assert.deepEqual(c.attempts, []);
  c.holders = true;
  c.policy.holderAppeared(H);
  c.policy.forget(H);  // cancelled
  c.policy.holderAppeared(H);
  c.advance(60000);
  assert.deepEqual(c.attempts, []);
  assert.equal(c.armed(), 0);
});

test('with the page\'s own timers it calls them as a page must (not as methods of the policy)', async () => {
  const pageSetTimeout = globalThis.setTimeout;
  const pageClearTimeout = globalThis.clearTimeout;
  // A browser's setTimeout called with another `this` throws ("Illegal invocation"); node's does not.
  globalThis.setTimeout = function setTimeout(fn, ms) {
    if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
    return pageSetTimeout(fn, ms);
  };
  globalThis.clearTimeout = function clearTimeout(timer) {
    if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
    return pageClearTimeout(timer);
  };
  try {
    const asked = [];
    const policy = new ResumePolicy({ retry: (hash) => asked.push(hash), holdersPresent: () => true });
    policy.attempted(H);
    assert.equal(policy.incomplete(H), true);
    policy.holderAppeared(H);  // re-armed: clears the first timer
    await new Promise((resolve) => { pageSetTimeout(resolve, FIRST_DELAY_MS + 200); });
    assert.deepEqual(asked, [H]);
    policy.close();
  } finally {
    globalThis.setTimeout = pageSetTimeout;
    globalThis.clearTimeout = pageClearTimeout;
  }
});
