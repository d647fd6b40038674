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
      body = await response.text();
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
