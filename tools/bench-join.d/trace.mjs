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
    return made;
  };
  window.RTCPeerConnection.prototype = Connection.prototype;
  window.RTCPeerConnection.generateCertificate = (...args) => Connection.generateCertificate(...args);
  if (navigator.storage?.getDirectory) timed(navigator.storage, 'getDirectory', () => 'storage.getDirectory (OPFS)');
  if (window.indexedDB) timed(indexedDB, 'open', () => 'indexedDB.open');
}

// The guest's clock starts in its page (in-page.mjs pushes 'START joinRoom' to window.traceLog when
// tracing), so the timeline reads from 0 at the very moment the measured join starts.

export function takeTrace() {
  return window.traceLog.splice(0);
}
