// What every real-browser test needs: the real signaling server on a free loopback port, browser
// processes opened through a driver adapter (drivers/*.mjs; WEBCHAT_BROWSERS picks them), and helpers
// that act on the page as a person would. Tests use only these helpers and the adapter's surface.

import './scratch.mjs';  // first: every temporary folder of this process goes in its own

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ctest sets these; run by hand, a test uses the checkout's build/ folder.
const inBuild = (path) => fileURLToPath(new URL(`../../build/${path}`, import.meta.url));
export const SERVER = process.env.WEBCHAT_SERVER ?? inBuild('server/webchat-server');
export const WEB_ROOT = process.env.WEBCHAT_WEB_ROOT ?? inBuild('web');
export const SCREENSHOTS = process.env.WEBCHAT_SCREENSHOTS ?? inBuild('screenshots');
// Which browsers the tests open: 'mixed' (the default) alternates Firefox and Chromium member by member
// (Firefox first), so every room mixes the two stacks; 'chromium' or 'firefox' opens only that one.
export const BROWSERS = process.env.WEBCHAT_BROWSERS ?? 'mixed';
const ALTERNATION = { chromium: ['chromium'], firefox: ['firefox'], mixed: ['firefox', 'chromium'] }[BROWSERS];
if (!ALTERNATION) throw new Error(`WEBCHAT_BROWSERS is chromium, firefox or mixed, not "${BROWSERS}"`);

// The rooms joins by name go to: 'public' (the room by its name) unless a test file asks for ROOMS
// with roomsByDefault(ROOMS) (chat, failover, mixed do). ROOMS is 'private' (one link secret per
// name, the invitation a bare link makes) unless WEBCHAT_ROOMS=public.
export const ROOMS = process.env.WEBCHAT_ROOMS ?? 'private';
if (!['private', 'public'].includes(ROOMS)) throw new Error(`WEBCHAT_ROOMS is private or public, not "${ROOMS}"`);
let defaultVisibility = 'public';
export function roomsByDefault(visibility) {
  defaultVisibility = visibility;
}
const secrets = new Map();
/** The link secret that stands for room `name` in this test run. */
export function secretFor(name) {
  if (!secrets.has(name)) secrets.set(name, randomBytes(16).toString('base64url'));
  return secrets.get(name);
}

// Generous: the deadlines only bound a failure, events end every wait.
export const DEADLINE_MS = 30000;

// Loaded when first used: a Chromium-only run never loads puppeteer, a Firefox-only one never playwright.
const drivers = {};
const driverFor = (browser) => (drivers[browser] ??= import(`./drivers/${browser}.mjs`));

