// This browser's own network changed (issue #17): the driver saw an address of its own it had not had
// (a new lease, another network behind another router). Every flow through the old address is dead
// and nothing says so: links fall silent, parked requests never come back, and what was described
// before names addresses nobody reaches. A host parks fresh offers; a guest looks for its host as a
// returning member rather than taking the room over (docs/protocol.md, "A network of one's own").
#include <utility>
#include <vector>

#include "room.hpp"

namespace webchat {

void Room::onNetworkChanged(Millis now) {
  advance(now);
  if (state_ == RoomState::Idle || state_ == RoomState::Closed) return;
  movedAt_ = now;
  switch (state_) {
    case RoomState::Host: return renewOffers(now);
    // Its link to the host is most likely dead (heartbeats would say so within 3 s): rejoin now, and
    // as a returning member (moved(now)), never as the room's next host.
    case RoomState::Guest: return startFailover(now);
    case RoomState::Joining:
    case RoomState::Reconnecting: return searchAgain(now);
    default: return;
  }
}

void Room::renewOffers(Millis now) {
  // A first successor that took over because its own network went away, before the driver said so:
  // nobody is back yet, so step down and look for the room's host as a returning member.
  const bool anyGuest = hasOffering({Stage::Member, Stage::Uploading});
  if (tookOver_ && now - tookOver_->at < kMovedWindowMs && !anyGuest) {
    TookOver took = *std::exchange(tookOver_, std::nullopt);
    closeAllLinks(nullptr);
    cancelRequests(Purpose::HostProbe);
    held_.clear();  // still in their authors' outboxes: resent to whoever hosts
    expected_.clear();
    settleUntil_.reset();
    spareDue_.reset();
    spareHeldUntil_.reset();
    rank_ = took.lost;
    Search next;
    next.failover = true;
    next.epochIfHosting = took.lost.epoch + 1;
    next.expected = std::move(took.expected);
    lookAsReturning(next, took.successors, now);
    setState(RoomState::Reconnecting);
    return search(std::move(next), now);
  }
  // Offers not yet taken name the old addresses: describe new ones. (A newcomer already connecting
  // keeps its attempt: its connect timeout ends it if it cannot succeed.)
  std::vector<LinkId> stale;
  for (const auto& [id, link] : links_) {
    const bool waiting = link.stage == Stage::OfferParked || link.stage == Stage::OfferReady || link.stage == Stage::Describing;
    if (link.offering && waiting) stale.push_back(id);
  }
  for (LinkId id : stale) closeLink(id);
  spareDue_.reset();
  spareHeldUntil_.reset();
  // A host probe out now may never come back. One at once takes the stale offer the server may still
  // hold (its park was withdrawn from the old address, which the server never heard), so that no joiner
  // spends an attempt on it; the next ones, every kMovedHostProbeMs while moved(), find whoever our
  // guests fail over to.
  cancelRequests(Purpose::HostProbe);
  nextHostProbe_ = now + kMovedHostProbeMs;
  if (!backingOff()) {
    hostProbeAgain_ = true;
    signalGet(Purpose::HostProbe, 0, offerSignalId(config_.room), 0);
  }
  keepOffering();
}

void Room::searchAgain(Millis now) {
  // Its probe and its parked answers went out from the old address: their replies may never come.
  cancelRequests(Purpose::Probe);
  std::vector<LinkId> pending;
  for (const auto& [id, link] : links_) {
    if (!link.offering && !link.open) pending.push_back(id);
  }
  for (LinkId id : pending) closeLink(id);
  // Looking for whoever re-forms a room whose host fell silent: the silence was ours.
  if (state_ == RoomState::Reconnecting && search_.failover) {
    auto successors = search_.expected.size() + 1;
    lookAsReturning(search_, successors, now);
  }
  probe();
}

}  // namespace webchat
