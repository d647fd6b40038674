// The browser adapter for Debian's Chromium, driven by playwright-core. Tests never touch playwright:
// they use this small surface, so another driver (Firefox through puppeteer-core, say) only needs a
// file like this one.
//
//   const browser = await launch({ name });          browser.pid, newPage(), close(), kill()
//   const page = await browser.newPage({ width, height, dark });
//   page.goto(url), reload(), fill(selector, text), click(selector), press(selector, key),
//   page.waitForFunction(fn, arg), evaluate(fn, arg), screenshot(path), holdRequests(urlPart) (Chromium only)

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
      const page = await browser.newPage({ viewport: { width, height }, colorScheme: dark ? 'dark' : 'light', permissions,
                                           serviceWorkers: holdsRequests ? 'block' : 'allow' });
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
      process.kill(pid, 'SIGKILL');
      browser.close().catch(() => {});  // the connection is gone; only settle the client side
    },
  };
}

function wrapPage(page, deadlineMs) {
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