/** Starts webchat-server on 127.0.0.1 with a port the OS picks; resolves once it listens. `webRoot`: what it serves. */
export function startServer(extraArgs = [], { webRoot = WEB_ROOT } = {}) {
  const child = spawn(SERVER, ['--listen', '127.0.0.1:0', '--web-root', webRoot, ...extraArgs],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stderr.on('data', (chunk) => log.push(chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join('')}`)), DEADLINE_MS);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log.join('')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      const url = match[1];
      resolvePromise({
        url,
        signal: `${url}/sig`,
        log,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
        }),
        /** SIGKILL, as a crash would: no parked request is answered. Resolves once it is gone. */
        kill: () => new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGKILL');
        }),
      });
    });
  });
}

/** A loopback port that nothing listens on (it was free a moment ago): a server that is down. */
export function closedPort() {
  return new Promise((resolvePromise) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePromise(port));
    });
  });
}

/** The built page as a file:// URL, as a person double-clicking it would open it. */
export const pageFromDisk = (file = 'index.html') => pathToFileURL(resolve(WEB_ROOT, file)).href;

/**
 * One browser process through its adapter: { name, kind, pid, newPage(options), close(), kill() }.
 * `browser` ('chromium' or 'firefox') is honoured when WEBCHAT_BROWSERS is mixed (default there:
 * Chromium); a single-browser run opens its browser whatever is asked. `dark`: the pages will want
 * dark mode (Firefox sets that at launch). `args`: command-line switches added for Chromium (Firefox
 * ignores them).
 */
export async function launchBrowser(name, { browser, dark = false, args } = {}) {
  const kind = BROWSERS === 'mixed' ? (browser ?? 'chromium') : BROWSERS;
  const launched = await (await driverFor(kind)).launch({ name, deadlineMs: DEADLINE_MS, dark, args });
  return { ...launched, kind };
}

/**
 * One browser process per name, launched in parallel (each takes seconds), each with one page.
 * pageOptions: { name: { width, height, dark, browser, args } } for pages that should not be the default
 * desktop; without `browser`, names alternate as WEBCHAT_BROWSERS says (mixed: Firefox, Chromium, ...);
 * `args` as in launchBrowser.
 */
export async function openBrowsers(names, pageOptions = {}) {
  return Promise.all(names.map(async (name, index) => {
    const { browser: kind = ALTERNATION[index % ALTERNATION.length], args, ...options } = pageOptions[name] ?? {};
    const browser = await launchBrowser(name, { browser: kind, dark: options.dark, args });
    const page = await browser.newPage(options);
    return { name, kind, browser, page };
  }));
}

export async function closeBrowsers(browsers) {
  await Promise.all(browsers.filter((b) => !b.killed).map((b) => b.browser.close()));
}

/** SIGKILLs one of `browsers` by name, as if its machine lost power; closeBrowsers then skips it. */
export function killBrowser(browsers, name) {
  const victim = browsers.find((b) => b.name === name);
  victim.killed = true;
  victim.browser.kill();
}

/**
 * Fills the join form and presses Join; does not wait for the outcome (see joinAs). `room`: a name,
 * opened as roomsByDefault says unless `visibility` says otherwise ('private': the name's link
 * secret, as if the page was opened from its invitation; 'public': the named room); with `password`,
 * the named room with that password. Without `room`, the page's own choice (a bare link: a fresh
 * private room).
 */
export async function submitJoin(page, { nick, room, signal, password, visibility = defaultVisibility }) {
  await page.fill('#nick', nick);
  if (room !== undefined) {
    const isPrivate = visibility === 'private' && !password;
    const hash = isPrivate ? `#s=${secretFor(room)}` : `#${room}`;
    await page.evaluate((wanted) => { location.hash = wanted; }, hash);
    await page.waitForFunction((wanted) => document.getElementById('room-choice').dataset.followed === wanted, hash);
    if (!isPrivate) {
      await page.fill('#room', room);
      await page.fill('#password', password ?? '');
    }
  }
  if (signal) {
    await page.evaluate(() => { document.getElementById('settings').open = true; });
    await page.fill('#signal', signal);
  }
  await page.click('#join');
}

/** Joins and waits until the page shows the chat, as host or guest; returns the status line. */
export async function joinAs(page, who) {
  await submitJoin(page, who);
  return waitForStatus(page, /^(Hosting|Connected as guest)/);
}

/** Waits until the status line matches `pattern`; returns its text. */
export function waitForStatus(page, pattern) {
  return page.waitForFunction(([source, flags]) => {
    const text = document.getElementById('status').textContent;
    return new RegExp(source, flags).test(text) && text;
  }, [pattern.source, pattern.flags]);
}

/** Types a line into the message box and presses Enter, as a person would. */
export async function say(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Waits until the conversation shows at least `count` chat lines; returns them all as "nick: text". */
export function waitForLines(page, count) {
  return page.waitForFunction((n) => {
    const lines = [...document.querySelectorAll('#messages li.line')];
    return lines.length >= n &&
      lines.map((li) => `${li.querySelector(':scope > .nick').textContent}: ${li.querySelector(':scope > .text').textContent}`);
  }, count);
}

/**
 * Waits until the member list shows exactly `nicks` (in order, or in any order with `anyOrder`);
 * returns how long that took.
 */
export async function waitForMembers(page, nicks, { anyOrder = false } = {}) {
  const started = Date.now();
  await page.waitForFunction(([expected, sorted]) => {
    const shown = [...document.querySelectorAll('#members li .nick')].map((span) => span.textContent);
    return JSON.stringify(sorted ? shown.sort() : shown) === JSON.stringify(expected);
  }, [anyOrder ? [...nicks].sort() : nicks, anyOrder]);
  return Date.now() - started;
}

/**
 * Keeps every text the status line is given from now on, in order, after the one it shows now (one
 * mutation record per text the page set, even when several are set before the observer runs, so a
 * passing "reconnecting" is not missed). statusesSeen(page) reads them.
 */
export function recordStatuses(page) {
  return page.evaluate(() => {
    const status = document.getElementById('status');
    window.statusSeen = [status.textContent];
    new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) window.statusSeen.push(node.textContent);
    }).observe(status, { childList: true });
  });
}

export const statusesSeen = (page) => page.evaluate(() => window.statusSeen);

// What a transfer may go without moving before its wait fails. Its waits have no fixed deadline (a
// busy machine slows a 50 MB file down, and it takes what it takes) but fail once nothing moves this
// long: the transfers' own timers give up on a silent holder after 15 to 30 s (docs/files.md).
export const STALL_MS = 60000;

/**
 * Polls `check()`, which resolves with [done, lastSeen, progress], until done; resolves with lastSeen.
 * After `deadlineMs` it throws, saying `what` and what was last seen. When check gives `progress`
 * (bytes moved, a status shown: anything JSON), the deadline counts from its last change instead: a
 * wait that fails only when nothing moves.
 */
export async function until(what, check, { deadlineMs = DEADLINE_MS, everyMs = 200 } = {}) {
  let deadline = Date.now() + deadlineMs;
  let moved;
  for (;;) {
    const [done, last, progress] = await check();
    if (done) return last;
    const now = Date.now();
    if (progress !== undefined && JSON.stringify(progress) !== moved) {
      moved = JSON.stringify(progress);
      deadline = now + deadlineMs;
    }
    if (now > deadline) {
      throw new Error(`${what}${moved === undefined ? '' : ` (nothing moved for ${deadlineMs} ms)`}; last seen: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => { setTimeout(resolve, everyMs); });
  }
}

/** Notices shown in the conversation ("bob joined", ...). */
export function notices(page) {
  return page.evaluate(() => [...document.querySelectorAll('#messages li.notice')].map((li) => li.textContent));
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot(`${SCREENSHOTS}/${name}.png`);
}
