// Whether this browser's own network changed (issue #17): a laptop given a new lease, a phone moving to
// another network behind another router. Nothing tells a page: its links fall silent, its long-polls
// never come back, and an offer it parked names addresses nobody reaches any more. So a member in a
// room looks at its own addresses every second, as ICE sees them: one peer connection of its own,
// gathering again (an ICE restart) each time, with the room's STUN servers only (a TURN allocation
// each second would cost the relay). It counts host candidates (an address, or the mDNS name a browser
// gives one: stable per address within a connection) and server-reflexive ones (the public address a
// STUN server saw), never ports (new with every socket) nor relays (new with every allocation).
// An address it has not seen in the last minute, of a kind it had seen (host, or server-reflexive), means
// the network changed; one that is missing does not (a lost or late STUN answer), nor does the first
// server-reflexive address of a look after looks that had none (a busy machine, seen in the lab: the first
// look ended at its cap before the STUN answer came), nor one seen within the last minute (a carrier NAT
// or a router balancing two uplinks that hands out addresses from a pool: A, B, A is one network). After
// a report, further changes are learned without a report for REPORT_QUIET_MS, and a new public address
// alone for SAME_MOVE_MS after a report that named a new host address: one move shows its new host
// address first and its new public one a look or two later (a STUN round trip; up to 2.5 s a look on a
// busy machine). A guest's room logic takes a second report within its kMovedWindowMs as the same move,
// but a host's counts every report and renews its offers again, dropping whoever was connecting to the
// fresh ones (review finding). The quiet is short all the same: a host that moves again seconds later
// must say so (its guests take its offers again only when its rank counts a move they have not seen,
// docs/protocol.md; the lab moves a host's public address, then its own address 7 s later, and a quiet
// of 10 s had kept the second move unreported). The
// room logic hears of a change (Room.networkChanged) as soon as a look's candidate shows it, and decides
// what follows. Before a guest next in line takes its room over (its host fell silent), the room logic
// asks for a check (effect 'check-network'): a few looks at once, then Room.networkChecked if nothing
// changed (issue #17: the silence was its own move, told too late). The first look waits a
// period, so that it is not on a join's path. Each look is a STUN binding request to
// each configured STUN server (docs/security.md: what a STUN server learns); joinRoom's `watchNetwork:
// false` turns the watch off (changes are then noticed only when links fall silent).

import { withoutRelays } from './webchat-ice.js';

const WATCH_EVERY_MS = 1000;  // a guest's host falls silent after 3 s: the change is known before that
const GATHER_CAP_MS = 1500;   // a STUN server that does not answer: compare what was found
const RECENT_MS = 60000;      // an address seen this recently is not new
const REPORT_QUIET_MS = 3000;  // one move's faces: its host address and its public one, a look apart
const SAME_MOVE_MS = 10000;    // the room logic's kMovedWindowMs: a new public address after a new host one
// A check (the room logic's effect 'check-network': its host fell silent, and it would take the room
// over): looks every CHECK_EVERY_MS, each capped at CHECK_CAP_MS, for CHECK_SPAN_MS before answering that
// nothing changed. Chromium on Linux tells its pages of a new address 2 s after the change (its network
// change notifier's delay), and a host's last message may have come up to a heartbeat (1 s) after it:
// the 3 s of silence can run out 0.3 s before the page can see its move. The room logic waits 1 s at
// most (kNetworkCheckMs), so the span is also what a real failover costs its first successor.
const CHECK_SPAN_MS = 800;
const CHECK_EVERY_MS = 100;
const CHECK_CAP_MS = 300;

/** The addresses of host and server-reflexive candidates among `candidates` ("candidate:..." lines). */
export function ownAddresses(candidates) {
  const addresses = new Set();
  for (const line of candidates) {
    const fields = String(line).replace(/^a=/, '').split(' ');
    const type = fields[fields.indexOf('typ') + 1];
    if (fields.indexOf('typ') > 4 && (type === 'host' || type === 'srflx')) addresses.add(`${type} ${fields[4]}`);
  }
  return addresses;
}

/**
 * Calls onChange(newAddresses) as soon as a look finds an address of its own not seen in the last
 * minute (the first look only learns them; at most one report per REPORT_QUIET_MS). `iceServers()`:
 * the room's current ICE servers. Returns { stop(), check(onUnchanged) }: check looks at once and
 * again for a while (see CHECK_SPAN_MS); a change found meanwhile is reported (onChange) and answers
 * it, else onUnchanged() is called.
 */
