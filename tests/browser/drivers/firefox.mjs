// The browser adapter for Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi
// (playwright-core cannot drive a stock Firefox). Same surface as drivers/chromium.mjs:
//
//   const browser = await launch({ name, dark });     browser.pid, newPage(), close(), kill()
//   const page = await browser.newPage({ width, height, dark });
//   page.goto(url), reload(), fill(selector, text), click(selector), press(selector, key),
//   page.waitForFunction(fn, arg), evaluate(fn, arg), screenshot(path), newTab()
//
// Over BiDi puppeteer cannot emulate prefers-color-scheme per page, so dark mode is a preference of
// the whole browser: pass `dark` to launch() (the harness does, from the page options).

import '../scratch.mjs';  // first: before puppeteer is loaded

import puppeteer from 'puppeteer-core';

import { forwardPageErrors } from './page-errors.mjs';

const FIREFOX = process.env.WEBCHAT_FIREFOX ?? '/usr/bin/firefox-esr';

// Quiet, offline, and like a person's browser otherwise: no WebRTC preference is changed, so the
// room meets Firefox's defaults (mDNS-obfuscated host candidates included).
const PREFS = {
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'dom.disable_beforeunload': false,
  // file:// pages may load the scripts next to them, as in Chromium with --allow-file-access-from-files.
  'security.fileuri.strict_origin_policy': false,
};

export const driverName = 'firefox';

/** Starts one browser process. `deadlineMs` bounds every wait of its pages. */
export async function launch({ name, deadlineMs, dark = false }) {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocolTimeout: deadlineMs * 2,
    // 0: content prefers dark, 1: light.
    extraPrefsFirefox: { ...PREFS, 'layout.css.prefers-color-scheme.content-override': dark ? 0 : 1 },
  });
  const pid = browser.process().pid;
  return {
    name,
    pid,
    async newPage({ width = 1000, height = 700, dark: wantDark = false, permissions = [] } = {}) {
      if (wantDark !== dark) throw new Error(`[${name}] Firefox picks dark mode at launch: launch({ dark: ${wantDark} })`);
      if (permissions.length) throw new Error(`[${name}] this Firefox driver grants no permissions: open the page in Chromium`);
      const page = await browser.newPage();
      await page.setViewport({ width, height });
      page.setDefaultTimeout(deadlineMs);
      forwardPageErrors(page, name);
      return wrapPage(page, deadlineMs);
    },
    async close() {
      await browser.close().catch(() => {});
    },
    /** SIGKILL, as if the machine lost power: no pagehide, no goodbye on any channel. */
    kill() {
      // The whole process group: Firefox's content and socket processes carry the peer connections,
      // and without their parent they would linger until they notice it is gone.
      try { process.kill(-pid, 'SIGKILL'); } catch { process.kill(pid, 'SIGKILL'); }
      browser.disconnect().catch(() => {});
    },
  };
}

// "Shift+Enter" as playwright spells it: hold the modifiers, press the key, release.
async function pressChord(keyboard, chord) {
  const keys = chord.split('+');
  const key = keys.pop();
  for (const modifier of keys) await keyboard.down(modifier);
  await keyboard.press(key);
  for (const modifier of keys.reverse()) await keyboard.up(modifier);
}

function wrapPage(page, deadlineMs) {
  return {
    goto: (url) => page.goto(url).then(() => {}),
    reload: () => page.reload().then(() => {}),
    fill: (selector, text) => page.locator(selector).setTimeout(deadlineMs).fill(text),
    click: (selector) => page.locator(selector).setTimeout(deadlineMs).click(),
    press: async (selector, key) => {
      await page.focus(selector);
      await pressChord(page.keyboard, key);
    },
    // puppeteer passes the argument as is; playwright's callers pass one argument too.
    waitForFunction: (fn, arg) => page.waitForFunction(fn, { timeout: deadlineMs, polling: 50 }, arg)
      .then((handle) => handle.jsonValue()),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    screenshot: (path) => page.screenshot({ path, fullPage: true }).then(() => {}),
    close: () => page.close({ runBeforeUnload: true }),
    /** Another tab of the same profile: same origin storage (OPFS) and Web Locks. */
    newTab: async () => {
      const tab = await page.browser().newPage();
      tab.setDefaultTimeout(deadlineMs);
      forwardPageErrors(tab, 'tab');
      return wrapPage(tab, deadlineMs);
    },
  };
}
