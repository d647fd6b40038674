// The Room's inputs, timers and plumbing. Joining is in room_join.cpp, hosting in room_host.cpp.
#include "room.hpp"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "entries.hpp"
#include "text.hpp"

namespace webchat {

const char* toString(RoomState state) {
  switch (state) {
    case RoomState::Idle: return "idle";
    case RoomState::Joining: return "joining";
    case RoomState::Host: return "host";
    case RoomState::Guest: return "guest";
    case RoomState::Reconnecting: return "reconnecting";
    case RoomState::Closed: return "closed";
  }
  return "?";
}

const char* toString(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::Joined: return "joined";
    case NoticeKind::Left: return "left";
    case NoticeKind::HostChanged: return "host-changed";
    case NoticeKind::Closed: return "closed";
    case NoticeKind::Renamed: return "renamed";
  }
  return "?";
}


namespace {
bool validId(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}
}  // namespace

Room::Room(Config config) : config_(std::move(config)), ids_(config_.seed), selfId_(ids_.id()) {
  if (validId(config_.selfId)) selfId_ = config_.selfId;
  // Own entries a reload kept; new mids continue after every own mid we know of.
  midCounter_ = config_.midCounter;
  auto counted = [&](const Entry& e) {
    if (e.mid.rfind(selfId_ + "-", 0) != 0) return;
    midCounter_ = std::max<std::uint64_t>(midCounter_, std::strtoull(e.mid.c_str() + selfId_.size() + 1, nullptr, 10));
  };
  for (auto& entry : config_.outbox) {
    counted(entry);
    if (entry.mid.rfind(selfId_ + "-", 0) != 0 || !entryFieldsProblem(entry, config_.maxFileBytes).empty() || outbox_.size() >= kMaxOutbox) continue;
    entry.from = selfId_;
    entry.key = config_.key;
    trust(entry);  // signed by us before the reload
    outbox_.push_back(std::move(entry));
  }
  config_.outbox.clear();
  for (const auto& entry : config_.history) counted(entry);
}

// --- Inputs ------------------------------------------------------------------------------------

void Room::join(Millis now) {
  advance(now);
  if (state_ != RoomState::Idle) return;
  if (!roomProblem(config_.room).empty()) return setState(RoomState::Closed, "room-invalid");
  if (!nickProblem(config_.nick).empty()) return setState(RoomState::Closed, "nick-invalid");
  if (verifying() && signing()) keys_[selfId_] = config_.key;
  signHello(config_.nick);
  for (const auto& entry : outbox_) {  // a reload's outbox: entries not signed before it
    if (signing() && entry.sig.empty()) requestSignature(entryBytes(config_.room, entry), Signing{{}, entry.mid});
  }
  restoreHistory();
  joinStarted_ = now;
  setState(RoomState::Joining);
  search(Search{}, now);
}

void Room::leave(Millis now, bool back) {
  advance(now);
  shutDown({}, back);
}

void Room::closeRoom(Millis now) {
  advance(now);
  if (state_ != RoomState::Host) return shutDown({});
  const PeerMessage close = Close{};
  closeAllLinks(&close);
  shutDown({});
}

void Room::onSignalDone(RequestId id, int status, std::string_view body, Millis now) {
  advance(now);
  auto it = requests_.find(id);
  if (it == requests_.end()) return;  // cancelled, or its link is gone
  Request request = it->second;
  requests_.erase(it);
  switch (request.purpose) {
    case Purpose::Probe: return onProbeDone(status, body, now);
    case Purpose::HostProbe: return onHostProbeDone(status, body, now);
    case Purpose::ParkOffer: return onOfferParked(request.link, status, now);
    case Purpose::FetchAnswer: return onAnswerFetched(request.link, status, body, now);
    case Purpose::ParkAnswer: return onAnswerParked(request.link, status, now);
    case Purpose::FetchCandidates: return onCandidatesFetched(request.link, status, body);
    // Taken or not, the answer's fate decides the join: a host that connected without our candidates
    // or one that is gone (its answer fetch fails) needs nothing more from us.
    case Purpose::ParkCandidates: return;
    case Purpose::FetchRetry: return onRetryFetched(request.link, status, body);
    case Purpose::ParkRetry: return;  // taken or not: the joiner's own timeout covers the rest
  }
}