export function watchNetwork({ iceServers, onChange, newPeerConnection, everyMs = WATCH_EVERY_MS, now = Date.now }) {
  let pc = null;
  const recent = new Map();  // address -> when last seen
  const kinds = new Set();   // 'host', 'srflx': the kinds of address this network has shown
  let lastReport = -Infinity;
  let lastHostReport = -Infinity;  // the last report that named a new host address
  let timer = null;
  let looking = false;
  let endLook = null;        // ends the look under way with what it found so far
  let stopped = false;
  let checks = [];           // { onUnchanged, timer }: checks waiting for their answer (timer: CHECK_SPAN_MS)
  const kindOf = (address) => address.split(' ')[0];
  const learn = (seen, at) => {
    for (const address of seen) {
      recent.set(address, at);
      kinds.add(kindOf(address));
    }
    for (const [address, when] of recent) if (at - when > RECENT_MS) recent.delete(address);
  };
  // Addresses among `seen` that mean a change, reported now unless one was lately. A report answers
  // the checks waiting.
  const reportFresh = (seen) => {
    const at = now();
    const fresh = [...seen].filter((address) => !recent.has(address) && kinds.has(kindOf(address)));
    if (!fresh.length || at - lastReport < REPORT_QUIET_MS) return;
    const newHost = fresh.some((address) => kindOf(address) === 'host');
    if (!newHost && at - lastHostReport < SAME_MOVE_MS) return;  // that move's public face, seen late
    lastReport = at;
    if (newHost) lastHostReport = at;
    for (const check of checks) clearTimeout(check.timer);  // the report is their answer
    checks = [];
    try {
      onChange(fresh);
    } catch (error) {
      console.error('webchat: the network watch could not report a change', error);
    }
  };
  // Every candidate of our connection is compared as it comes, whichever look it belongs to (a look
  // ended early still gathers): a browser names its host addresses at once, the public one a STUN round
  // trip later, and the end only after every server answered or gave up.
  let current = null;              // the look under way: { found, finish }
  let settled = Promise.resolve(); // the last look's offer and local description: one at a time
  const onCandidate = (e) => {
    if (e.candidate === null) return current?.finish();
    const line = e.candidate?.candidate;
    if (!line || stopped) return;
    current?.found.push(line);
    reportFresh(ownAddresses([line]));
  };
  // One round of gathering on our connection, ended by its end-of-candidates (a null candidate), the
  // cap, or a check (endLook): the addresses found. The cap is chosen once the last look's offer has
  // settled (a check that came meanwhile has its short one).
  const gatherOnce = async () => {
    await settled;
    const capMs = checks.length ? CHECK_CAP_MS : GATHER_CAP_MS;
    if (!pc) {
      pc = newPeerConnection({ iceServers: withoutRelays(iceServers() ?? []) });
      pc.createDataChannel('watch');  // something to negotiate, so that there is something to gather for
      pc.addEventListener('icecandidate', onCandidate);
    }
    const connection = pc;
    return new Promise((resolve, reject) => {
      const look = { found: [] };
      const finish = (error) => {
        clearTimeout(cap);
        if (current !== look) return;
        current = null;
        endLook = null;
        if (error) reject(error);
        else resolve(ownAddresses(look.found));
      };
      look.finish = finish;
      current = look;
      endLook = () => finish();
      const cap = setTimeout(() => finish(), capMs);
      settled = connection.createOffer({ iceRestart: true }).then((offer) => connection.setLocalDescription(offer)).catch(finish);
    });
  };
  const next = () => {
    if (stopped || looking) return;
    clearTimeout(timer);
    timer = setTimeout(look, checks.length ? CHECK_EVERY_MS : everyMs);
  };
  const look = async () => {
    looking = true;
    let seen = null;
    try {
      seen = await gatherOnce();
    } catch {
      pc?.close();  // a connection that cannot gather again: a fresh one next time, which names its
      pc = null;    // host addresses anew (mDNS names are per connection): learn them again
      recent.clear();
      kinds.clear();
    }
    looking = false;
    if (stopped) return;
    if (seen?.size) {
      reportFresh(seen);
      learn(seen, now());
    }
    next();
  };
  // A check's span ended with no report: nothing changed (a look still under way may still report).
  const answer = (check) => {
    checks = checks.filter((c) => c !== check);
    try {
      check.onUnchanged();
    } catch (error) {
      console.error('webchat: the network watch could not answer a check', error);
    }
  };
  timer = setTimeout(look, everyMs);
  return {
    stop() {
      stopped = true;
      for (const check of checks) clearTimeout(check.timer);
      checks = [];
      clearTimeout(timer);
      pc?.close();
    },
    check(onUnchanged) {
      if (stopped) return;
      const check = { onUnchanged };
      check.timer = setTimeout(() => answer(check), CHECK_SPAN_MS);
      checks.push(check);
      // A look under way may have begun before the browser knew of its new address, and wait long for a
      // STUN server: it ends now, the next one follows shortly (next).
      if (looking) return endLook?.();
      clearTimeout(timer);
      look();
    },
  };
}
