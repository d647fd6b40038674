// The page's everyday polish: connection state and send errors kept apart; nickname colours and the
// Send button readable (WCAG AA) in both themes; the nickname field focused on load; lines that copy
// and read aloud as "time nick: text" and are announced through a live region; a member's nickname
// and badges on one row, a long nickname cut rather than a badge broken; the message box's hint
// fitting it on a phone; emoji in colour; invitations from a
// page opened from disk point at the server, with a QR code that decodes to the link; the embed
// example never throws; the title and icon count unread lines; the app shell opens offline.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { decodeQR } from '../../web/node_modules/qr/decode.js';
import {
  closeBrowsers, joinAs, openBrowsers, pageFromDisk, say, screenshot, startServer, waitForLines, waitForMembers, waitForStatus,
} from './harness.mjs';

let server;
let browsers = [];
let light, dark;

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['light', 'dark'], { dark: { dark: true, width: 390, height: 800 } });
  [light, dark] = browsers.map((b) => b.page);
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

test('the nickname field has the focus on load, so Enter joins', async () => {
  await light.goto(`${server.url}/#polish`);
  assert.equal(await light.evaluate(() => document.activeElement.id), 'nick');
});

test('the nickname and the rooms joined are remembered: the start page lists them, to join or forget', async () => {
  await light.goto(`${server.url}/#elsewhere`);
  await joinAs(light, { nick: 'remy', room: 'elsewhere' });
  await light.click('#leave');
  await light.goto(`${server.url}/#polish`);  // a later visit
  const start = await light.evaluate(() => [document.getElementById('nick').value,
    [...document.querySelectorAll('#recent-rooms .rejoin')].map((b) => b.textContent)]);
  assert.equal(start[0], 'remy');
  assert.equal(start[1][0], 'elsewhere', 'the last room first');
  await screenshot(light, 'start-recent-rooms');
  await light.click('#recent-rooms .rejoin');
  await waitForStatus(light, /^Hosting “elsewhere”/);
  await light.click('#leave');
  await light.waitForFunction(() => !document.getElementById('start').hidden);
  await light.click('#recent-rooms .forget');
  assert.equal(await light.evaluate(() => [...document.querySelectorAll('#recent-rooms .rejoin')]
    .some((b) => b.textContent === 'elsewhere')), false);
  await light.goto(`${server.url}/#polish`);
  assert.equal(await light.evaluate(() => [...document.querySelectorAll('#recent-rooms .rejoin')]
    .some((b) => b.textContent === 'elsewhere')), false, 'forgotten for good');
});

test('a refused line is said under the composer and goes once a line is sent; the status keeps the connection', async () => {
  await joinAs(light, { nick: 'alice', room: 'polish' });
  await say(light, 'x'.repeat(4001));
  const shown = await light.waitForFunction(() => !document.getElementById('send-error').hidden &&
    [document.getElementById('send-error').textContent, document.getElementById('status').textContent]);
  assert.match(shown[0], /^Not sent: .*4000/);
  assert.match(shown[1], /^Hosting “polish”/, 'the connection state stays on the status line');
  assert.equal(await light.evaluate(() => document.getElementById('text').value.length), 4001, 'the text is kept to fix');
  await say(light, 'a shorter line');
  await waitForLines(light, 1);
  assert.deepEqual(await light.evaluate(() => [document.getElementById('send-error').hidden,
                                               document.getElementById('status').textContent]),
                   [true, 'Hosting “polish”: others connect to you']);
});

test('lines copy and read as "time nick: text"; new lines are announced in a live region', async () => {
  await dark.goto(`${server.url}/#polish`);
  await joinAs(dark, { nick: 'bob', room: 'polish' });
  await say(dark, 'hello **there**');
  await waitForLines(light, 2);
  const seen = await light.evaluate(() => {
    const line = document.querySelectorAll('#messages li.line')[1];
    const range = document.createRange();
    range.selectNodeContents(line);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    const region = document.getElementById('announcer');
    return { copied: getSelection().toString().trim(), live: region.getAttribute('aria-live'), announced: region.textContent };
  });
  assert.match(seen.copied, /^\d\d:\d\d( [AP]M)? bob: hello there$/);
  assert.equal(seen.live, 'polite');
  assert.equal(seen.announced, seen.copied, 'announced as shown, without the Markdown marks');
});

