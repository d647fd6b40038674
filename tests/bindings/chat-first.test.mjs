// Files make way for chat (web/files/chat-first.js), in node against the built copy: one pace for
// the whole page whatever the number of holders, a holder waiting on its link's drain (never polling)
// and waking when the pause ends, full speed out of a conversation.

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
const { chatActive, chatMoved, chatMoves, makeWay, PACED_BYTES_PER_S, spent } = await import(pathToFileURL(resolve(webRoot, 'files/chat-first.js')));

const CHUNK = 16 + 65536;
const empty = { empty: () => true, drained: () => assert.fail('an empty link is not waited on') };

test('out of a conversation a chunk goes at once and books nothing', async () => {
  assert.equal(chatActive(), false);
  // "At once": no chunk waits for a timer, so 50 of them go before a timer due now fires (a wall-clock
  // bound here failed on a loaded machine).
  let timerFired = false;
  const timer = setTimeout(() => { timerFired = true; }, 0);
  for (let i = 0; i < 50; i += 1) {
    await makeWay(empty);
    spent(CHUNK);
  }
  clearTimeout(timer);
  assert.equal(timerFired, false, 'a chunk waited for a timer');
});

test('each move of chat is counted, while transfers already make way too', () => {
  const before = chatMoves();
  chatMoved();
  assert.equal(chatMoves(), before + 1);
  assert.equal(chatActive(), true);
  chatMoved();
  assert.equal(chatMoves(), before + 2);
});

test('while chat is active, two holders share one pace: the page sends at most PACED_BYTES_PER_S', async () => {
  chatMoved();
  const gap = (CHUNK / PACED_BYTES_PER_S) * 1000;  // ~62.5 ms
  await makeWay(empty);
  spent(CHUNK);  // holder 1's chunk
  const started = performance.now();
  await makeWay(empty);  // holder 2 (another room's FileShare, another link): waits its turn
  spent(CHUNK);
  await makeWay(empty);  // holder 1 again
  assert.ok(performance.now() - started >= 2 * gap - 5, `${performance.now() - started} ms for two paced chunks`);
});

test('a holder whose link holds bytes waits for its drain once, not by polling', async () => {
  chatMoved();
  await makeWay(empty);  // the pace's slot, out of the way
  let waits = 0;
  let drain;
  let full = true;
  const link = {
    empty: () => !full,
    drained: (ms) => {
      waits += 1;
      assert.ok(ms > 1000, 'it may sleep until the pause ends');
      return new Promise((done) => { drain = done; });
    },
  };
  const turn = makeWay(link);
  await new Promise((r) => setTimeout(r, 200));  // let it wait a while (nothing else would wake it)
  assert.equal(waits, 1);
  full = false;
  drain();
  await turn;
  assert.equal(waits, 1);
});

test('a holder waiting on a link that never drains goes on when the pause ends', async () => {
  chatMoved();
  const started = performance.now();
  await makeWay({ empty: () => false, drained: (ms) => new Promise((done) => setTimeout(done, ms)) });
  const waited = performance.now() - started;
  assert.ok(waited >= 2900, `${waited} ms`);
  assert.equal(chatActive(), false);
});
