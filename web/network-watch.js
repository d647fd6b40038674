// Whether this browser's own network changed (issue #17): a laptop given a new lease, a phone moving to
// another network behind another router. Nothing tells a page: its links fall silent, its long-polls
// never come back, and an offer it parked names addresses nobody reaches any more. So a member in a
// room looks at its own addresses every second, as ICE sees them: one peer connection of its own,
// gathering again (an ICE restart) each time, with the room's STUN servers only (a TURN allocation
// each second would cost the relay). It counts host candidates (an address, or the mDNS name a browser
// gives one: stable per address within a connection) and server-reflexive ones (the public address a
// STUN server saw), never ports (new with every socket) nor relays (new with every allocation).
// An address it has not seen before, of a kind it had seen (host, or server-reflexive), means the network
// changed; one that is missing does not (a lost or late STUN answer), nor does the first server-reflexive
// address of a look after looks that had none (a busy machine, seen in the lab: the first look ended at
// its cap before the STUN answer came). The room logic hears of a change (Room.networkChanged) and
// decides what follows.

import { withoutRelays } from './webchat-ice.js';

const WATCH_EVERY_MS = 1000;  // a guest's host falls silent after 3 s: the change is known before that
const GATHER_CAP_MS = 1500;   // a STUN server that does not answer: compare what was found

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
 * Calls onChange(newAddresses) whenever a look finds an address of its own not seen before (the
 * first look only learns them). `iceServers()`: the room's current ICE servers. Returns stop().
 */
export function watchNetwork({ iceServers, onChange, newPeerConnection, everyMs = WATCH_EVERY_MS }) {
  let pc = null;
  let known = null;
  let timer = null;
  let stopped = false;
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
      pc?.close();  // a connection that cannot gather again: a fresh one next time
      pc = null;
    }
    if (stopped) return;
    if (seen?.size) {
      const kinds = new Set([...(known ?? [])].map((address) => address.split(' ')[0]));
      const fresh = [...seen].filter((address) => !known?.has(address) && kinds.has(address.split(' ')[0]));
      if (known && fresh.length) {
        known = seen;  // the new network's addresses, from now on
        onChange(fresh);
      } else {
        known = new Set([...(known ?? []), ...seen]);
      }
    }
    timer = setTimeout(look, everyMs);
  };
  look();
  return () => {
    stopped = true;
    clearTimeout(timer);
    pc?.close();
  };
}
