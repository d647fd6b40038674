// Real browsers behind real NATs (tests/lab/netlab.mjs builds them): who connects, how, and what
// the page says. One topology for every case of this file; run directly by node (not `node --test`)
// so that a machine without namespaces exits with ctest's skip code.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { say, waitForLines } from '../browser/harness.mjs';
import { joinInLan, openInLan, skipUnlessLab, startLab } from './people.mjs';

await skipUnlessLab();

let lab;
let turn;
const people = [];

before(async () => {
  ({ lab, turn } = await startLab({ home1: 'home', home2: 'home' }));
});

after(async () => {
  await Promise.all(people.map((p) => p.browser.close()));
  await lab?.teardown();
});

async function open(lan, name) {
  const person = await openInLan(lab, lan, name);
  people.push(person);
  return person;
}

test('two home NATs with a STUN server chat', async () => {
  const [alice, bob] = await Promise.all([open('home1', 'alice'), open('home2', 'bob')]);
  const stun = turn.stun;
  assert.match(await joinInLan(alice.page, { nick: 'alice', room: 'homes', ice: stun }), /^Hosting/);
  assert.match(await joinInLan(bob.page, { nick: 'bob', room: 'homes', ice: stun }), /^Connected as guest/);
  await say(bob.page, 'hello across two routers');
  await waitForLines(alice.page, 1);
  await say(alice.page, 'and back');
  for (const { page } of [alice, bob]) {
    assert.deepEqual(await waitForLines(page, 2), ['bob: hello across two routers', 'alice: and back']);
  }
});
