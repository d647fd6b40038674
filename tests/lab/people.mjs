// The lab's glue for tests: skip (never pass) where the lab cannot run, one topology per test file
// with its servers, and a Chromium per LAN that opens the page served from the lab's internet.

import { DEADLINE_MS, SERVER, WEB_ROOT, submitJoin, waitForStatus } from '../browser/harness.mjs';
import { launch, launchAttached } from '../browser/drivers/chromium.mjs';
import { INTERNET, Lab, SERVER_PORT, SKIP, labUnavailable } from './netlab.mjs';

export const ORIGIN = `http://${INTERNET}:${SERVER_PORT}`;

/** Exits with ctest's skip code, saying why, where this machine cannot build the lab. */
export async function skipUnlessLab() {
  const why = await labUnavailable();
  if (!why) return;
  console.log(`SKIP: ${why}`);
  process.exit(SKIP);
}

/**
 * Builds the topology, starts coturn and webchat-server (with `serverArgs(turn)` as extra flags) in
 * its internet; resolves with { lab, turn, server }. Tear it down with `lab.teardown()`.
 */
export async function startLab(lans, serverArgs = () => []) {
  const lab = await Lab.create(lans);
  try {
    const turn = await lab.startTurn();
    const server = await lab.startServer(SERVER, WEB_ROOT, serverArgs(turn));
    return { lab, turn, server };
  } catch (error) {
    await lab.teardown();
    throw error;
  }
}

// How a Chromium runs inside LAN `lan`: through the lab's wrapper that enters its namespace.
function inLan(lab, lan, name) {
  return {
    name,
    deadlineMs: DEADLINE_MS,
    executablePath: lab.browserWrapper(lan),
    args: [`--unsafely-treat-insecure-origin-as-secure=${ORIGIN}`],
  };
}

/**
 * A Chromium inside LAN `lan`: { name, browser, newPage() }, where newPage() opens the app in a fresh
 * context (no storage: no remembered settings or session). The app's origin is plain http on a public
 * address, so it is declared secure (WebCrypto needs that), as an https deployment would be.
 */
export async function launchInLan(lab, lan, name = lan) {
  const browser = await launch(inLan(lab, lan, name));
  const newPage = async () => {
    const page = await browser.newPage();
    await page.goto(`${ORIGIN}/`);
    return page;
  };
  return { name, browser, newPage };
}

/**
 * As launchInLan, but a Chromium started by hand and attached over CDP, whose one page can be frozen
 * (page.lifecycle('frozen')) or hidden behind another tab (front()): { name, browser, page }, the
 * page open at the app. `args`: more command-line switches.
 */
export async function launchAttachedInLan(lab, lan, name = lan, args = []) {
  const options = inLan(lab, lan, name);
  const browser = await launchAttached({ ...options, args: [...options.args, ...args], reach: (port) => lab.forward(lan, port) });
  await browser.page.goto(`${ORIGIN}/`);
  return { name, browser, page: browser.page };
}

/** Joins from the page with `ice` as the settings' ICE servers text ('' = the server's defaults). */
export async function joinWithIce(page, { nick, room, ice = '' }) {
  await page.evaluate(() => { document.getElementById('settings').open = true; });
  await page.fill('#ice', ice);
  await submitJoin(page, { nick, room });
}

/** Joins and waits until the page is in the room (as host or guest). */
export async function joinInLan(page, who) {
  await joinWithIce(page, who);
  return waitForStatus(page, /^(Hosting|Connected as guest)/);
}

/** Waits until the member list shows our link with `nick` as `type` ('direct' or 'relayed'). */
export function waitForLink(page, nick, type) {
  return page.waitForFunction(([who, kind]) => {
    const item = [...document.querySelectorAll('#members li')].find((li) => li.querySelector('.nick')?.textContent === who);
    return item?.querySelector('.link-badge')?.textContent.startsWith(kind);
  }, [nick, type]);
}
