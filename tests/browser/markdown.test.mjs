// Lines in safe Markdown: bold, italic, code, code blocks, quotes and http(s) links become elements
// built with DOM calls; the usual XSS corpus, sent by a peer, stays inert text in both browsers.
// @mentions of us are highlighted, and a marker shows where unread lines begin. A reply's quote shows
// the quoted line's words without their Markdown, as text.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeBrowsers, joinAs, openBrowsers, say, screenshot, startServer, waitForLines } from './harness.mjs';

let server;
let browsers = [];
let alice, bob;

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['alice', 'bob']);
  [alice, bob] = browsers.map((b) => b.page);
  await alice.goto(server.url);
  await joinAs(alice, { nick: 'alice', room: 'markdown' });
  await bob.goto(server.url);
  await joinAs(bob, { nick: 'bob', room: 'markdown' });
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

// Every line's rendered text as a tree of [tag, attributes, children] (text nodes as strings).
function renderedLines(page, from) {
  return page.evaluate((first) => {
    const tree = (node) => node.nodeType === Node.TEXT_NODE ? node.data
      : [node.localName, Object.fromEntries([...node.attributes].map((a) => [a.name, a.value])), [...node.childNodes].map(tree)];
    return [...document.querySelectorAll('#messages li.line .text')].slice(first).map((text) => [...text.childNodes].map(tree));
  }, from);
}

test('the Markdown subset renders as elements', async () => {
  const lines = [
    'plain **bold** *italic* __also bold__ _also italic_ `code *not italic*` snake_case_name 2 * 3 * 4',
    '```\nconst x = **1**;\n  indented <b>\n```',
    '> quoted *line*\n> second\nafter',
    'see https://example.org/a_b_(c). and [the docs](https://example.org/docs?a=1&b=2)',
  ];
  for (const line of lines) await say(bob, line);
  await waitForLines(alice, lines.length);
  const [inline, block, quote, links] = await renderedLines(alice, 0);
  assert.deepEqual(inline, ['plain ', ['strong', {}, ['bold']], ' ', ['em', {}, ['italic']], ' ', ['strong', {}, ['also bold']], ' ',
                            ['em', {}, ['also italic']], ' ', ['code', {}, ['code *not italic*']], ' snake_case_name 2 * 3 * 4']);
  assert.deepEqual(block, [['pre', {}, [['code', {}, ['const x = **1**;\n  indented <b>']]]]]);
  assert.deepEqual(quote, [['blockquote', {}, ['quoted ', ['em', {}, ['line']], '\nsecond']], 'after']);
  const link = (href, text, extra = {}) => ['a', { href, ...extra, target: '_blank', rel: 'noopener noreferrer' }, [text]];
  assert.deepEqual(links, ['see ', link('https://example.org/a_b_(c)', 'https://example.org/a_b_(c)'), '. and ',
                           link('https://example.org/docs?a=1&b=2', 'the docs', { title: 'https://example.org/docs?a=1&b=2' })]);
  await screenshot(alice, 'markdown');
});

// The usual XSS corpus: HTML, event handlers, script URLs in links, nested and broken forms.
const CORPUS = [
  '<script>window.pwned = 1</script>',
  '<img src=x onerror="window.pwned = 2">',
  '<svg onload="window.pwned = 3"></svg>',
  '"><img src=x onerror=window.pwned=4>',
  '<a href="javascript:window.pwned = 5">click</a>',
  '[click](javascript:window.pwned=6)',
  '[click](JaVaScRiPt:window.pwned=7)',
  '[click](data:text/html,<script>window.pwned=8</script>)',
  '[click](https://ok.example/"onmouseover="window.pwned=9)',
  '[a](vbscript:msgbox(10))',
  'javascript:window.pwned=11',
  'https://x.example/"><img src=x onerror=window.pwned=12>',
  '**<img src=x onerror=window.pwned=13>**',
  '*<iframe src="javascript:window.pwned=14"></iframe>*',
  '`<img src=x onerror=window.pwned=15>`',
  '```\n<script>window.pwned=16</script>\n```',
  '> <math><mi xlink:href="javascript:window.pwned=17">x</mi></math>',
  '&lt;script&gt;window.pwned=18&lt;/script&gt; &#60;img src=x onerror=window.pwned=18&#62;',
  '<style>body { display: none }</style><body onload=window.pwned=19>',
  '[x](https://ok.example/)<img src=x onerror=window.pwned=20>',
  '[<img src=x onerror=window.pwned=21>](https://ok.example/)',
  '@alice <details open ontoggle=window.pwned=22>',
];