// Each member's row in the member list as laid out: its parts' words, how many lines each badge's
// words take, whether every part sits on the nickname's line, whether the nickname is cut short and
// how wide it is shown (in ems), and whether the row stays inside the members panel.
function memberRows(page) {
  return page.evaluate(() => {
    const panel = document.getElementById('people');
    const inner = panel.getBoundingClientRect().right - parseFloat(getComputedStyle(panel).paddingRight);
    const linesOf = (element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    };
    return [...document.querySelectorAll('#members .member')].map((row) => {
      const nick = row.querySelector('.nick');
      const at = nick.getBoundingClientRect();
      const parts = [...row.children];
      return {
        words: parts.map((part) => part.textContent).join(' '),
        badgeLines: [...row.querySelectorAll('.badge')].map(linesOf),
        oneRow: parts.every((part) => { const r = part.getBoundingClientRect(); return r.top < at.bottom && r.bottom > at.top; }),
        nickCut: nick.scrollWidth > nick.clientWidth,
        nickEms: nick.clientWidth / parseFloat(getComputedStyle(nick).fontSize),
        inside: parts.every((part) => part.getBoundingClientRect().right <= inner + 0.5),
      };
    });
  });
}

test('the member list: "direct · 13 ms" whole, beside the nickname; a long nickname cut short, not the badge broken', async () => {
  const badgesWhole = (rows, name) => {
    assert.ok(rows.length === 2 && rows.some((row) => /· \d+ ms$/.test(row.words)), `${name}: ${JSON.stringify(rows)}`);
    for (const row of rows) {
      assert.ok(row.badgeLines.every((lines) => lines === 1), `${name}: each badge on one line: ${JSON.stringify(row)}`);
      assert.ok(row.inside, `${name}: inside the panel: ${JSON.stringify(row)}`);
    }
  };
  const onOneRow = (rows, name) => {
    badgesWhole(rows, name);
    for (const row of rows) assert.ok(row.oneRow && !row.nickCut, `${name}: the nickname whole, its badges beside it: ${JSON.stringify(row)}`);
  };
  // The link badge shows once the link was measured (every 2 s).
  for (const page of [light, dark]) await page.waitForFunction(() => document.querySelector('#members .link-badge'));
  onOneRow(await memberRows(light), 'desktop');
  onOneRow(await memberRows(dark), 'phone');
  await screenshot(light, 'members-desktop');
  await screenshot(dark, 'members-phone-dark');

  const long = 'bartholomew-the-very-long-nick-x';  // 32 characters, the most a nickname has
  const rename = async (nick) => {
    await dark.click('#rename');
    await dark.fill('#new-nick', nick);
    await dark.press('#new-nick', 'Enter');
    await waitForMembers(light, ['alice', nick]);
  };
  await rename(long);
  await light.waitForFunction(() => document.querySelectorAll('#members .link-badge').length === 1);
  const rows = await memberRows(light);
  badgesWhole(rows, 'desktop, a long nickname');
  assert.deepEqual(rows.map((row) => row.nickCut), [false, true], 'the long nickname is cut');
  assert.ok(rows[1].nickEms >= 4.9, `at least 5em of it shown: ${JSON.stringify(rows[1])}`);
  assert.equal(await light.evaluate(() => document.querySelectorAll('#members .nick')[1].title), long);
  badgesWhole(await memberRows(dark), 'phone, a long nickname');
  await screenshot(light, 'members-desktop-long-nick');
  await rename('bob');
});

