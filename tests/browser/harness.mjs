// What every real-browser test needs: the real signaling server on a free loopback port, and
// separate Debian Chromium processes driven by playwright-core, with helpers that act as a user would.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const SERVER = process.env.WEBCHAT_SERVER ?? 'build/server/webchat-server';
export const WEB_ROOT = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
export const SCREENSHOTS = process.env.WEBCHAT_SCREENSHOTS ?? 'build/screenshots';
export const CHROMIUM = process.env.WEBCHAT_CHROMIUM ?? '/usr/bin/chromium';

// Generous: the deadlines only bound a failure, events end every wait.
export const DEADLINE_MS = 30000;

/** Starts webchat-server on 127.0.0.1 with a port the OS picks; resolves once it listens. */
export function startServer(extraArgs = []) {
  const child = spawn(SERVER, ['--listen', '127.0.0.1:0', '--web-root', WEB_ROOT, ...extraArgs],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stderr.on('data', (chunk) => log.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join('')}`)), DEADLINE_MS);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log.join('')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      const url = match[1];
      resolve({
        url,
        signal: `${url}/sig`,
        log,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--allow-file-access-from-files',
];

/** One browser process with one page; `name` labels its console output in failures. */
export async function openBrowser(name) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  page.setDefaultTimeout(DEADLINE_MS);
  page.on('pageerror', (error) => console.error(`[${name}] page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[${name}] console: ${message.text()}`);
  });
  return { name, browser, page, pid: browser.process?.()?.pid };
}

/** Fills the join form and waits until the page shows the chat (as host or guest). */
export async function joinAs(page, { nick, room, signal }) {
  await page.fill('#nick', nick);
  await page.fill('#room', room);
  if (signal) {
    await page.click('#settings summary');
    await page.fill('#signal', signal);
  }
  await page.click('#join');
  await page.waitForSelector('#chat:not([hidden])');
}

/** Types a line into the message box and presses Enter, as a person would. */
export async function say(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Waits until the message list shows `count` lines; returns them as "nick: text". */
export async function waitForMessages(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll('#messages li').length >= n, count);
  return page.$$eval('#messages li', (items) =>
    items.map((li) => `${li.querySelector('.nick').textContent}: ${li.querySelector('.text').textContent}`));
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}
