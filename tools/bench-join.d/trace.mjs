// A join's timeline, both pages merged: signaling requests, WebCrypto calls, data-channel messages
// and the peer connection's steps, each with the page's clock (ms since the epoch, comparable between
// the two pages). Installed in a page (playwright's evaluate) after it loads and before webchat.js
// runs anything: the module looks fetch, RTCPeerConnection and crypto.subtle up on each use.
export function installTrace(who) {
  const log = [];
  window.traceLog = log;
  const now = () => performance.timeOrigin + performance.now();
  const mark = (what) => log.push({ who, at: now(), what });
  const timed = (object, name, label) => {
    const original = object[name];
    object[name] = function traced(...args) {
      const started = now();
      const result = original.apply(this, args);
      const tag = label(args);
      if (result && typeof result.then === 'function') {
        result.then(() => log.push({ who, at: started, what: `${tag} (${(now() - started).toFixed(2)} ms)` }), () => {});
      } else {
        log.push({ who, at: started, what: `${tag} (sync ${(now() - started).toFixed(2)} ms)` });
      }
      return result;
    };
  };
  const subtle = crypto.subtle;
  const algorithm = (a) => a?.name ?? a;
  for (const name of ['sign', 'verify', 'importKey', 'encrypt', 'decrypt', 'digest']) {
    timed(subtle, name, (args) => `subtle.${name} ${name === 'importKey' ? algorithm(args[2]) : algorithm(args[0])}`);
  }
  const fetchOriginal = window.fetch;
  window.fetch = (url, init) => {
    const verb = /[?&](get|set)=/.exec(String(url))?.[1] ?? 'fetch';
    mark(`fetch ${verb} sent`);
    return fetchOriginal(url, init).then((response) => {
      mark(`fetch ${verb} answered ${response.status}`);
      return response;
    });
  };
  const channel = RTCDataChannel.prototype;
  const listen = channel.addEventListener;
  channel.addEventListener = function traced(type, listener, options) {
    if (type !== 'message' && type !== 'open') return listen.call(this, type, listener, options);
    return listen.call(this, type, (event) => {
      const what = type === 'open' ? 'channel open' : `received ${String(event.data).slice(0, 24)}`;
      const started = now();
      listener(event);
      log.push({ who, at: started, what: `${what} (handled ${(now() - started).toFixed(2)} ms)` });
    }, options);
  };
  // The plain pair sets onopen and onmessage: heard through the listeners above.
  for (const type of ['open', 'message']) {
    Object.defineProperty(channel, `on${type}`, { configurable: true, get: () => null, set(listener) { this.addEventListener(type, listener); } });
  }
  const send = channel.send;
  channel.send = function traced(data) {
    mark(`send ${String(data).slice(0, 24)}`);
    return send.call(this, data);
  };
  const pc = RTCPeerConnection.prototype;
  for (const name of ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription']) timed(pc, name, () => name);
  // What else a join may ask of the browser: a new connection, the origin's storage (IndexedDB, OPFS).
  const Connection = window.RTCPeerConnection;
  window.RTCPeerConnection = function RTCPeerConnection(...args) {
    const started = now();
    const made = new Connection(...args);
    log.push({ who, at: started, what: `new RTCPeerConnection (sync ${(now() - started).toFixed(2)} ms)` });
    // Its gathering and connecting, as the browser reports them (candidates by type and protocol).
    made.addEventListener('icecandidate', (e) => mark(e.candidate?.candidate ? `candidate ${e.candidate.type} ${e.candidate.protocol}` : 'candidates end'));
    made.addEventListener('icegatheringstatechange', () => mark(`gathering ${made.iceGatheringState}`));
    made.addEventListener('iceconnectionstatechange', () => mark(`ice ${made.iceConnectionState}`));
    made.addEventListener('connectionstatechange', () => mark(`connection ${made.connectionState}`));
    return made;
  };
  window.RTCPeerConnection.prototype = Connection.prototype;
  window.RTCPeerConnection.generateCertificate = (...args) => Connection.generateCertificate(...args);
  timed(Response.prototype, 'text', () => 'response.text');
  if (navigator.storage?.getDirectory) timed(navigator.storage, 'getDirectory', () => 'storage.getDirectory (OPFS)');
  if (window.indexedDB) timed(indexedDB, 'open', () => 'indexedDB.open');
}

// The room logic's calls (the compiled core's Room), each with the time it took: installed once the
// page's module has loaded its core.
export async function traceCore(who) {
  const core = await globalThis[Symbol.for('webchat.core')];
  const now = () => performance.timeOrigin + performance.now();
  const proto = core.Room.prototype;
  for (const name of ['join', 'signalDone', 'linkDescribed', 'linkOpen', 'linkMessage', 'signed', 'verified', 'send', 'tick']) {
    const original = proto[name];
    proto[name] = function traced(...args) {
      const started = now();
      const result = original.apply(this, args);
      window.traceLog?.push({ who, at: started, what: `core.${name} (sync ${(now() - started).toFixed(2)} ms)` });
      return result;
    };
  }
  // Each effect the logic hands out, when it is handed out: the gap to the next is its handling.
  const poll = proto.poll;
  proto.poll = function traced() {
    const effect = poll.call(this);
    if (effect) window.traceLog?.push({ who, at: now(), what: `effect ${effect.type}` });
    return effect;
  };
  return true;
}

// The guest's clock starts in its page (in-page.mjs pushes 'START joinRoom' to window.traceLog when
// tracing), so the timeline reads from 0 at the very moment the measured join starts.

export function takeTrace() {
  return window.traceLog.splice(0);
}
