// A guest whose host falls silent: is the silence the host's end, or this browser's own move? A browser
// learns of a new address of its own seconds after the change (Chromium on Linux announces a network
// change 2 s after the last address event), and by then the 3 s of silence may have run out. The first
// successor, which takes the room over at once, used to do so on a move it had not been told of yet
// (issue #17: a guest next in line whose own address was replaced took a healthy room over, and the
// host merged under it). So before taking over it asks its driver to look (effect::CheckNetwork) and
// waits for the answer, kNetworkCheckMs at most: a new address means its own move (it rejoins its host
// as a returning member, room_moved.cpp); none means a failover as before. The other successors start
// theirs at once: they do not host before their turn, by which time any move has been reported.
// docs/protocol.md, "A network of one's own".
#include <algorithm>

#include "room.hpp"

namespace webchat {

bool Room::firstSuccessor() const {
  auto next = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.id != rank_.host; });
  return next == members_.end() || next->id == selfId_;
}

void Room::hostFellSilent(Millis now) {
  if (networkCheckUntil_) {
    if (now < *networkCheckUntil_) return;  // the driver is still looking
    networkCheckUntil_.reset();             // no answer in time: the host's end, as far as we can tell
    return startFailover(now, HostLost::Silent);
  }
  // Back from a pause, or moved lately: startFailover looks for the host as a returning member anyway.
  if (!firstSuccessor() || waking(now) || moved(now)) return startFailover(now, HostLost::Silent);
  networkCheckUntil_ = now + kNetworkCheckMs;
  emit(effect::CheckNetwork{});
}

void Room::onNetworkChecked(Millis now) {
  advance(now);
  if (!networkCheckUntil_ || state_ != RoomState::Guest) return;  // not asked, or already decided
  networkCheckUntil_.reset();
  // The host may have spoken again while the driver looked: then nothing is lost.
  auto host = hostLink_ ? links_.find(*hostLink_) : links_.end();
  if (host != links_.end() && now - host->second.lastHeard < kHostSilenceMs) return;
  startFailover(now, HostLost::Silent);
}

}  // namespace webchat