void Room::onLinkDescribed(LinkId id, std::string_view sdp, Millis now, IceCandidates candidates) {
  advance(now);
  auto it = links_.find(id);
  if (it == links_.end() || it->second.stage != Stage::Describing) return;
  Link& link = it->second;
  if (link.offering) {
    link.offerId = ids_.id();
    OfferText offer{config_.room, rank_, link.offerId, std::string(sdp), std::nullopt};
    if (signing() && helloSigned()) offer.host = ownHello();  // its joiner checks it while answering
    link.offerText = encodeOffer(offer);
    link.stage = Stage::OfferReady;
    keepOffering();
  } else {
    link.candidatesFollow = candidates == IceCandidates::Follow;
    // The hello was signed at join, long before: an answer only waits for it on a very slow signer.
    if (!helloSigned()) {
      link.describedSdp = std::string(sdp);
      return;
    }
    parkAnswer(id, std::string(sdp));
  }
}

void Room::onLinkCandidates(LinkId id, std::vector<std::string> candidates, Millis now) {
  advance(now);
  auto it = links_.find(id);
  if (it == links_.end() || !std::exchange(it->second.candidatesFollow, false)) return;
  const Link& link = it->second;
  // Within the bounds a host accepts (a text beyond them would be dropped whole): each once, the
  // first kMaxCandidates (browsers list the most preferred first).
  CandidatesText text{link.offerId, selfId_, {}};
  for (auto& candidate : candidates) {
    if (text.candidates.size() == kMaxCandidates) break;
    bool fits = !candidate.empty() && candidate.size() <= kMaxCandidateBytes;
    if (fits && std::find(text.candidates.begin(), text.candidates.end(), candidate) == text.candidates.end()) {
      text.candidates.push_back(std::move(candidate));
    }
  }
  signalSet(Purpose::ParkCandidates, id, candidatesSignalId(config_.room, link.offerId), encodeCandidates(text),
            kCandidatesParkMs);
}

void Room::onLinkOpen(LinkId id, Millis now) {
  advance(now);
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  link.open = true;
  link.lastHeard = now;
  stopListeningForRetry(id);
  // The joiner's hello came with its answer: the host answers it now, a crossing of the channel sooner
  // than a hello sent on it (or as soon as the verdict on its signature comes: onAnswerHelloVerified).
  if (link.offering && link.stage == Stage::Connecting && link.earlyHello) {
    if (link.earlyHelloTicket) return;
    Hello hello = *std::exchange(link.earlyHello, std::nullopt);
    return onHello(id, link, hello, link.earlyHelloProblem);
  }
  // A joiner says nothing yet: its hello went with its answer, and a copy now would reach a host that
  // already answered, which answers repeats again. It repeats the hello only if no answer comes
  // within kHelloResendMs of the channel opening (a host that lost the answer, or one that ignores
  // an answer's hello).
  if (!link.offering) link.lastSent = now;
}

// A message is decoded once. One with signatures not yet known good waits for the driver's verdicts
// (effect::Verify), and the link's later messages wait behind it, so each link's messages are still
// handled in the order they came.
void Room::onLinkMessage(LinkId id, std::string_view text, Millis now) {
  advance(now);
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  link.lastHeard = now;
  auto decoded = decodeMessage(text);
  if (!decoded.value) return drop(decoded.error);
  if (std::holds_alternative<Ping>(*decoded.value)) return;
  auto parts = verifying() ? unverified(*decoded.value) : std::vector<SignedPart>{};
  if (link.inbox.empty() && parts.empty()) return handleMessage(id, link, *decoded.value, now);
  Arrival arrival{std::move(*decoded.value), std::move(parts)};
  if (!arrival.parts.empty()) arrival.ticket = askVerify(id, arrival.parts);
  link.inbox.push_back(std::move(arrival));
}

