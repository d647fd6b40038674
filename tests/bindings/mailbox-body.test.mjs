// How a Room reads a signaling response's text (web/webchat-mailbox.js bodyText): from the body's stream
// once Content-Length bytes are in, for same-origin uncompressed responses, else with text(). In node
// against the built copy, with responses shaped as a browser gives them (type 'basic', a stream of
// chunks), which real ~2 KB answers never exercise: several chunks, a character split between two, more
// or fewer bytes than promised, a stream that fails.

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
const { bodyText } = await import(pathToFileURL(resolve(webRoot, 'webchat-mailbox.js')));

const bytesOf = (text) => new TextEncoder().encode(text);

// A response whose body comes in `chunks` (Uint8Arrays, or an Error to fail the stream there); text()
// is counted, so a test can tell which path read it.
function response(chunks, { length = chunks.reduce((n, c) => n + (c.length ?? 0), 0), type = 'basic', encoding = null } = {}) {
  let pulled = 0;
  const body = new ReadableStream({
    pull(controller) {
      const next = chunks[pulled++];
      if (next === undefined) controller.close();
      else if (next instanceof Error) controller.error(next);
      else controller.enqueue(next);
    },
  });
  const headers = new Headers({ 'content-length': String(length) });
  if (encoding) headers.set('content-encoding', encoding);
  const fake = { type, body, headers, textCalls: 0 };
  fake.text = async () => {
    fake.textCalls += 1;
    return new Response(body).text();
  };
  return fake;
}

test('a body in several chunks, a character split between two, is read whole from the stream', async () => {
  const text = `{"sdp":"v=0 … ${'x'.repeat(3000)}","nick":"zoë 😀"}`;
  const all = bytesOf(text);
  const split = all.indexOf(0xf0) + 2;  // inside the emoji's four bytes
  const r = response([all.slice(0, 100), all.slice(100, split), all.slice(split)]);
  assert.equal(await bodyText(r), text);
  assert.equal(r.textCalls, 0, 'read from the stream, not with text()');
});

test('the stream is not waited for past its Content-Length bytes', async () => {
  let ended = false;
  const all = bytesOf('an offer');
  const body = new ReadableStream({
    start(controller) { controller.enqueue(all); },  // the bytes, and then nothing: the end never comes
    cancel() { ended = true; },
  });
  const r = { type: 'basic', body, headers: new Headers({ 'content-length': String(all.length) }), text: () => assert.fail('text() used') };
  assert.equal(await bodyText(r), 'an offer');
  assert.equal(ended, false);
});

test('a chunk past the promised length: the stream is read to its end, as text() would', async () => {
  const r = response([bytesOf('ab'), bytesOf('cd'), bytesOf('ef')], { length: 3 });
  assert.equal(await bodyText(r), 'abcdef');
});

test('fewer bytes than promised, the stream ending cleanly: what came, as text() would give it', async () => {
  const r = response([bytesOf('abc')], { length: 10 });
  assert.equal(await bodyText(r), 'abc');
});

test('a stream that fails midway rejects, as text() does', async () => {
  const r = response([bytesOf('abc'), new TypeError('network error')], { length: 10 });
  await assert.rejects(bodyText(r), /network error/);
});

test('compressed, cross-origin and length-less responses are read with text()', async () => {
  for (const options of [{ encoding: 'gzip' }, { type: 'cors' }, { length: 'abc' }, { length: 0 }]) {
    const r = response([bytesOf('plain')], options);
    assert.equal(await bodyText(r), 'plain', JSON.stringify(options));
    assert.equal(r.textCalls, 1, JSON.stringify(options));
  }
});
