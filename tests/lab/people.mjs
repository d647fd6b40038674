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

/** Fills the join form (the server's ICE servers) without pressing Join: `click()` presses it. */
export async function readyToJoin(page, { nick, room }) {
  await page.evaluate(() => { document.getElementById('settings').open = true; });
  await page.fill('#ice', '');
  await page.fill('#nick', nick);
  await page.evaluate((wanted) => { location.hash = wanted; }, `#${room}`);  // a public room, as submitJoin's
  await page.waitForFunction((wanted) => document.getElementById('room-choice').dataset.followed === wanted, `#${room}`);
  await page.fill('#room', room);
  await page.fill('#password', '');
  return () => page.click('#join');
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

/**
 * Records in `page`, from now on, when each signaling request leaves and comes back (with the rank of
 * an offer it parks or takes), how each peer connection fares, and each address the network watch
 * sees the first time, as [time (Date.now()), what]; joinTimeline(page, since) reads them back. The
 * module looks fetch and RTCPeerConnection up on each use, so wrapping them after it loaded is heard.
 */
export function traceJoin(page) {
  return page.evaluate(() => {
    window.joinTrace = [];
    const note = (what) => window.joinTrace.push([Date.now(), what]);
    const fetchBefore = window.fetch;
    // An offer's rank, where a text is one (a public room's texts are plain JSON).
    const offerOf = (text) => {
      try {
        const t = JSON.parse(text);
        return t.type === 'offer' ? ` [offer e${t.rank.epoch} host ${t.rank.host.slice(0, 4)} moves ${t.rank.moves ?? 0}]` : ` [${t.type}]`;
      } catch { return ''; }
    };
    window.fetch = (url, init) => {
      const verb = /[?&](get|set)=[^&]*&timeoutms=(\d+)/.exec(String(url));
      const what = verb ? `${verb[1]} (long-poll ${verb[2]} ms)` : String(url).replace(/^.*\//, '');
      note(`${what} sent${verb?.[1] === 'set' ? offerOf(init?.body) : ''}`);
      return fetchBefore(url, init).then((response) => {
        if (verb?.[1] === 'get' && response.status === 200) {
          response.clone().text().then((text) => note(`${what}: 200${offerOf(text)}`), () => note(`${what}: 200 (body unread)`));
        } else note(`${what}: ${response.status}`);
        return response;
      });
    };
    const Original = window.RTCPeerConnection;
    let made = 0;
    window.RTCPeerConnection = function RTCPeerConnection(...args) {
      const pc = new Original(...args);
      const name = `peer connection ${++made}`;
      note(`${name} made`);
      pc.addEventListener('connectionstatechange', () => note(`${name} ${pc.connectionState}`));
      // The network watch's own connection (web/network-watch.js): each address the first time it shows.
      const createDataChannel = pc.createDataChannel.bind(pc);
      pc.createDataChannel = (label, ...rest) => {
        if (label === 'watch') {
          const shown = new Set();
          pc.addEventListener('icecandidate', (e) => {
            const fields = (e.candidate?.candidate ?? '').split(' ');
            const address = `${fields[fields.indexOf('typ') + 1]} ${fields[4]}`;
            if (fields.indexOf('typ') > 4 && !shown.has(address)) note(`the watch sees ${address}`);
            shown.add(address);
          });
        }
        return createDataChannel(label, ...rest);
      };
      return pc;
    };
    window.RTCPeerConnection.prototype = Original.prototype;
    window.RTCPeerConnection.generateCertificate = (...args) => Original.generateCertificate(...args);
    // What the page says, when it says it (the time a person sees it, whatever the test's polling).
    new MutationObserver(() => note(`status: ${document.getElementById('status').textContent}`))
      .observe(document.getElementById('status'), { childList: true });
  });
}

/**
 * When traceJoin last saw the page's status line match `pattern` (Date.now() in the page). Throws when
 * it never did: a time computed from a missing one would pass any bound.
 */
export async function saidAt(page, pattern) {
  const trace = await page.evaluate(() => window.joinTrace ?? []);
  const said = trace.filter(([, what]) => what.startsWith('status: ') && pattern.test(what.slice(8)));
  if (!said.length) throw new Error(`the page's traced status never matched ${pattern}`);
  return said.at(-1)[0];
}

/** Notes in `page` when its join form is next submitted (the person's click): read with clickedAt(page). */
export function markClick(page) {
  return page.evaluate(() => {
    document.getElementById('join-form').addEventListener('submit', () => { window.clickedAt = Date.now(); }, { capture: true, once: true });
  });
}

export const clickedAt = (page) => page.evaluate(() => window.clickedAt);

/** What traceJoin recorded, each line "+<ms since `since`> what". */
export async function joinTimeline(page, since) {
  const trace = await page.evaluate(() => window.joinTrace ?? []);
  return trace.map(([at, what]) => `+${at - since} ms ${what}`);
}

/**
 * Counts, in `page`, the looks the module's network watch (web/network-watch.js) has finished, as
 * window.networkLooks: a test changes a network only once the watch knows the old one.
 */
export function countNetworkLooks(page) {
  return page.evaluate(() => {
    window.networkLooks = 0;
    const create = RTCPeerConnection.prototype.createDataChannel;
    RTCPeerConnection.prototype.createDataChannel = function createDataChannel(label, ...rest) {
      if (label === 'watch') this.addEventListener('icecandidate', (e) => { if (e.candidate === null) window.networkLooks += 1; });
      return create.call(this, label, ...rest);
    };
  });
}

/** Waits until the page's network watch has looked at least `count` times (countNetworkLooks first). */
export function waitForNetworkLooks(page, count = 2) {
  return page.waitForFunction((n) => window.networkLooks >= n, count);
}

/**
 * Runs `body`; when it throws, the error's message also gets what traceJoin recorded in each page of
 * `pages` ({ who: [page, since] }, `since` a Date.now() or a function resolving to one), so that a
 * failure says what the pages did (the first lines of a failed run's output are what CI shows) while
 * a pass prints only its figures.
 */
export async function timelinesIfFailing(pages, body) {
  try {
    return await body();
  } catch (error) {
    const told = await Promise.all(Object.entries(pages).map(async ([who, [page, since]]) => {
      try {
        const from = typeof since === 'function' ? await since() : since;
        return `${who}'s timeline:\n  ${(await joinTimeline(page, from)).filter((l) => !l.startsWith('+-')).join('\n  ')}`;
      } catch (why) {
        return `${who}: no timeline (${why.message})`;
      }
    }));
    const failure = error instanceof Error ? error : new Error(String(error));
    failure.message = `${failure.message}\n${told.join('\n')}`;
    throw failure;
  }
}
