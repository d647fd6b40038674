// This browser's own network changed (issue #17): the driver saw an address of its own it had not had
// (a new lease, another network behind another router). Every flow through the old address is dead
// and nothing says so: links fall silent, parked requests never come back, and what was described
// before names addresses nobody reaches. A host parks fresh offers; a guest looks for its host as a
// returning member rather than taking the room over (docs/protocol.md, "A network of one's own").
#include <algorithm>
#include <utility>
#include <vector>

#include "room.hpp"

namespace webchat {

void Room::onNetworkChanged(Millis now) {
  advance(now);
  if (state_ == RoomState::Idle || state_ == RoomState::Closed) return;
  // One move can be reported more than once (its new host address a look before its new public one),
  // or after its links already closed under us (a browser drops the links of an address it lost at
  // once): within kMovedWindowMs of the rejoin it began, a report is that move, not another.
  const bool sameMove = ownMoveAt_ && now - *ownMoveAt_ < kMovedWindowMs;
  const bool reportedBefore = sameMove && ownMoveReported_;
  movedAt_ = now;
  if (state_ != RoomState::Host) ownMoveReported_ = true;
  switch (state_) {
    case RoomState::Host:
      // Our offers from now on show guests that lost us to silence that we live on (acceptable()).
      ++rank_.moves;
      return renewOffers(now);
    case RoomState::Guest: {
      // Back in the room over a link made after our links died: that link works on the new network.
      // Unless that link fell silent meanwhile (we are checking our network, hostFellSilent): then this
      // is a move of its own.
      auto host = hostLink_ ? links_.find(*hostLink_) : links_.end();
      if (sameMove && !networkCheckUntil_ && host != links_.end() && host->second.started >= *ownMoveAt_) return;
      // Its link to the host is most likely dead (heartbeats would say so within 3 s): rejoin now, and
      // as a returning member, never as the room's next host.
      ownMoveAt_ = now;
      return startFailover(now, HostLost::OwnMove);
    }
    case RoomState::Joining:
    case RoomState::Reconnecting:
      // The move's second report: the probe and answer under way went out after its first.
      if (reportedBefore) return keepRejoining(now);
      // Its first (after a close, or while joining): what went out before it may have left from the
      // old address, or from a network still being set up (seen in the lab: an answer made as the
      // address was replaced never connected). Look again, from now on as one move.
      ownMoveAt_ = now;
      return searchAgain(now);
    default: return;
  }
}

void Room::keepRejoining(Millis now) {
  // The rejoin under way began at the move's first report: its probe and answer went out from the
  // new network, so they are kept. Only, the silence being ours, nobody is taken over before every
  // successor's turn (a first successor checking whether its host is still there no longer hosts on
  // one empty probe).
  if (search_.failover) lookAsReturning(search_, std::max<std::size_t>(search_.successors, 1), now);
}

void Room::renewOffers(Millis now) {
  // A first successor that took over because its own network went away, before the driver said so:
  // nobody is back yet, so step down and look for the room's host as a returning member.
  // Anyone of the old room rejoining us (an expected member, the old host merging into us with its
  // guests following) is our room re-forming: stepping down then would cut them off and leave the
  // room without a host. A newcomer is not (review finding: any taker of an offer kept us hosting, and
  // the healthy old host then merged under us), nor one whose answer has not named it yet: whoever it
  // is, its attempt names our old addresses and is told to look again (room_retry.cpp).
  const bool stepsDown = tookOver_ && now - tookOver_->at < kMovedWindowMs && !oldRoomBack();
  // Offers not yet taken name the old addresses: describe new ones. A newcomer connecting on one (its
  // channel not open) can never get through: it is told to look again.
  std::vector<LinkId> stale;
  for (const auto& [id, link] : links_) {
    const bool waiting = link.stage == Stage::OfferParked || link.stage == Stage::OfferReady || link.stage == Stage::Describing;
    const bool connecting = !link.open && (link.stage == Stage::AwaitingAnswer || link.stage == Stage::Connecting);
    if (link.offering && (waiting || connecting)) stale.push_back(id);
    if (link.offering && connecting) askToRetry(id);
  }
  if (stepsDown) return stepDown(now);
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

bool Room::oldRoomBack() const {
  if (!tookOver_) return false;
  return std::any_of(links_.begin(), links_.end(), [&](const auto& l) {
    const Link& link = l.second;
    const bool known = link.stage == Stage::Connecting || link.stage == Stage::Uploading || link.stage == Stage::Member;
    return link.offering && known && (tookOver_->expected.count(link.peerId) || link.peerId == tookOver_->lost.host);
  });
}

void Room::stepDown(Millis now) {
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
  // Only, a probe that finds nobody parked means nobody hosts the room now: the old host may have
  // taken our offer to merge into us just before we stepped down (the mailbox's "taken" was still
  // on its way to us), and it and its guests now look for us. Host again at once then.
  // (lookAsReturning's takeOverAt stays, as the bound: an old host there but out of reach.)
  next.hostWhenEmpty = true;
  next.successors = took.successors;
  ownMoveAt_ = now;
  ownMoveReported_ = true;
  setState(RoomState::Reconnecting);
  search(std::move(next), now);
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
