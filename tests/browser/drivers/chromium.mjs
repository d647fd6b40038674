// The browser adapter for Debian's Chromium, driven by playwright-core. Tests never touch playwright:
// they use this small surface, so another driver (Firefox through puppeteer-core, say) only needs a
// file like this one.
//
//   const browser = await launch({ name });          browser.pid, newPage(), close(), kill()
//   const page = await browser.newPage({ width, height, dark });
//   page.goto(url), reload(), fill(selector, text), click(selector), press(selector, key),
//   page.waitForFunction(fn, arg), evaluate(fn, arg), screenshot(path), holdRequests(urlPart),
//   emulate({ width, height, dark }), newTab(), front() (front: Chromium only)
//   const browser = await launchAttached({ name, ... });  a page that can be frozen: page.lifecycle(state)

import '../scratch.mjs';  // first: before playwright is loaded

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { chromium } from 'playwright-core';

import { forwardPageErrors } from './page-errors.mjs';

const CHROMIUM = process.env.WEBCHAT_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--allow-file-access-from-files',
];

export const driverName = 'chromium';

/**
 * Starts one browser process. `deadlineMs` bounds every wait of its pages; `executablePath` and
 * `args` (added to the defaults) serve the network lab, which runs Chromium inside a namespace.
 */
export async function launch({ name, deadlineMs, executablePath = CHROMIUM, args = [] }) {
  // A browser server, not launch(): its process id lets a test kill it as a crash would.
  const server = await chromium.launchServer({ executablePath, headless: true, args: [...ARGS, ...args] });
  const browser = await chromium.connect(server.wsEndpoint());
  const pid = server.process().pid;
  return {
    name,
    pid,
    /**
     * permissions: what the page is allowed without asking, e.g. ['notifications']. holdsRequests: the
     * test will use holdRequests(), which needs service workers kept out (their requests bypass it).
     */
    async newPage({ width = 1000, height = 700, dark = false, permissions = [], holdsRequests = false } = {}) {
      // A context of its own (a fresh profile), which newTab() can open more tabs in.
      const context = await browser.newContext({ viewport: { width, height }, colorScheme: dark ? 'dark' : 'light', permissions,
                                                 serviceWorkers: holdsRequests ? 'block' : 'allow' });
      const page = await context.newPage();
      page.setDefaultTimeout(deadlineMs);
      forwardPageErrors(page, name);
      return wrapPage(page, deadlineMs);
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
    },
    /** SIGKILL, as if the machine lost power: no pagehide, no goodbye on any channel. */
    kill() {
      // The whole process group (playwright starts it detached), as a power loss would: its renderers
      // and network process carry the peer connections, and without their parent they linger until
      // they notice it is gone (playwright removes the profile once all of them closed its pipes).
      try { process.kill(-pid, 'SIGKILL'); } catch { process.kill(pid, 'SIGKILL'); }
      browser.close().catch(() => {});  // the connection is gone; only settle the client side
    },
  };
}

/**
 * A Chromium started by hand (headless, --remote-debugging-port) and attached over CDP with
 * playwright's `noDefaults`, for pages that must really freeze: a playwright-launched page keeps focus
 * emulation on, which holds it visible and awake, so `Page.setWebLifecycleState` freezes nothing there
 * (ENGINEERING.md). One page, in the browser's default context: { name, pid, page, close(), kill() }.
 * `reach(port)` resolves with the host:port this process connects to for the browser's DevTools port
 * (the lab's browsers listen inside their namespace).
 */
export async function launchAttached({ name, deadlineMs, executablePath = CHROMIUM, args = [],
                                       reach = async (port) => `127.0.0.1:${port}` }) {
  const profile = mkdtempSync(join(tmpdir(), 'webchat-chromium-'));
  // Its own process group (detached), so that stopping it stops its renderers and utility processes
  // too: killing only the browser process left them running for a while, writing into the profile
  // as it was removed (ENOTEMPTY) and outliving the test.
  const child = spawn(executablePath, ['--headless', ...ARGS, ...args, `--user-data-dir=${profile}`,
                                       '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const exited = new Promise((resolve) => { child.once('exit', resolve); });
  const stopped = async () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  };
  try {
    const endpoint = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: Chromium gave no DevTools address`)), deadlineMs);
      child.once('exit', (code) => reject(new Error(`${name}: Chromium exited with ${code}`)));
      createInterface({ input: child.stderr }).on('line', (line) => {
        const match = /DevTools listening on ws:\/\/[^/]+:(\d+)(\/\S+)/.exec(line);
        if (match) { clearTimeout(timer); resolve(reach(Number(match[1])).then((hostPort) => `ws://${hostPort}${match[2]}`)); }
      });
    });
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, timeout: deadlineMs });
    const context = browser.contexts()[0];
    const page = context.pages()[0] ?? await context.newPage();
    await page.setViewportSize({ width: 1000, height: 700 });
    page.setDefaultTimeout(deadlineMs);
    forwardPageErrors(page, name);
    const close = async () => {
      await browser.close().catch(() => {});
      await stopped();
    };
    return { name, pid: child.pid, page: wrapPage(page, deadlineMs), close, kill: close };
  } catch (error) {
    await stopped();
    throw error;
  }
}

function wrapPage(page, deadlineMs) {
  let cdp = null;
  return {
    goto: (url) => page.goto(url).then(() => {}),
    reload: () => page.reload().then(() => {}),
    fill: (selector, text) => page.fill(selector, text),
    click: (selector) => page.click(selector),
    press: (selector, key) => page.press(selector, key),
    waitForFunction: (fn, arg) => page.waitForFunction(fn, arg, { timeout: deadlineMs }).then((handle) => handle.jsonValue()),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    screenshot: (path) => page.screenshot({ path, fullPage: true }).then(() => {}),
    close: () => page.close({ runBeforeUnload: true }),
    /** The page's size and colour scheme from now on. */
    emulate: async ({ width = 1000, height = 700, dark = false }) => {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
    },
    /**
     * Page Lifecycle as phones drive it: 'frozen' hides the page and stops its timers and events (only
     * a launchAttached page: elsewhere nothing freezes); 'active' resumes it and shows it again, as a
     * person coming back to the tab.
     */
    lifecycle: async (state) => {
      cdp ??= await page.context().newCDPSession(page);  // kept: a detached session may undo its state
      // Focus emulation holds a page visible and awake: off while frozen; on again to show it once
      // resumed (freezing hid it, and a hidden page's timers run at most once a second).
      if (state === 'frozen') await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
      await cdp.send('Page.setWebLifecycleState', { state });
      if (state === 'active') await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    },
    /**
     * Brings this tab to the front of its window. In a browser started by hand (launchAttached) the
     * tab that was in front is then hidden, with a hidden page's timer throttling.
     */
    front: () => page.bringToFront(),
    /** Another tab of the same profile: same origin storage (OPFS) and Web Locks. */
    newTab: async () => {
      const tab = await page.context().newPage();
      tab.setDefaultTimeout(deadlineMs);
      return wrapPage(tab, deadlineMs);
    },
    /** Holds back the page's requests whose URL contains `part` until the returned function is called. */
    holdRequests: async (part) => {
      const held = [];
      let released = false;
      const matches = (url) => url.href.includes(part);
      await page.route(matches, (route) => (released ? route.continue() : held.push(route)));
      return async () => {
        released = true;
        await page.unroute(matches);
        await Promise.all(held.map((route) => route.continue().catch(() => {})));
      };
    },
  };
}
