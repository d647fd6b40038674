// The file-transfer state machine through its embind class (webchat-core.js's Transfers): a holder and
// a receiver wired by hand carry a file across, and hostile input cuts its sender off.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { test } from 'node:test';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
const core = await createRequire(import.meta.url)(resolve(webRoot, 'webchat-core.js'))();

function drain(machine) {
  const effects = [];
  for (let e = machine.poll(); e !== null; e = machine.poll()) effects.push(e);
  return effects;
}

test('a file crosses between two machines, acked in windows, and its end is verified', () => {
  const size = core.transferWindowBytes + 3 * core.transferChunkBytes + 5;
  const bytes = Buffer.alloc(size, 7);
  const hash = createHash('sha256').update(bytes).digest('hex');  // any 64-hex digest will do here
  const holder = new core.Transfers();
  const receiver = new core.Transfers();
  assert.equal(holder.offer(hash, size), '');
  assert.equal(holder.offer('nope', size), 'bad-hash');
  const transfer = receiver.fetch(hash, size, 'alice', 0);
  assert.ok(transfer > 0);
  let received = 0;
  let verified = false;
  let toHolder = drain(receiver);
  for (let round = 0; round < 100 && !verified; round += 1) {
    for (const e of toHolder) if (e.type === 'send-text') holder.text('bob', e.text, 1);
    const toReceiver = drain(holder);
    toHolder = [];
    for (const e of toReceiver) {
      if (e.type !== 'send-chunk') continue;
      assert.equal(e.offset, received);
      assert.equal(receiver.chunk('alice', e.request, e.offset, e.length, 2), transfer);
      received += e.length;
      receiver.stored(transfer, received, 2);
      toHolder.push(...drain(receiver).filter((r) => {
        if (r.type === 'verify') verified = true;
        return r.type === 'send-text';
      }));
    }
  }
  assert.equal(received, size);
  assert.ok(verified);
  receiver.hashed(transfer, hash, 3);
  const ended = drain(receiver).find((e) => e.type === 'ended');
  assert.deepEqual(ended, { type: 'ended', transfer, outcome: 'complete', reason: 'complete', bytes: size });
  assert.ok(receiver.offers(hash));  // it serves the file on
});

test('hostile input cuts its sender off and throws nothing', () => {
  const receiver = new core.Transfers();
  const hash = 'ab'.repeat(32);
  const transfer = receiver.fetch(hash, 10 * core.transferChunkBytes, 'mallory', 0);
  const get = JSON.parse(drain(receiver)[0].text);
  assert.equal(get.type, 'get');
  const chunk = core.transferChunkBytes;
  assert.equal(receiver.chunk('mallory', get.request, 0, chunk, 1), transfer);
  assert.equal(receiver.chunk('mallory', get.request, 2 * chunk, chunk, 1), 0);
  const effects = drain(receiver);
  assert.deepEqual(effects.find((e) => e.type === 'cut-off'), { type: 'cut-off', peer: 'mallory', reason: 'chunk-gap', hash });
  assert.equal(effects.find((e) => e.type === 'ended').outcome, 'incomplete');
  assert.equal(receiver.lastCutOffReason(), 'chunk-gap');
  for (const text of ['', '{', '{"type":"get","request":1e300}', '{"type":"ack","request":-1,"upto":"x"}', '\u0000'.repeat(600)]) {
    receiver.text('eve', text, 2);
    assert.equal(drain(receiver).find((e) => e.type === 'cut-off').reason, 'malformed-message');
  }
  assert.equal(receiver.resume(transfer, 'carol', 3), '');
  assert.equal(JSON.parse(drain(receiver)[0].text).from, core.transferChunkBytes);
});
