// A joiner's answer can leave before its ICE gathering ends (it does when gathering is slow: a distant
// or silent STUN or TURN server); its candidates then follow through the mailbox, and the host adds
// them to the connection. On loopback gathering ends in milliseconds, so the joiner here is told to
// trickle always (trickleAfterMs: 0), through the module as an embedding page uses it. Each browser
// kind hosts once, so each must read the other's candidates (a Firefox host does not connect to a
// trickling Chromium joiner without them: seen when they were refused).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DEADLINE_MS, closeBrowsers, openBrowsers, startServer } from './harness.mjs';

let server;
let browsers = [];

before(async () => {
  server = await startServer();
  browsers = await openBrowsers(['first', 'second']);  // mixed: a Firefox and a Chromium
});

after(async () => {
  await closeBrowsers(browsers);
  await server?.stop();
});

// In a page: joins through the module, recording the signaling texts it parks and what its browser
// did with remote candidates (the module skips a refused one quietly, so only this shows a candidate
// format the other browser cannot read). Resolves with the room's state once in; rejects after
// deadlineMs (a joiner whose link never connects would otherwise keep trying for ever).
async function joinRecording({ room, nick, signal, trickleAfterMs, deadlineMs }) {
  window.parked = [];
  window.addedCandidates = { accepted: 0, refused: [] };
  const fetchText = window.fetch;
  window.fetch = (url, init) => {
    // A public room's texts are not sealed: the type inside tells them apart (mailbox ids are HMACs).
    if (/[?&]set=/.test(String(url))) window.parked.push({ type: JSON.parse(init.body).type, body: init.body });
    return fetchText(url, init);
  };
  const add = RTCPeerConnection.prototype.addIceCandidate;
  RTCPeerConnection.prototype.addIceCandidate = function addIceCandidate(candidate) {
    return add.call(this, candidate).then(
      () => { window.addedCandidates.accepted++; },
      (error) => { window.addedCandidates.refused.push(`${candidate?.candidate}: ${error}`); throw error; });
  };
  const { joinRoom } = await import('/webchat.js');
  let timer;
  const deadline = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${nick} not in the room after ${deadlineMs} ms`)), deadlineMs);
  });
  window.room = await Promise.race([joinRoom({ room, nick, signal, iceServers: [], trickleAfterMs }), deadline]);
  clearTimeout(timer);
  window.heard = [];
  window.room.addEventListener('message', (e) => window.heard.push(`${e.detail.nick}: ${e.detail.text}`));
  return window.room.status.state;
}

for (const hostIndex of [0, 1]) {
  test(`a joiner's trickled candidates reach its host and are used (host: browser ${hostIndex + 1} of 2)`, async () => {
    const [host, joiner] = hostIndex === 0 ? browsers : [...browsers].reverse();
    const room = `trickle-${hostIndex}`;
    await Promise.all([host, joiner].map(({ page }) => page.goto(server.url)));
    const join = (who, trickleAfterMs) =>
      who.page.evaluate(joinRecording, { room, nick: `${who.name}-${who.kind}`, signal: server.signal, trickleAfterMs,
                                         deadlineMs: DEADLINE_MS });

    assert.equal(await join(host, 100), 'host');
    assert.equal(await join(joiner, 0), 'guest');

    const parked = await joiner.page.waitForFunction(() => window.parked.some((p) => p.type === 'candidates') && window.parked);
    const answer = JSON.parse(parked.find((p) => p.type === 'answer').body);
    assert.equal(answer.trickle, true, 'the answer said its candidates follow');
    const candidates = JSON.parse(parked.find((p) => p.type === 'candidates').body);
    assert.equal(candidates.peer, answer.peer);
    assert.ok(candidates.candidates.length > 0, `${joiner.kind} gathered candidates`);

    await host.page.waitForFunction(() => window.addedCandidates.accepted > 0);
    assert.deepEqual(await host.page.evaluate(() => window.addedCandidates.refused), [],
                     `${host.kind} accepts ${joiner.kind}'s candidates`);

    await joiner.page.evaluate(() => window.room.send('over a trickled connection'));
    const heard = await host.page.waitForFunction(() => window.heard.length > 0 && window.heard);
    assert.deepEqual(heard, [`${joiner.name}-${joiner.kind}: over a trickled connection`]);
    await Promise.all([host, joiner].map(({ page }) => page.evaluate(() => window.room.leave())));
  });
}
