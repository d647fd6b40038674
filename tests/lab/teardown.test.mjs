// The lab leaves nothing behind: not after teardown(), not when its test process is SIGKILLed
// (the watchdog cleans up), and a run finds and removes what an earlier, dead run left.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

import { Lab, removeStaleLabs } from './netlab.mjs';
import { skipUnlessLab } from './people.mjs';

await skipUnlessLab();

const namespacesOf = (prefix) =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((line) => line.startsWith(prefix));

// Alive and not a zombie waiting to be reaped.
function running(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(check, what, deadlineMs = 15000) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > deadlineMs) assert.fail(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('teardown removes every namespace and process of the run', async () => {
  const lab = await Lab.create({ a: 'home', b: 'symmetric' });
  await lab.startTurn();
  assert.equal(namespacesOf(lab.prefix).length, 5);  // internet, two routers, two LANs
  await lab.teardown();
  assert.deepEqual(namespacesOf(lab.prefix), []);
});

test('a SIGKILLed test process leaves nothing behind', async () => {
  // A child builds a lab with coturn running in it, says its prefix, and is killed without warning.
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import { Lab } from ${JSON.stringify(new URL('./netlab.mjs', import.meta.url).href)};
    const lab = await Lab.create({ a: 'home' });
    const turn = await lab.startTurn();
    console.log(lab.prefix, turn.pid);
    setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const [prefix, turnPid] = line.split(' ');
  assert.equal(namespacesOf(prefix).length, 3);
  child.kill('SIGKILL');
  await until(() => namespacesOf(prefix).length === 0, 'the watchdog removes the dead run\'s namespaces');
  await until(() => !running(Number(turnPid)), 'the dead run\'s coturn is gone');
});

test('stale namespaces of a dead run are removed by the next one', async () => {
  // As if a run had died with its watchdog: its pid is gone (a pid far above any live one).
  const prefix = 'wcl4194303xdead-';
  execFileSync('ip', ['netns', 'add', `${prefix}inet`]);
  await removeStaleLabs();
  assert.deepEqual(namespacesOf(prefix), []);
});