void Room::handleMessage(LinkId id, Link& link, const PeerMessage& message, Millis now) {
  if (link.offering) return onHostMessage(id, link, message, now);
  onGuestMessage(id, link, message, now);
}

void Room::onLinkClosed(LinkId id, Millis now, LinkEnd why) {
  advance(now);
  auto it = links_.find(id);
  if (it == links_.end()) return;
  if (!it->second.inbox.empty()) {
    it->second.closedBehind = why;  // after the messages that came before the close
    return;
  }
  handleClose(id, now, why);
}

void Room::handleClose(LinkId id, Millis now, LinkEnd why) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Stage stage = it->second.stage;
  if (stage == Stage::Member) return removeMember(id);
  if (stage == Stage::Joined) return startFailover(now, HostLost::Closed);
  bool offering = it->second.offering;
  if (!offering && attemptFailed(it->second, why)) return;
  closeLink(id);
  if (offering) return keepOffering();
  if (state_ == RoomState::Joining || state_ == RoomState::Reconnecting) probe();
}

void Room::tick(Millis now) {
  advance(now);
  // A join whose attempt found no path ends within kNoRouteMs of its start, whatever it does then.
  if (state_ == RoomState::Joining && noPathSince_ && now >= joinStarted_ + kNoRouteMs) return shutDown("no-route");
  if (retry_ && now >= retryAt_) {
    auto retry = retry_;
    retry_ = nullptr;
    (this->*retry)();
  }
  std::vector<LinkId> expired;
  for (const auto& [id, link] : links_) {
    if (link.deadline && now >= *link.deadline) expired.push_back(id);
  }
  for (LinkId id : expired) {
    bool joining = !links_[id].offering;
    // A joiner's channel that never opened in time: no path to that host.
    if (joining && attemptFailed(links_[id], links_[id].open ? LinkEnd::Closed : LinkEnd::IceFailed)) return;
    closeLink(id);
    if (joining && (state_ == RoomState::Joining || state_ == RoomState::Reconnecting)) probe();
  }
  if (!expired.empty()) keepOffering();  // a newcomer that never connected no longer defers the next spare
  listenForRetry(now);
  keepAlive(now);
  if (state_ == RoomState::Host) {
    expireReturning(now);
    if (spareHeldUntil_ && now >= *spareHeldUntil_) {
      spareHeldUntil_.reset();
      keepOffering();
    }
    if (spareDue_ && now >= *spareDue_) prepareSpare();
    if (settleUntil_ && now >= *settleUntil_) endSettling();
    if (now >= nextHostProbe_ && !backingOff()) {
      nextHostProbe_ = now + kHostProbeEveryMs + static_cast<Millis>(ids_.next() % 500);  // desynchronise hosts
      if (moved(now)) nextHostProbe_ = now + kMovedHostProbeMs;  // our guests are re-forming the room: find it
      if (!hostProbing()) {
        hostProbeAgain_ = true;
        signalGet(Purpose::HostProbe, 0, offerSignalId(config_.room), 0);
      }
    }
  }
  bool searching = state_ == RoomState::Joining || state_ == RoomState::Reconnecting;
  if (searching && search_.takeOverAt && now >= *search_.takeOverAt) {
    // Nobody better showed up in time: this member hosts the room now.
    cancelRequests(Purpose::Probe);
    for (auto it = links_.begin(); it != links_.end();) {
      LinkId id = (it++)->first;
      closeLink(id);
    }
    becomeHost(search_.epochIfHosting, search_.expected, now);
  }
}

std::optional<Effect> Room::poll() {
  if (effects_.empty()) return std::nullopt;
  Effect effect = std::move(effects_.front());
  effects_.pop_front();
  return effect;
}

