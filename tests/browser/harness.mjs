// What every real-browser test needs: the real signaling server on a free loopback port, browser
// processes opened through a driver adapter (drivers/*.mjs; WEBCHAT_DRIVER picks one), and helpers
// that act on the page as a person would. Tests use only these helpers and the adapter's surface.

import { spawn } from 'node:child_process';
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
const DRIVER = process.env.WEBCHAT_DRIVER ?? 'chromium';

// Generous: the deadlines only bound a failure, events end every wait.
export const DEADLINE_MS = 30000;

const driver = await import(`./drivers/${DRIVER}.mjs`);

/** Starts webchat-server on 127.0.0.1 with a port the OS picks; resolves once it listens. */
export function startServer(extraArgs = []) {
  const child = spawn(SERVER, ['--listen', '127.0.0.1:0', '--web-root', WEB_ROOT, ...extraArgs],
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

/** One browser process through the adapter: { name, pid, newPage(options), close(), kill() }. */
export function launchBrowser(name) {
  return driver.launch({ name, deadlineMs: DEADLINE_MS });
}

/**
 * One browser process per name, launched in parallel (each takes seconds), each with one page.
 * pageOptions: { name: { width, height, dark } } for pages that should not be the default desktop.
 */
export async function openBrowsers(names, pageOptions = {}) {
  return Promise.all(names.map(async (name) => {
    const browser = await launchBrowser(name);
    const page = await browser.newPage(pageOptions[name]);
    return { name, browser, page };
  }));
}

export async function closeBrowsers(browsers) {
  await Promise.all(browsers.map((b) => b.browser.close()));
}

/** Fills the join form and presses Join; does not wait for the outcome (see joinAs). */
export async function submitJoin(page, { nick, room, signal }) {
  await page.fill('#nick', nick);
  await page.fill('#room', room);
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
      lines.map((li) => `${li.querySelector('.nick').textContent}: ${li.querySelector('.text').textContent}`);
  }, count);
}

/** Waits until the member list shows exactly `nicks` (in order); returns how long that took. */
export async function waitForMembers(page, nicks) {
  const started = Date.now();
  await page.waitForFunction((expected) => {
    const shown = [...document.querySelectorAll('#members li .nick')].map((span) => span.textContent);
    return JSON.stringify(shown) === JSON.stringify(expected);
  }, nicks);
  return Date.now() - started;
}

/** Notices shown in the conversation ("bob joined", ...). */
export function notices(page) {
  return page.evaluate(() => [...document.querySelectorAll('#messages li.notice')].map((li) => li.textContent));
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot(`${SCREENSHOTS}/${name}.png`);
}
