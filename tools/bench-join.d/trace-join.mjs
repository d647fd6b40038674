#!/usr/bin/env node
// Where a join's milliseconds go: app joins (public room) with Ed25519 real, app joins with Ed25519
// answered at once (skipEd25519), and the plain-JS pair, taking turns in the same two browsers; then
// the merged timeline of a few traced joins (trace.mjs). A tool for profiling, not a benchmark.
//
//   node tools/bench-join.d/trace-join.mjs [--runs N] [--traces N] [--room public|private|password]
//                                          [--compare WEB_ROOT] [--no-noed] [--verbose]
//
// --compare: another build's web app (say /tmp/old/build/web) joins too, as contender 'other', served
// by a second server of this build on its own port: two builds side by side in one run, taking turns.
// --no-noed leaves out the app joins without Ed25519. --verbose prints every traced join's timeline;
// without it, the medians of its steps.

import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { launchBrowser, startServer, WEB_ROOT } from '../../tests/browser/harness.mjs';
import * as inPage from './in-page.mjs';
import * as trace from './trace.mjs';

const { values: options } = parseArgs({
  options: { runs: { type: 'string', default: '11' }, traces: { type: 'string', default: '3' }, room: { type: 'string', default: 'public' },
             compare: { type: 'string' }, 'no-noed': { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false } },
});
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

let counter = 0;
function rooms(room) {
  if (options.room === 'private') return { secret: randomBytes(16).toString('base64url') };
  if (options.room === 'password') return { room, password: `pw-${room}` };
  return { room };
}

async function once({ host, guest }, servers, contender, traced = false) {
  const room = `trace-${process.pid}-${++counter}`;
  const app = contender !== 'raw';
  const server = contender === 'other' ? servers.other : servers.main;
  const args = { rooms: rooms(room), id: room, signal: server.signal, iceServers: [] };
  await Promise.all([['host', host], ['guest', guest]].map(async ([who, page]) => {
    await page.goto(`${server.url}/style.css`);
    if (traced) await page.evaluate(trace.installTrace, who);
    if (contender === 'app-noed') await page.evaluate(inPage.skipEd25519);
    if (app) await page.evaluate(() => import('/webchat.js').then(() => globalThis[Symbol.for('webchat.core')]).then(() => true));
    if (app && traced) await page.evaluate(trace.traceCore, who);
  }));
  await host.evaluate(inPage.watchHost, { connections: app ? 2 : 1, gathered: true });
  await host.evaluate(app ? inPage.appHost : inPage.rawHost, args);
  if (traced) {
    await host.evaluate(trace.takeTrace);
    await guest.evaluate(trace.takeTrace);
  }
  const took = await guest.evaluate(app ? inPage.appGuest : inPage.rawGuest, args);
  if (!traced) return took;
  const log = [...await host.evaluate(trace.takeTrace), ...await guest.evaluate(trace.takeTrace)].sort((a, b) => a.at - b.at);
  const start = log.find((e) => e.what === 'START joinRoom').at;
  if (options.verbose) {
    console.log(`--- traced ${contender} join: ${took.toFixed(1)} ms`);
    for (const e of log) console.log(`${(e.at - start).toFixed(2).padStart(8)}  ${e.who.padEnd(5)}  ${e.what}`);
  }
  phases[contender].push(phasesOf(log));
  return took;
}

// A join's steps, from its timeline: the join starts, its probe leaves, the guest has the offer, its
// answer leaves, the host has it, the host's channel opens, the guest has the first line.
const PHASES = ['joinRoom → probe sent', 'probe sent → offer', 'offer → answer sent', 'answer sent → host has it',
                'host has it → channel open', 'channel open → line shown'];
function phasesOf(log) {
  const after = (at, who, pattern) => log.find((e) => e.at >= at && e.who === who && pattern.test(e.what))?.at ?? NaN;
  const start = after(0, 'guest', /^START joinRoom/);
  const probe = after(start, 'guest', /^fetch get sent/);
  const offer = after(probe, 'guest', /^fetch get answered 200/);
  const answerSent = after(offer, 'guest', /^fetch set sent/);
  const hostHas = after(answerSent, 'host', /^fetch get answered 200/);
  const open = after(hostHas, 'host', /^channel open/);
  const shown = log.filter((e) => e.who === 'guest' && /^received /.test(e.what) && e.at >= open).pop()?.at ?? NaN;
  return [probe - start, offer - probe, answerSent - offer, hostHas - answerSent, open - hostHas, shown - open, shown - start];
}
const phases = { app: [], other: [], raw: [] };

const servers = { main: await startServer(['--quiet']) };
if (options.compare) servers.other = await startServer(['--quiet'], { webRoot: options.compare });
const browsers = await Promise.all([launchBrowser('host'), launchBrowser('guest')]);
try {
  const [host, guest] = await Promise.all(browsers.map((b) => b.newPage()));
  const pages = { host, guest };
  console.log(`${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${options.room} rooms`);
  if (options.compare) console.log(`app: ${WEB_ROOT}; other: ${options.compare}`);
  const contenders = ['app', ...(options.compare ? ['other'] : []), ...(options['no-noed'] ? [] : ['app-noed']), 'raw'];
  for (const c of contenders) await once(pages, servers, c);  // untimed: first-use costs
  const times = Object.fromEntries(contenders.map((c) => [c, []]));
  for (let i = 0; i < Number(options.runs); i++) {
    for (const c of i % 2 ? [...contenders].reverse() : contenders) times[c].push(await once(pages, servers, c));
  }
  for (const c of contenders) {
    console.log(`${c.padEnd(9)} ${median(times[c]).toFixed(1)} ms  ${(median(times[c]) / median(times.raw)).toFixed(2)}×  [${times[c].map((t) => t.toFixed(0)).join(', ')}]`);
  }
  const traced = contenders.filter((c) => c !== 'app-noed');
  for (let i = 0; i < Number(options.traces); i++) {
    for (const c of i % 2 ? [...traced].reverse() : traced) await once(pages, servers, c, true);
  }
  if (Number(options.traces) > 0) {
    const names = { app: 'webchat', other: 'other', raw: 'plain pair' };
    console.log(`median of ${options.traces} traced joins each, ms   ${traced.map((c) => names[c].padStart(10)).join('')}`);
    [...PHASES, 'whole join (traced)'].forEach((name, i) => {
      const of = (c) => median(phases[c].map((p) => p[i]).filter((v) => !Number.isNaN(v))).toFixed(1);
      console.log(`  ${name.padEnd(28)}      ${traced.map((c) => of(c).padStart(10)).join('')}`);
    });
  }
  console.log(`${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await Promise.all(browsers.map((b) => b.close()));
  await Promise.all(Object.values(servers).map((s) => s.stop()));
}
