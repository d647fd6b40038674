// Opt-in alerts while the tab is hidden: desktop notifications (Chromium grants the permission here)
// and a sound, for mentions only or every line, remembered per room; never while the tab is visible,
// never without the browser's permission.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  closeBrowsers, joinAs, openBrowsers, say, screenshot, startServer, waitForLines, waitForStatus,
} from './harness.mjs';

let server;
let browsers = [];
let alice, bob, carol;

// Records the notifications and chimes the page makes, through the real APIs.
const watchAlerts = () => {
  window.alerts = [];
  const RealNotification = window.Notification;
  window.Notification = class extends RealNotification {
    constructor(title, options) {
      super(title, options);
      window.alerts.push(`notification: ${title} | ${options?.body}`);
    }
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    if (this.frequency.value === 880) window.alerts.push('sound');
    return start.apply(this, args);
  };
};

const setHidden = (page, hidden) => page.evaluate((hide) => {
  if (hide) Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
  else delete document.visibilityState;
  document.dispatchEvent(new Event('visibilitychange'));
}, hidden);

async function choose(page, level, { notify = true, sound = false } = {}) {
  await page.evaluate(({ level, notify, sound }) => {
    document.getElementById('alerts').open = true;
    const set = (id, prop, value) => {
      const element = document.getElementById(id);
      element[prop] = value;
      element.dispatchEvent(new Event('change'));
    };
    set('alert-notify', 'checked', notify);
    set('alert-sound', 'checked', sound);
    set('alert-level', 'value', level);
  }, { level, notify, sound });
}

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['alice', 'bob', 'carol'], {
    alice: { browser: 'chromium', permissions: ['notifications'] },
    carol: { browser: 'chromium' },
  });
  [alice, bob, carol] = browsers.map((b) => b.page);
  for (const [page, nick] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']]) {
    await page.goto(server.url);
    await joinAs(page, { nick, room: 'alerts' });
    await page.evaluate(watchAlerts);
  }
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

test('mentions only: a notification and a sound for a mention while hidden, nothing while visible', async () => {
  await choose(alice, 'mentions', { sound: true });
  assert.equal(await alice.evaluate(() => document.getElementById('alert-hint').hidden), true, 'allowed: nothing to explain');
  await say(bob, '@alice while you look');
  await waitForLines(alice, 1);
  await setHidden(alice, true);
  await say(bob, 'not about alice');
  await say(bob, 'hey @alice, look');
  await waitForLines(alice, 3);
  assert.deepEqual(await alice.evaluate(() => window.alerts),
                   ['notification: bob mentioned you in alerts | hey @alice, look', 'sound']);
  await setHidden(alice, false);
});

test('every line, remembered for the room: notifications for each line while hidden', async () => {
  await choose(alice, 'all');
  await alice.reload();  // the tab goes back into its room, with the room's choice
  await waitForStatus(alice, /^(Hosting|Connected as guest)/);
  await alice.evaluate(watchAlerts);
  assert.deepEqual(await alice.evaluate(() => [document.getElementById('alert-level').value,
                                               document.getElementById('alert-notify').checked,
                                               document.getElementById('alert-sound').checked]), ['all', true, false]);
  await setHidden(alice, true);
  await say(bob, 'one for all');
  await waitForLines(alice, 1);
  await alice.waitForFunction(() => window.alerts.length === 1);
  assert.deepEqual(await alice.evaluate(() => window.alerts), ['notification: bob in alerts | one for all']);
  await setHidden(alice, false);
});

test('without the browser\'s permission there is no notification, and the page says why', async () => {
  await choose(carol, 'all');
  const hint = await carol.waitForFunction(() => !document.getElementById('alert-hint').hidden &&
                                                 [Notification.permission, document.getElementById('alert-hint').textContent]);
  assert.notEqual(hint[0], 'granted');
  assert.match(hint[1], /blocked|not allowed/);
  await screenshot(carol, 'alerts-blocked');
  await setHidden(carol, true);
  const before = (await waitForLines(carol, 1)).length;
  await say(bob, 'nobody is told');
  await waitForLines(carol, before + 1);
  await say(bob, 'still nobody');
  await waitForLines(carol, before + 2);
  assert.deepEqual(await carol.evaluate(() => window.alerts), []);
});