std::optional<Millis> Room::nextDeadline() const {
  if (state_ == RoomState::Idle || state_ == RoomState::Closed) return std::nullopt;
  std::optional<Millis> next;
  auto consider = [&](Millis t) { next = next ? std::min(*next, t) : t; };
  if (retry_) consider(retryAt_);
  for (const auto& [id, link] : links_) {
    if (link.deadline) consider(*link.deadline);
    if (link.retryListenAt) consider(*link.retryListenAt);
    if (saysHelloAgain(link)) consider(link.lastSent + kHelloResendMs);
    if (link.open && (link.stage == Stage::Member || link.stage == Stage::Joined)) {
      consider(link.lastSent + kHeartbeatMs);
      Millis silent = link.lastHeard + (link.stage == Stage::Member ? kGuestSilenceMs : kHostSilenceMs);
      // A host silent that long while the driver looks at our network (hostFellSilent): the check's end.
      if (link.stage == Stage::Joined && networkCheckUntil_) silent = std::max(silent, *networkCheckUntil_);
      consider(silent);
    }
  }
  // Not while the driver looks at our network with the host silent: keepAlive resends nothing then (the
  // check's end is the deadline), and a resend due meanwhile kept the deadline in the past (a busy loop).
  if (state_ == RoomState::Guest && !outbox_.empty() && !networkCheckUntil_) consider(lastResend_ + kResendMs);
  if (state_ == RoomState::Host) {
    consider(backingOff() ? std::max(nextHostProbe_, retryAt_) : nextHostProbe_);
    for (const auto& [id, until] : returning_) consider(until);
    if (spareDue_) consider(*spareDue_);
    if (spareHeldUntil_) consider(*spareHeldUntil_);
    if (settleUntil_) consider(*settleUntil_);
  }
  if ((state_ == RoomState::Joining || state_ == RoomState::Reconnecting) && search_.takeOverAt) {
    consider(*search_.takeOverAt);
  }
  if (state_ == RoomState::Joining && noPathSince_) consider(joinStarted_ + kNoRouteMs);
  return next;
}

// --- Liveness ----------------------------------------------------------------------------------

void Room::advance(Millis now) {
  if (state_ == RoomState::Guest && now - now_ >= kHostSilenceMs) wokeAt_ = now;
  now_ = now;
}

// Pings links we have been quiet on, and gives up on peers that have been silent too long.
void Room::keepAlive(Millis now) {
  std::vector<LinkId> silentGuests;
  bool hostSilent = false;
  for (auto& [id, link] : links_) {
    if (saysHelloAgain(link) && now - link.lastSent >= kHelloResendMs) sayHello(id);
    if (!link.open || (link.stage != Stage::Member && link.stage != Stage::Joined)) continue;
    if (link.stage == Stage::Member && now - link.lastHeard >= kGuestSilenceMs) silentGuests.push_back(id);
    if (link.stage == Stage::Joined && now - link.lastHeard >= kHostSilenceMs) hostSilent = true;
    if (now - link.lastSent >= kHeartbeatMs) sendTo(id, Ping{});
  }
  for (LinkId id : silentGuests) removeMember(id);
  if (hostSilent) return hostFellSilent(now);
  networkCheckUntil_.reset();  // the host spoke again while the driver looked: no failover
  if (state_ == RoomState::Guest && !outbox_.empty() && now - lastResend_ >= kResendMs) resendOutbox(kResendBatch);
}


LinkId Room::linkTo(std::string_view id) const {
  if (state_ == RoomState::Guest) {
    const bool isHost = std::any_of(members_.begin(), members_.end(),
                                    [&](const Member& m) { return m.host && m.id == id; });
    return isHost && hostLink_ ? *hostLink_ : 0;
  }
  if (state_ != RoomState::Host) return 0;
  for (const auto& [link, state] : links_) {
    if (state.stage == Stage::Member && state.peerId == id) return link;
  }
  return 0;
}

}  // namespace webchat