test('the message box\'s hint fits it, on a desktop and on a phone', async () => {
  for (const [p, name] of [[light, 'desktop'], [dark, 'phone']]) {
    const fits = await p.evaluate(() => {
      const box = document.getElementById('text');
      const style = getComputedStyle(box);
      const context = document.createElement('canvas').getContext('2d');
      context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { hint: box.placeholder, width: context.measureText(box.placeholder).width, room };
    });
    assert.ok(fits.hint.startsWith('Message'), `${name}: ${fits.hint}`);
    assert.ok(fits.width <= fits.room, `${name}: "${fits.hint}" is ${fits.width} px wide in a box of ${fits.room} px`);
  }
  await screenshot(dark, 'composer-phone-dark');
});

test('emoji show in colour, in lines and reactions (a colour emoji font is installed, and used)', async () => {
  for (const p of [light, dark]) {
    const colourless = await p.evaluate(async () => {
      // Each reaction and a few emoji the text font also has (in black and white), drawn in the page's
      // own font stack: an empty box ("tofu") or a black outline has no colour.
      const font = `48px ${getComputedStyle(document.body).fontFamily}`;
      const emoji = ['👍', '❤️', '😂', '😮', '😢', '🎉', '☕', '⭐'];
      await document.fonts.load(font, emoji.join(''));
      const grey = [];
      for (const one of emoji) {
        const canvas = document.createElement('canvas');
        canvas.width = 64;
        canvas.height = 64;
        const context = canvas.getContext('2d');
        context.font = font;
        context.textBaseline = 'top';
        context.fillText(one, 4, 4);
        const { data } = context.getImageData(0, 0, 64, 64);
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] > 128 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 60) coloured += 1;
        }
        if (coloured < 30) grey.push(`${one} (${coloured} coloured pixels)`);
      }
      return grey;
    });
    assert.deepEqual(colourless, [], 'drawn without colour');
  }
  await say(dark, 'party 🎉 time 😂');
  await waitForLines(light, 3);
  await screenshot(light, 'emoji-line');
});

// Every hue a nickname can get, on the real stylesheet's backgrounds of a line, one's own line and a
// mention, in the theme the page is in; and the Send button.
async function worstContrasts(page) {
  return page.evaluate(async () => {
    const { paintNick, nickHue } = await import('/page/nicknames.js');
    const { contrastRatio } = await import('/page/contrast.js');
    const rgb = (css) => css.match(/[\d.]+/g).slice(0, 3).map(Number);
    // One nickname per hue: "n0", "n1", ... until all 360 hues are found.
    const byHue = new Map();
    for (let i = 0; byHue.size < 360; i++) if (!byHue.has(nickHue(`n${i}`))) byHue.set(nickHue(`n${i}`), `n${i}`);
    const list = document.getElementById('messages');
    let worst = { ratio: 99 };
    for (const className of ['line', 'line self', 'line mentioned']) {
      const li = document.createElement('li');
      li.className = className;
      list.append(li);
      const background = rgb(getComputedStyle(li).backgroundColor === 'rgba(0, 0, 0, 0)'
        ? getComputedStyle(list).backgroundColor : getComputedStyle(li).backgroundColor);
      for (const [hue, nick] of byHue) {
        const span = document.createElement('span');
        span.className = 'nick';
        paintNick(span, nick);
        li.replaceChildren(span);
        const ratio = contrastRatio(rgb(getComputedStyle(span).color), background);
        if (ratio < worst.ratio) worst = { ratio, hue, className };
      }
      li.remove();
    }
    const send = getComputedStyle(document.getElementById('send'));
    return { nick: worst, send: contrastRatio(rgb(send.color), rgb(send.backgroundColor)),
             dark: matchMedia('(prefers-color-scheme: dark)').matches };
  });
}

