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
// a report, further changes are learned without a report for REPORT_QUIET_MS: one move often shows its
// new host address a look before its new public one (the room logic takes a second report within its
// kMovedWindowMs as the same move and keeps the rejoin under way; this only spares it the work). Only a
// few looks, not the room logic's whole window: a host that moves again seconds later must say so (its
// guests take its offers again only when its rank counts a move they have not seen, docs/protocol.md;
// the lab moves a host twice 7 s apart, and a quiet of 10 s had kept the second move unreported). The
// room logic hears of a change (Room.networkChanged) and decides what follows. The first look waits a
// period, so that it is not on a join's path. Each look is a STUN binding request to
// each configured STUN server (docs/security.md: what a STUN server learns); joinRoom's `watchNetwork:
// false` turns the watch off (changes are then noticed only when links fall silent).

import { withoutRelays } from './webchat-ice.js';

const WATCH_EVERY_MS = 1000;  // a guest's host falls silent after 3 s: the change is known before that
const GATHER_CAP_MS = 1500;   // a STUN server that does not answer: compare what was found
const RECENT_MS = 60000;      // an address seen this recently is not new
const REPORT_QUIET_MS = 3000;  // one move's faces: a look or two apart (up to 2.5 s a look on a busy machine)

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
 * Calls onChange(newAddresses) when a look finds an address of its own not seen in the last minute (the
 * first look only learns them; at most one report per REPORT_QUIET_MS). `iceServers()`: the room's
 * current ICE servers. Returns stop().
 */
export function watchNetwork({ iceServers, onChange, newPeerConnection, everyMs = WATCH_EVERY_MS, now = Date.now }) {
  let pc = null;
  const recent = new Map();  // address -> when last seen
  const kinds = new Set();   // 'host', 'srflx': the kinds of address this network has shown
  let lastReport = -Infinity;
  let timer = null;
  let stopped = false;
  const kindOf = (address) => address.split(' ')[0];
  const learn = (seen, at) => {
    for (const address of seen) {
      recent.set(address, at);
      kinds.add(kindOf(address));
    }
    for (const [address, when] of recent) if (at - when > RECENT_MS) recent.delete(address);
  };
  // One round of gathering on our connection, ended by its end-of-candidates (a null candidate) or
  // the cap: the addresses found.
  const gatherOnce = () => new Promise((resolve, reject) => {
    if (!pc) {
      pc = newPeerConnection({ iceServers: withoutRelays(iceServers() ?? []) });
      pc.createDataChannel('watch');  // something to negotiate, so that there is something to gather for
    }
    const found = [];
    const finish = (error) => {
      clearTimeout(cap);
      pc?.removeEventListener('icecandidate', onCandidate);
      if (error) reject(error);
      else resolve(ownAddresses(found));
    };
    const onCandidate = (e) => {
      if (e.candidate === null) finish();
      else if (e.candidate.candidate) found.push(e.candidate.candidate);
    };
    const cap = setTimeout(() => finish(), GATHER_CAP_MS);
    pc.addEventListener('icecandidate', onCandidate);
    pc.createOffer({ iceRestart: true }).then((offer) => pc.setLocalDescription(offer)).catch(finish);
  });
  const look = async () => {
    let seen = null;
    try {
      seen = await gatherOnce();
    } catch {
      pc?.close();  // a connection that cannot gather again: a fresh one next time, which names its
      pc = null;    // host addresses anew (mDNS names are per connection): learn them again
      recent.clear();
      kinds.clear();
    }
    if (stopped) return;
    try {
      if (seen?.size) {
        const at = now();
        const fresh = [...seen].filter((address) => !recent.has(address) && kinds.has(kindOf(address)));
        learn(seen, at);
        if (fresh.length && at - lastReport >= REPORT_QUIET_MS) {
          lastReport = at;
          onChange(fresh);
        }
      }
    } catch (error) {
      console.error('webchat: the network watch could not report a change', error);
    } finally {
      if (!stopped) timer = setTimeout(look, everyMs);
    }
  };
  timer = setTimeout(look, everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
    pc?.close();
  };
}
