// Signaling texts the driver could not open. In private and password rooms the driver seals every
// text it parks (AES-GCM under a key from the link secret or password) and opens every text it takes;
// a text that does not open is either a wrong password or an alteration on the way (docs/security.md).
#include "room.hpp"

namespace webchat {

namespace {
constexpr int kUnreadableProbesTolerated = 1;  // a link-secret joiner's second one ends its join
}  // namespace

void Room::onSignalUnreadable(RequestId id, Millis now) {
  advance(now);
  auto it = requests_.find(id);
  if (it == requests_.end()) return;  // cancelled, or its link is gone
  const bool joinersProbe = it->second.purpose == Purpose::Probe && state_ == RoomState::Joining;
  if (joinersProbe && config_.sealing == Sealing::Password) {
    // The room's offer is sealed under another password (or the room is another one's of this name):
    // say so at once rather than host an empty room of our own or wait.
    requests_.erase(it);
    drop("unreadable signaling text");
    return shutDown("wrong-password");
  }
  if (joinersProbe && config_.sealing == Sealing::Secret && ++unreadableProbes_ > kUnreadableProbesTolerated) {
    requests_.erase(it);
    drop("unreadable signaling text");
    return shutDown("signal-tampered");
  }
  // Anything else is what a malformed text is: each purpose drops it, counts it and goes on (a
  // joiner probes again, a host parks a new offer).
  const auto droppedBefore = dropped_;
  onSignalDone(id, 200, {}, now);
  if (dropped_ != droppedBefore) lastDropReason_ = "unreadable signaling text";
}

}  // namespace webchat
