// Hosting: becoming host, keeping an offer parked, taking answers, and finding other hosts of the same
// room to merge with. The guests themselves are room_members.cpp, their entries room_entries.cpp.
#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

#include "entries.hpp"
#include "room.hpp"
#include "text.hpp"

namespace webchat {

namespace {
bool succeeded(int status) { return status == 200; }
bool timedOut(int status) { return status == 204; }

}  // namespace

// `expected`: members of a room we take over, who are likely to rejoin. Until they are back (or
// kFailoverSettleMs passes) their lines of the old room are adopted first and new lines held back, so
// the order everyone saw before the failover is kept.
void Room::becomeHost(std::int64_t epoch, std::set<std::string> expected, Millis now) {
  // A first successor taking over: until anyone is back, a report of its own network's change undoes
  // it (renewOffers). rank_ is still the lost host's.
  tookOver_.reset();
  // A rejoin begun on a closed channel alone that ends in hosting: nobody hosted (or the old host stayed
  // out of reach); a move reported from now on is a new one (as in onWelcome).
  if (!ownMoveReported_) ownMoveAt_.reset();
  if (search_.failover && search_.firstInLine) tookOver_ = TookOver{now, rank_, expected, search_.successors};
  search_ = {};
  rank_ = HostRank{epoch, now, selfId_};
  std::vector<Member> members{Member{selfId_, config_.nick, true, config_.key}};
  for (const auto& m : members_) {
    if (expected.count(m.id)) members.push_back(Member{m.id, m.nick, false, m.key});
  }
  expected_ = std::move(expected);
  if (expected_.empty()) {
    settleUntil_.reset();
  } else {
    settleUntil_ = now + kFailoverSettleMs;
  }
  nextHostProbe_ = now + kHostProbeEveryMs;
  historyEnd_ = history_.lastSeq();
  // Hosting while signaling backs off (a probe failed, then our turn came): the retry would probe, which
  // a host never does, and keepOffering below waits for it, so the room would have no offer parked for
  // good (review finding). Park one when the back-off ends instead.
  if (retry_) retry_ = &Room::keepOffering;
  setState(RoomState::Host);
  setMembers(std::move(members));
  dispatched_.clear();
  flushOutbox();
  keepOffering();
}

std::map<LinkId, Room::Link>::iterator Room::offeringLink(std::initializer_list<Stage> stages) {
  return std::find_if(links_.begin(), links_.end(), [&](const auto& l) {
    return l.second.offering && std::find(stages.begin(), stages.end(), l.second.stage) != stages.end();
  });
}

bool Room::hasOffering(std::initializer_list<Stage> stages) { return offeringLink(stages) != links_.end(); }

void Room::keepOffering() {
  // After a signaling failure nothing is parked or described until the back-off's retry calls us:
  // a server that is down must not be met with a request per described offer.
  if (state_ != RoomState::Host || backingOff()) return;
  if (!hasOffering({Stage::OfferParked})) {
    auto ready = offeringLink({Stage::OfferReady});
    if (ready == links_.end()) {
      // The door is closed: describe an offer at once (unless one is on its way).
      if (!hasOffering({Stage::Describing})) openLink(/*offering=*/true, {});
      return;
    }
    if (holdingSpare()) return;
    ready->second.stage = Stage::OfferParked;
    signalSet(Purpose::ParkOffer, ready->first, offerSignalId(config_.room), ready->second.offerText, kOfferRenewMs);
  }
  // An offer is parked; the spare behind it waits for a quiet moment (prepareSpare).
  if (!hasOffering({Stage::OfferReady, Stage::Describing})) spareDue_ = now_;
}

// Parking the spare is a request, and a request costs both browsers' CPU: on a 2-core machine a join is
// CPU-bound, and parking at once measured ~2 ms of a ~50 ms join. So while a newcomer connects, the
// spare waits until it is in (admit() and failures call keepOffering), kSpareHoldMs at most; a joiner
// arriving meanwhile long-polls for it. Not after a failover: the old members come back all at once.
bool Room::holdingSpare() {
  if (!spareHeldUntil_ || now_ >= *spareHeldUntil_ || !expected_.empty()) return false;
  return newcomerConnecting();
}

bool Room::newcomerConnecting() { return hasOffering({Stage::AwaitingAnswer, Stage::Connecting, Stage::Uploading}); }

// Making a peer connection and gathering its candidates takes the CPU and the page's main thread for
// milliseconds: not while a newcomer connects (admit() and failures call keepOffering again), and not
// inside the input that asked for it, so the messages that input sends leave first (this runs in tick).
void Room::prepareSpare() {
  spareDue_.reset();
  if (state_ != RoomState::Host || hasOffering({Stage::OfferReady, Stage::Describing})) return;
  if (newcomerConnecting()) return;
  openLink(/*offering=*/true, {});
}

void Room::onOfferParked(LinkId id, int status, Millis now) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  if (succeeded(status)) {
    signalingRecovered();
    // Our own host probe may be the taker: its reply can come after this one. It decides
    // (onHostProbeDone): our own offer is parked again at once, anything else means a joiner took it.
    if (hostProbing()) {
      it->second.takenWhileProbing = true;
      return;
    }
    return offerTaken(id, now);
  }
  closeLink(id);
  if (timedOut(status)) return keepOffering();  // nobody came: renew, so candidates never go stale
  signalingFailed(status, now, &Room::keepOffering);
}

void Room::offerTaken(LinkId id, Millis now) {
  Link& link = links_[id];
  link.stage = Stage::AwaitingAnswer;
  signalGet(Purpose::FetchAnswer, id, answerSignalId(config_.room, link.offerId), kAnswerWaitMs);
  spareHeldUntil_ = now + kSpareHoldMs;
  keepOffering();  // the door opens again: the spare is parked (held while the newcomer connects)
}