test('the XSS corpus stays text: no element but the subset\'s, no script, only http(s) links', async () => {
  const before = (await waitForLines(alice, 1)).length;
  for (const line of CORPUS) await say(bob, line);
  await say(bob, 'end of corpus');
  for (const page of [alice, bob]) {
    const lines = await waitForLines(page, before + CORPUS.length + 1);
    // Each line shows its payload as text (or, for an http(s) link, as the link's words).
    lines.slice(before, before + CORPUS.length).forEach((line, i) => {
      assert.match(line, /pwned|msgbox|click/, `line ${i}: ${line}`);
    });
    const seen = await page.evaluate(() => {
      const texts = [...document.querySelectorAll('#messages li.line .text')];
      const elements = texts.flatMap((text) => [...text.querySelectorAll('*')]);
      return {
        tags: [...new Set(elements.map((e) => e.localName))].sort(),
        attributes: [...new Set(elements.flatMap((e) => [...e.attributes].map((a) => a.name)))].sort(),
        hrefs: elements.filter((e) => e.localName === 'a').map((a) => a.href),
        pwned: window.pwned ?? null,
        bodyShown: getComputedStyle(document.body).display,
      };
    });
    const allowed = ['a', 'blockquote', 'code', 'em', 'pre', 'span', 'strong'];
    assert.ok(seen.tags.every((tag) => allowed.includes(tag)), `elements: ${seen.tags}`);
    assert.ok(seen.attributes.every((name) => ['class', 'href', 'rel', 'target', 'title'].includes(name)), `attributes: ${seen.attributes}`);
    assert.ok(seen.hrefs.every((href) => /^https?:\/\//.test(href)), `links: ${seen.hrefs}`);
    assert.equal(seen.pwned, null);
    assert.notEqual(seen.bodyShown, 'none');
  }
});

test('a mention of us is highlighted; the unread marker shows where the hidden tab stopped reading', async () => {
  const count = (await waitForLines(alice, 1)).length;
  await alice.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await say(bob, 'are you there @alice?');
  await say(bob, 'and @bob is me, @alicex is nobody');
  await waitForLines(alice, count + 2);
  const seen = await alice.evaluate(() => {
    const items = [...document.querySelectorAll('#messages li')];
    const marker = items.findIndex((li) => li.classList.contains('unread-marker'));
    const after = items[marker + 1];
    return {
      markerBefore: after?.querySelector('.text').textContent,
      markers: document.querySelectorAll('.unread-marker').length,
      mentionLines: [...document.querySelectorAll('#messages li.line.mentioned .text')].map((t) => t.textContent),
      mentions: [...document.querySelectorAll('#messages .mention')].slice(-3).map((m) => [m.textContent, m.className]),
    };
  });
  assert.equal(seen.markerBefore, 'are you there @alice?');
  assert.equal(seen.markers, 1);
  assert.deepEqual(seen.mentionLines.slice(-1), ['are you there @alice?']);
  assert.deepEqual(seen.mentions.slice(-2), [['@alice', 'mention mention-self'], ['@bob', 'mention']]);
  await alice.evaluate(() => {
    delete document.visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await screenshot(alice, 'mention-unread');
});

test('a reply\'s quote, and the "Replying to" bar, show the line\'s words without the Markdown, as text', async () => {
  const count = (await waitForLines(alice, 1)).length;
  const source = 'a **bold** *word*, `<b>code</b>` and [the docs](https://example.org/docs)\n> quoted\n<i>no</i>';
  const words = 'a bold word, <b>code</b> and the docs quoted <i>no</i>';  // under the bar's 60 characters
  await say(bob, source);
  await waitForLines(alice, count + 1);
  await alice.evaluate(() => {
    const li = [...document.querySelectorAll('#messages li.line')].at(-1);
    li.tabIndex = -1;
    li.focus();
  });
  await alice.click('#messages li.line:focus-within .actions .reply');
  assert.equal(await alice.evaluate(() => document.getElementById('compose-context-text').textContent), `Replying to bob: ${words}`);
  await say(alice, 'noted');
  for (const page of [alice, bob]) {
    await waitForLines(page, count + 2);
    const quote = await page.evaluate(() => {
      const link = [...document.querySelectorAll('#messages li.line')].at(-1).querySelector('.reply-to');
      return { text: link.textContent, elements: [...link.querySelectorAll('*')].map((e) => `${e.localName}.${e.className}`) };
    });
    assert.deepEqual(quote, { text: `↪ bob: ${words}`, elements: ['span.nick'] });
  }
  await screenshot(alice, 'reply-quote-markdown');
});
