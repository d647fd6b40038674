// A Room's signaling: the room logic's requests to the signaling server's mailboxes (park a text,
// take one, docs/protocol.md), one fetch each. Cancelling a request aborts its fetch, which makes the
// server withdraw a parked text.
//
// The server sees only mailbox ids derived from the room's keys (never the room's name), and in
// private and password rooms only sealed texts: a text that does not open is reported, not used.

// A room whose mailbox ids are the core's own and whose texts are not sealed: the warm-up's rooms.
const UNKEYED = Object.freeze({ sealing: 'none', mailboxId: (id) => id, offerSeen() {}, seal: async (id, text) => text, open: async (id, text) => text });

export class SignalMailbox {
  #signal;
  #keys;
  #fetch;
  #on;
  #requests = new Map();  // request id → AbortController

  /**
   * signal: the signaling endpoint's URL. keys: the room's (crypto/rooms.js), or null for the core's
   * own ids, unsealed. fetch(url, init): the browser's, or a stand-in.
   * on: { asking() a get has left and is still out (told in a task of its own, so that the request
   * has left first); done(request, status, body) with status 0 when unreachable or refused;
   * unreadable(request) a text that did not open }.
   */
  constructor({ signal, keys, fetch, on }) {
    this.#signal = signal;
    this.#keys = keys ?? UNKEYED;
    this.#fetch = fetch;
    this.#on = on;
  }

  /** Takes the text parked at the core's mailbox `coreId`, waiting up to `timeout` ms for one. */
  get(request, coreId, timeout) {
    return this.#request(request, 'get', coreId, timeout);
  }

  /** Parks `text` at the core's mailbox `coreId` for up to `timeout` ms, until someone takes it. */
  set(request, coreId, timeout, text) {
    return this.#request(request, 'set', coreId, timeout, text);
  }

  /** Forgets a request (its answer is never reported) and aborts its fetch. */
  cancel(request) {
    this.#requests.get(request)?.abort();
    this.#requests.delete(request);
  }

  async #request(request, verb, coreId, timeout, text) {
    const abort = new AbortController();
    this.#requests.set(request, abort);
    const keys = this.#keys;
    let status = 0;
    let body = '';
    let readable = true;
    try {
      const id = await keys.mailboxId(coreId);
      if (verb === 'set') keys.offerSeen(text);  // a host parking an offer: its answer's id, computed ahead
      const sent = verb === 'set' ? await keys.seal(id, text) : undefined;
      const responded = this.#fetch(`${this.#signal}?${verb}=${encodeURIComponent(id)}&timeoutms=${timeout}`, {
        method: 'POST',
        body: sent,  // a string: sent as text/plain, a CORS "simple" request without preflight
        signal: abort.signal,
      });
      if (verb === 'get') setTimeout(() => this.#requests.get(request) === abort && this.#on.asking());
      const response = await responded;
      body = await bodyText(response);
      status = response.status;
      if (verb === 'get' && status === 200) {
        const opened = await keys.open(id, body);
        readable = opened !== null;
        body = opened ?? '';
        keys.offerSeen(body);  // a joiner taking an offer: its answer's id, computed while it answers
      }
    } catch {
      status = 0;  // unreachable, refused, or aborted (then the logic has forgotten the request)
    }
    if (!this.#requests.delete(request)) return;  // cancelled meanwhile
    if (!readable) return this.#on.unreadable(request);
    this.#on.done(request, status, body);
  }
}

// A response's text, as soon as all of its bytes are in: response.text() also waits for the end of the
// body's stream, which Chromium reports apart from the bytes (traced: text() took 1-5 ms after the
// headers for a 2 KB body, in the plain pair too; this, ~0.8 ms less for the joiner's offer at load 8-10).
// Only where the Content-Length counts the bytes the stream gives: a same-origin response (a
// cross-origin one may hide its Content-Encoding) that is not compressed. Decoded as text() does.
const utf8Text = new TextDecoder();
export async function bodyText(response) {
  if (response.type !== 'basic' || !response.body || response.headers.get('content-encoding')) return response.text();
  const length = Number(response.headers.get('content-length'));
  if (!Number.isSafeInteger(length) || length <= 0) return response.text();
  const reader = response.body.getReader();
  const chunks = [];
  let got = 0;
  while (got !== length) {  // more than promised: read to the end, as text() would
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
  }
  if (got === length) reader.read().catch(() => {});  // the stream's end, read when it comes (not awaited)
  // Fewer bytes than promised, the stream ended cleanly: what came, as text() would give it (a body
  // cut off by the network is a read error, thrown above as text() throws it).
  if (chunks.length === 1) return utf8Text.decode(chunks[0]);
  const bytes = new Uint8Array(got);
  chunks.reduce((at, chunk) => (bytes.set(chunk, at), at + chunk.length), 0);
  return utf8Text.decode(bytes);
}