bool Room::hostProbing() const {
  return std::any_of(requests_.begin(), requests_.end(),
                     [](const auto& r) { return r.second.purpose == Purpose::HostProbe; });
}

void Room::onAnswerFetched(LinkId id, int status, std::string_view body, Millis now) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  if (!succeeded(status)) {  // the joiner went away, or the server did
    closeLink(id);
    if (timedOut(status)) return keepOffering();
    return signalingFailed(status, now, &Room::keepOffering);
  }
  auto answer = decodeAnswer(body);
  if (!answer.value || answer.value->offer != link.offerId) {
    drop(answer.value ? "answer to another offer" : answer.error);
    closeLink(id);
    return keepOffering();
  }
  link.peerId = answer.value->peer;
  link.earlyHello = answer.value->hello;
  link.remoteFp = fingerprintOf(answer.value->sdp);
  // Its signature is checked while the connection is made (the answer is applied at once): the hello
  // is answered only once the verdict is in (onAnswerHelloVerified).
  if (link.earlyHello) {
    auto part = signedPart(config_.room, *link.earlyHello);
    if (verifying() && !part.key.empty() && !part.sig.empty()) {
      link.earlyHelloTicket = askVerify(id, {std::move(part)});
    } else {
      link.earlyHelloProblem = helloProblem(*link.earlyHello, link.remoteFp);
    }
  }
  link.stage = Stage::Connecting;
  link.deadline = now + kConnectTimeoutMs;
  emit(effect::AcceptAnswer{id, answer.value->sdp});
  if (answer.value->trickle) {
    signalGet(Purpose::FetchCandidates, id, candidatesSignalId(config_.room, link.offerId), kConnectTimeoutMs);
  }
}

// A trickle answer's candidates. Without them a joiner we can reach directly may still connect (ICE
// learns its address from its checks; Chromium does, Firefox waits for candidates); one behind a NAT
// does not, and the connect timeout ends the attempt, so a missing or bad candidates text needs no
// handling of its own.
void Room::onCandidatesFetched(LinkId id, int status, std::string_view body) {
  auto it = links_.find(id);
  if (it == links_.end() || !succeeded(status)) return;
  auto candidates = decodeCandidates(body);
  if (!candidates.value) return drop(candidates.error);
  if (candidates.value->offer != it->second.offerId || candidates.value->peer != it->second.peerId) {
    return drop("candidates for another offer or joiner");
  }
  emit(effect::AddCandidates{id, std::move(candidates.value->candidates)});
}

// A host's look at the room's offer queue. Offers of ours whose park came back "taken" while it was
// out, and that it did not take itself, were taken by joiners.
void Room::onHostProbeDone(int status, std::string_view body, Millis now) {
  onHostProbeFound(status, body, now);
  std::vector<LinkId> taken;
  for (auto& [id, link] : links_) {
    if (std::exchange(link.takenWhileProbing, false)) taken.push_back(id);
  }
  for (LinkId id : taken) {
    if (state_ == RoomState::Host && links_.count(id)) offerTaken(id, now);
  }
}

// Finding our own offer: park it again and look once more, at what queues behind it. Finding another
// host's: the lower-ranked of the two merges into the other.
void Room::onHostProbeFound(int status, std::string_view body, Millis now) {
  if (state_ != RoomState::Host || timedOut(status)) return;  // nothing parked
  if (!succeeded(status)) return signalingFailed(status, now, &Room::keepOffering);
  auto offer = decodeOffer(body);
  if (!offer.value || offer.value->room != config_.room) return drop(offer.value ? "offer for another room" : offer.error);
  if (offer.value->rank.host != selfId_) {
    if (outranks(offer.value->rank, rank_)) return mergeInto(*offer.value, now);
    return;  // we outrank it; its host will find our offer and merge into us
  }
  auto own = std::find_if(links_.begin(), links_.end(), [&](const auto& l) {
    return l.second.offering && l.second.offerId == offer.value->offer && l.second.stage == Stage::OfferParked;
  });
  if (own != links_.end()) {
    // Its park request completes as "taken" too (or already did: takenWhileProbing): forget that one
    // and park the same offer again.
    own->second.takenWhileProbing = false;
    for (auto it = requests_.begin(); it != requests_.end();) {
      bool parking = it->second.purpose == Purpose::ParkOffer && it->second.link == own->first;
      it = parking ? requests_.erase(it) : std::next(it);
    }
    signalSet(Purpose::ParkOffer, own->first, offerSignalId(config_.room), own->second.offerText, kOfferRenewMs);
  }
  if (!hostProbeAgain_) return;
  hostProbeAgain_ = false;
  signalGet(Purpose::HostProbe, 0, offerSignalId(config_.room), 0);
}

// Another host outranks us: tell our guests to follow, and answer its offer, which we hold in hand.
void Room::mergeInto(const OfferText& offer, Millis now) {
  const PeerMessage moved = Moved{offer.rank};
  closeAllLinks(&moved);
  cancelRequests(Purpose::HostProbe);
  // Held lines are still in their authors' outboxes: they are resent to the new host.
  held_.clear();
  expected_.clear();
  settleUntil_.reset();
  Search next;
  next.floor = offer.rank;
  next.epochIfHosting = offer.rank.epoch + 1;
  next.takeOverAt = now + 2 * kConnectTimeoutMs;
  search_ = std::move(next);
  setState(RoomState::Reconnecting);
  answerOffer(offer, now);
}

}  // namespace webchat
