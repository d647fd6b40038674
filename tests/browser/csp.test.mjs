// The module on an embedder's page with a strict Content-Security-Policy: the page is served from
// its own origin with `connect-src` limited to the signaling server, so no fetch may go anywhere else
// (a data: URL included), and `script-src` without 'unsafe-eval', so no script may be made from a
// string (embind's invokers are built without `new Function`: -sDYNAMIC_EXECUTION=0). The module
// must unpack its WebAssembly without a fetch: natively (Uint8Array.fromBase64) where the browser
// can, else with atob. A Firefox and a Chromium page join a room and talk, first as they are, then
// with Uint8Array.fromBase64 taken away (as in browsers that lack it), and no CSP violation is
// reported; a fetch of a data: URL and a page's `new Function` are refused (the policy holds). Under
// a policy that forbids compiling WebAssembly too (no 'wasm-unsafe-eval'), joinRoom rejects with the
// WebchatError 'csp-wasm'.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { startEmbedderSite } from './embedder-site.mjs';
import { closeBrowsers, openBrowsers, startServer } from './harness.mjs';
import { describeError } from '../../web/webchat-errors.js';

const NONCE = randomBytes(16).toString('base64');

let server;
let site;
let browsers = [];
let setPolicy;

// The embedding page: its inline scripts run by nonce only. The first records violations and, with
// ?decode=atob, takes Uint8Array.fromBase64 away before the module loads; the second joins the room
// named in the query through the module, served by the same site.
const embeddingPage = (signal) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>an embedder with a strict CSP</title></head>
<body>
<p>A room embedded in a page whose policy lets it connect to the signaling server only.</p>
<script nonce="${NONCE}">
  window.violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.violations.push(\`\${e.effectiveDirective} \${e.blockedURI}\`));
  window.nativeFromBase64 = typeof Uint8Array.fromBase64 === 'function';
  if (new URLSearchParams(location.search).get('decode') === 'atob') delete Uint8Array.fromBase64;
</script>
<script type="module" nonce="${NONCE}">
  import { joinRoom } from './webchat.js';

  const params = new URLSearchParams(location.search);
  window.lines = [];
  try {
    window.room = await joinRoom({ room: params.get('room'), nick: params.get('nick'), signal: ${JSON.stringify(signal)} });
    window.room.addEventListener('message', (e) => window.lines.push(\`\${e.detail.nick}: \${e.detail.text}\`));
    window.outcome = window.room.status.state;
  } catch (error) {
    window.failure = { name: error.name, code: error.code, message: error.message };
    window.outcome = \`failed: \${error.code ?? error.name}\`;
  }
</script>
</body>
</html>`;

// A page whose own script tries to make a function from a string: 'made', or the error's name.
const evalProbePage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>new Function under the policy</title></head>
<body>
<script nonce="${NONCE}">
  try {
    window.probe = new Function('return "made"')();
  } catch (error) {
    window.probe = error.name;
  }
</script>
</body>
</html>`;

before(async () => {
  // The site first: the server allows CORS calls from its origin only, as a deployment would.
  let policy = '';
  site = await startEmbedderSite({
    pages: { '/embed.html': () => embeddingPage(server.signal), '/eval-probe.html': () => evalProbePage },
    headers: () => ({ 'content-security-policy': policy }),
  });
  server = await startServer(['--cors-origin', site.origin]);
  // No 'unsafe-eval'; compiling WebAssembly needs 'wasm-unsafe-eval' (docs/web.md, "An embedder's
  // Content-Security-Policy"). Each test sets the policy it needs from these.
  setPolicy = (scriptSources) => {
    policy = `script-src 'self' 'nonce-${NONCE}' ${scriptSources}; connect-src ${server.url}; object-src 'none'; base-uri 'none'`;
  };
  browsers = await openBrowsers(['firefox', 'chromium'], { firefox: { browser: 'firefox' }, chromium: { browser: 'chromium' } });
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
  await site?.stop();
});

for (const decode of ['native', 'atob']) {
  test(`pages with connect-src limited to the signaling server and no 'unsafe-eval' join and talk (WebAssembly decoded: ${decode})`, async (t) => {
    setPolicy("'wasm-unsafe-eval'");
    const room = `csp-${decode}`;
    const [host, guest] = browsers.map((b) => b.page);
    const join = async (page, nick) => {
      await page.goto(`${site.origin}/embed.html?room=${room}&nick=${nick}&decode=${decode}`);
      return page.waitForFunction(() => window.outcome);
    };
    assert.equal(await join(host, `${browsers[0].kind}-host`), 'host');
    assert.equal(await join(guest, `${browsers[1].kind}-guest`), 'guest');

    await guest.evaluate(() => window.room.send('under a strict policy'));
    assert.deepEqual(await host.waitForFunction(() => window.lines.length > 0 && window.lines),
                     [`${browsers[1].kind}-guest: under a strict policy`]);

    for (const { kind, page } of browsers) {
      const facts = await page.evaluate(() => ({
        violations: window.violations, native: window.nativeFromBase64, now: typeof Uint8Array.fromBase64,
      }));
      t.diagnostic(`${kind}: Uint8Array.fromBase64 ${facts.native ? 'native' : 'missing'}`);
      assert.deepEqual(facts.violations, [], `${kind}: no request the policy blocks`);
      if (decode === 'atob') assert.equal(facts.now, 'undefined', `${kind}: joined without Uint8Array.fromBase64`);
      // The control: the policy is in force and its violations are seen.
      const control = await page.evaluate(() => fetch('data:text/plain,probe').then(() => 'fetched', () => 'blocked'));
      assert.equal(control, 'blocked', `${kind}: a fetch of a data: URL is blocked`);
      await page.waitForFunction(() => window.violations.some((v) => v.startsWith('connect-src')));
    }
    await guest.evaluate(() => window.room.leave());
    await host.evaluate(() => window.room.leave());
    // The other control: the page's own script may not make a function from a string (the test's
    // evaluate may: Firefox exempts it from the page's policy).
    for (const { kind, page } of browsers) {
      await page.goto(`${site.origin}/eval-probe.html`);
      assert.equal(await page.waitForFunction(() => window.probe), 'EvalError', `${kind}: new Function is refused`);
    }
  });
}

test('under a policy that forbids compiling WebAssembly, joinRoom rejects with the WebchatError csp-wasm', async () => {
  setPolicy('');
  for (const { kind, page } of browsers) {
    await page.goto(`${site.origin}/embed.html?room=csp-no-wasm&nick=${kind}`);
    assert.equal(await page.waitForFunction(() => window.outcome), 'failed: csp-wasm', kind);
    assert.deepEqual(await page.evaluate(() => window.failure),
                     { name: 'WebchatError', code: 'csp-wasm', message: describeError('csp-wasm') }, kind);
  }
});
