// How the module's peer links (web/webchat-links.js) tell the room logic a joiner's connection failed:
// 'dtls-failed' (the handshake met another fingerprint than the description's: the join ends as
// tampered) or 'ice-failed' (no path: one more attempt). In node against the built copy, with a scripted
// peer connection whose states change in the order a browser may report them. Chromium reports the DTLS
// transport's state apart from the connection's: on a busy machine the connection's 'failed' came while
// its DTLS transport still said 'connecting' (browser.verified's fingerprint swap, 1 run in 10).

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? 'build/web';
const { PeerLinks } = await import(pathToFileURL(resolve(webRoot, 'webchat-links.js')));

// Enough of an RTCPeerConnection for a joiner's link: it answers, gathers at once, and changes state
// when the test says (`fail`), with the states a page would read in the connectionstatechange handler.
class ScriptedConnection extends EventTarget {
  connectionState = 'new';
  iceConnectionState = 'new';
  iceGatheringState = 'complete';
  signalingState = 'stable';
  localDescription = null;
  sctp = { transport: { state: 'new' } };
  async setRemoteDescription() { this.signalingState = 'have-remote-offer'; }
  async createAnswer() { return { type: 'answer', sdp: 'v=0 answer' }; }
  async setLocalDescription(description) { this.localDescription = description; this.signalingState = 'stable'; }
  close() {
    if (this.connectionState === 'closed') return;
    this.connectionState = 'closed';
    this.dispatchEvent(new Event('connectionstatechange'));
  }
  change({ connection, ice, dtls }) {
    if (ice) this.iceConnectionState = ice;
    if (dtls) this.sctp.transport.state = dtls;
    if (connection) {
      this.connectionState = connection;
      this.dispatchEvent(new Event('connectionstatechange'));
    }
  }
}

// A joiner's link, answered and described; resolves with its connection and the ends reported.
async function answeringLink() {
  const connections = [];
  const ends = [];
  let described = null;
  const links = new PeerLinks({
    newPeerConnection: () => { const pc = new ScriptedConnection(); connections.push(pc); return pc; },
    iceServers: [],
    on: {
      described: (link) => { described = link; },
      candidates() {},
      open() {},
      message() {},
      closed: (link, why) => ends.push([link, why]),
    },
  });
  await links.open(7, 'v=0 offer');
  assert.equal(described, 7, 'the answer was described');
  return { pc: connections[0], ends };
}

test('a connection that fails with ICE connected failed in DTLS, whatever its DTLS transport still says', async () => {
  const { pc, ends } = await answeringLink();
  pc.change({ connection: 'connecting', ice: 'checking' });
  pc.change({ ice: 'connected', dtls: 'connecting' });
  // The connection's 'failed' before the DTLS transport's (Chromium, busy machine).
  pc.change({ connection: 'failed' });
  assert.deepEqual(ends, [[7, 'dtls-failed']]);
});

test('a connection that fails with ICE connected and its DTLS transport failed is dtls-failed', async () => {
  const { pc, ends } = await answeringLink();
  pc.change({ connection: 'connecting', ice: 'connected', dtls: 'connecting' });
  pc.change({ connection: 'failed', dtls: 'failed' });
  assert.deepEqual(ends, [[7, 'dtls-failed']]);
});

test('a connection whose ICE failed (or never connected) is ice-failed: no path, not tampering', async () => {
  for (const ice of ['failed', 'disconnected', 'checking']) {
    const { pc, ends } = await answeringLink();
    pc.change({ connection: 'connecting', ice: 'checking' });
    pc.change({ connection: 'failed', ice });
    assert.deepEqual(ends, [[7, 'ice-failed']], `ICE ${ice}`);
  }
});