test('nickname colours and the Send button reach 4.5:1 in both themes', async () => {
  const inLight = await worstContrasts(light);
  const inDark = await worstContrasts(dark);
  assert.deepEqual([inLight.dark, inDark.dark], [false, true]);
  for (const [theme, seen] of [['light', inLight], ['dark', inDark]]) {
    assert.ok(seen.nick.ratio >= 4.5, `${theme}: worst nickname ${JSON.stringify(seen.nick)}`);
    assert.ok(seen.send >= 4.5, `${theme}: Send button ${seen.send}`);
  }
});

test('a hidden tab counts unread lines in its title and icon', async () => {
  await light.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await say(dark, 'one');
  await say(dark, 'two');
  await waitForLines(light, 5);
  const shown = await light.evaluate(() => [document.title, document.getElementById('favicon').href]);
  assert.equal(shown[0], '(2) polish · webchat');
  assert.match(decodeURIComponent(shown[1]), /^data:image\/svg\+xml,<svg.*>2<\/text><\/svg>$/s);
  await screenshot(dark, 'chat-dark-phone');
  await light.evaluate(() => {
    delete document.visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
  });
  assert.deepEqual(await light.evaluate(() => [document.title, document.getElementById('favicon').getAttribute('href')]),
                   ['polish · webchat', 'icon.svg']);
  await dark.click('#leave');
  await light.click('#leave');
});

// The QR code as the page shows it, read back by the same library's decoder.
async function readQr(page) {
  const image = await page.evaluate(async () => {
    const img = document.getElementById('qr-image');
    await img.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    return { width: canvas.width, height: canvas.height, data: [...context.getImageData(0, 0, canvas.width, canvas.height).data] };
  });
  return decodeQR({ ...image, data: Uint8Array.from(image.data) });
}

test('from a page opened from disk, the invitation and its QR code point at the server\'s page', async () => {
  await light.goto(`${pageFromDisk()}#from-disk`);  // a public room: a bare link would make a private one
  await light.evaluate(() => { document.getElementById('settings').open = true; });
  await light.fill('#signal', server.signal);
  await light.fill('#room', 'from-disk');
  await light.click('#qr-join');
  const link = await light.waitForFunction(() => document.getElementById('qr-dialog').open &&
                                                 document.getElementById('qr-link').textContent);
  assert.equal(link, `${server.url}/#from-disk`);
  assert.equal(await readQr(light), link);
  await screenshot(light, 'invite-qr');
  await light.press('#qr-close', 'Enter');
  await light.waitForFunction(() => !document.getElementById('qr-dialog').open);
});

test('the embed example ignores an empty line and explains a refused one', async () => {
  await light.goto(`${server.url}/examples/embed.html?room=embed-polish&nick=embedder`);
  await light.waitForFunction(() => /^In “embed-polish”/.test(document.getElementById('status').textContent));
  await light.evaluate(() => {
    window.thrown = [];
    window.addEventListener('error', (event) => window.thrown.push(event.message));
  });
  await light.press('#text', 'Enter');
  await light.fill('#text', 'y'.repeat(4001));
  await light.press('#text', 'Enter');
  await light.waitForFunction(() => /^Not sent: /.test(document.getElementById('status').textContent));
  assert.deepEqual(await light.evaluate(() => [window.thrown, document.getElementById('lines').children.length]), [[], 0]);
});

test('installable: a manifest, and a service worker that opens the page with the server down', async () => {
  const own = await startServer();
  try {
    await dark.goto(`${own.url}/#offline`);
    const manifest = await dark.evaluate(async () => {
      const link = document.querySelector('link[rel=manifest]');
      return (await fetch(link.href)).json();
    });
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.icons.length > 0);
    // Controlled once the worker has installed the shell and claimed the page.
    await dark.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await own.stop();
    await dark.goto(`${own.url}/#offline`);
    assert.equal(await dark.evaluate(() => document.getElementById('room').value), 'offline');
    await dark.click('#join');
    assert.match(await waitForStatus(dark, /cannot be reached/), /signaling server/i);
    await screenshot(dark, 'offline-dark-phone');
  } finally {
    await own.stop();
  }
});
