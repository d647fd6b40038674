// The Room's inputs, timers and plumbing. Joining is in room_join.cpp, hosting in room_host.cpp.
#include "room.hpp"

#include <algorithm>
#include <limits>
#include <utility>

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
  }
  return "?";
}

namespace {

// Names the outcome of a failed signaling request for the user interface.
const char* signalingError(int status) {
  if (status == 0) return "server-unreachable";
  if (status >= 500) return "server-error";
  return "server-rejected";
}

}  // namespace

Room::Room(Config config) : config_(std::move(config)), ids_(config_.seed), selfId_(ids_.id()) {}

// --- Inputs ------------------------------------------------------------------------------------

void Room::join(Millis now) {
  now_ = now;
  if (state_ != RoomState::Idle) return;
  if (!roomProblem(config_.room).empty()) return setState(RoomState::Closed, "room-invalid");
  if (!nickProblem(config_.nick).empty()) return setState(RoomState::Closed, "nick-invalid");
  setState(RoomState::Joining);
  search(Search{}, now);
}

void Room::leave(Millis now) {
  now_ = now;
  shutDown({});
}

void Room::closeRoom(Millis now) {
  now_ = now;
  if (state_ != RoomState::Host) return shutDown({});
  const PeerMessage close = Close{};
  closeAllLinks(&close);
  shutDown({});
}

std::string Room::send(std::string_view text, Millis now) {
  now_ = now;
  if (auto problem = textProblem(text); !problem.empty()) return problem;
  if (state_ == RoomState::Idle || state_ == RoomState::Closed) return "not in a room";
  if (outbox_.size() >= kMaxOutbox) return "too many lines waiting to be delivered";
  Say say{std::string(text), selfId_ + "-" + std::to_string(++midCounter_)};
  outbox_.push_back(say);
  if (state_ == RoomState::Host) {
    submit(ChatMessage{0, say.mid, selfId_, config_.nick, say.text, now});
  } else if (state_ == RoomState::Guest && hostLink_) {
    if (outbox_.size() == 1) lastResend_ = now;  // a resend is due only if this one is not sequenced in time
    sendTo(*hostLink_, say);
  }  // else: joining or reconnecting; the outbox is sent once a host welcomes us
  return {};
}

void Room::onSignalDone(RequestId id, int status, std::string_view body, Millis now) {
  now_ = now;
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
  }
}

void Room::onLinkDescribed(LinkId id, std::string_view sdp, Millis now, IceCandidates candidates) {
  now_ = now;
  auto it = links_.find(id);
  if (it == links_.end() || it->second.stage != Stage::Describing) return;
  Link& link = it->second;
  if (link.offering) {
    link.offerId = ids_.id();
    link.offerText = encodeOffer(OfferText{config_.room, rank_, link.offerId, std::string(sdp)});
    link.stage = Stage::OfferReady;
    keepOffering();
  } else {
    link.stage = Stage::AnswerParked;
    link.candidatesFollow = candidates == IceCandidates::Follow;
    AnswerText answer{link.offerId, selfId_, std::string(sdp), ownHello(), link.candidatesFollow};
    signalSet(Purpose::ParkAnswer, id, answerSignalId(config_.room, link.offerId), encodeAnswer(answer), kAnswerParkMs);
  }
}

void Room::onLinkCandidates(LinkId id, std::vector<std::string> candidates, Millis now) {
  now_ = now;
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
  now_ = now;
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  link.open = true;
  link.lastHeard = now;
  // The joiner's hello came with its answer: the host answers it now, a crossing of the channel sooner
  // than a hello sent on it.
  if (link.offering && link.stage == Stage::Connecting && link.earlyHello) {
    Hello hello = *std::exchange(link.earlyHello, std::nullopt);
    return onHello(id, link, hello);
  }
  // A joiner says nothing yet: its hello went with its answer, and a copy now would reach a host that
  // already answered, which answers repeats again. It repeats the hello only if no answer comes
  // within kHelloResendMs of the channel opening (a host that lost the answer, or one that ignores
  // an answer's hello).
  if (!link.offering) link.lastSent = now;
}

void Room::onLinkMessage(LinkId id, std::string_view text, Millis now) {
  now_ = now;
  auto it = links_.find(id);
  if (it == links_.end()) return;
  it->second.lastHeard = now;
  auto decoded = decodeMessage(text);
  if (!decoded.value) return drop(decoded.error);
  if (std::holds_alternative<Ping>(*decoded.value)) return;
  if (it->second.offering) {
    onHostMessage(id, it->second, *decoded.value, now);
  } else {
    onGuestMessage(id, it->second, *decoded.value, now);
  }
}

void Room::onLinkClosed(LinkId id, Millis now) {
  now_ = now;
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Stage stage = it->second.stage;
  if (stage == Stage::Member) return removeMember(id);
  if (stage == Stage::Joined) return startFailover(now);
  bool offering = it->second.offering;
  closeLink(id);
  if (offering) return keepOffering();
  if (!offering && (state_ == RoomState::Joining || state_ == RoomState::Reconnecting)) probe();
}

void Room::tick(Millis now) {
  now_ = now;
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
    closeLink(id);
    if (joining && (state_ == RoomState::Joining || state_ == RoomState::Reconnecting)) probe();
  }
  if (!expired.empty()) keepOffering();  // a newcomer that never connected no longer defers the next spare
  keepAlive(now);
  if (state_ == RoomState::Host) {
    if (spareHeldUntil_ && now >= *spareHeldUntil_) {
      spareHeldUntil_.reset();
      keepOffering();
    }
    if (spareDue_ && now >= *spareDue_) prepareSpare();
    if (settleUntil_ && now >= *settleUntil_) endSettling();
    if (now >= nextHostProbe_) {
      nextHostProbe_ = now + kHostProbeEveryMs + static_cast<Millis>(ids_.next() % 500);  // desynchronise hosts
      bool probing = std::any_of(requests_.begin(), requests_.end(),
                                 [](const auto& r) { return r.second.purpose == Purpose::HostProbe; });
      if (!probing) {
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
    if (saysHelloAgain(link)) consider(link.lastSent + kHelloResendMs);
    if (link.open && (link.stage == Stage::Member || link.stage == Stage::Joined)) {
      consider(link.lastSent + kHeartbeatMs);
      consider(link.lastHeard + (link.stage == Stage::Member ? kGuestSilenceMs : kHostSilenceMs));
    }
  }
  if (state_ == RoomState::Guest && !outbox_.empty()) consider(lastResend_ + kResendMs);
  if (state_ == RoomState::Host) {
    consider(nextHostProbe_);
    if (spareDue_) consider(*spareDue_);
    if (spareHeldUntil_) consider(*spareHeldUntil_);
    if (settleUntil_) consider(*settleUntil_);
  }
  if ((state_ == RoomState::Joining || state_ == RoomState::Reconnecting) && search_.takeOverAt) {
    consider(*search_.takeOverAt);
  }
  return next;
}

// --- Liveness ----------------------------------------------------------------------------------

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
  if (hostSilent) return startFailover(now);
  if (state_ == RoomState::Guest && !outbox_.empty() && now - lastResend_ >= kResendMs) resendOutbox(kResendBatch);
}

void Room::resendOutbox(std::size_t upTo) {
  if (!hostLink_) return;
  lastResend_ = now_;
  for (std::size_t i = 0; i < outbox_.size() && i < upTo; ++i) sendTo(*hostLink_, outbox_[i]);
}

// --- Plumbing ----------------------------------------------------------------------------------

RequestId Room::request(Purpose purpose, LinkId link) {
  RequestId id = nextRequest_++;
  requests_[id] = Request{purpose, link};
  return id;
}

void Room::signalGet(Purpose purpose, LinkId link, std::string id, Millis timeout) {
  emit(effect::SignalGet{request(purpose, link), std::move(id), timeout});
}

void Room::signalSet(Purpose purpose, LinkId link, std::string id, std::string text, Millis timeout) {
  emit(effect::SignalSet{request(purpose, link), std::move(id), std::move(text), timeout});
}

LinkId Room::openLink(bool offering, std::string remoteOffer) {
  LinkId id = nextLink_++;
  Link& link = links_[id];
  link.offering = offering;
  link.lastSent = now_;
  link.lastHeard = now_;
  link.sayRefilled = now_;
  emit(effect::OpenLink{id, std::move(remoteOffer)});
  return id;
}

void Room::closeLink(LinkId id) {
  if (!links_.erase(id)) return;
  if (hostLink_ == id) hostLink_.reset();
  // A request on behalf of a closed link is pointless: cancel it so a parked offer is withdrawn.
  cancelRequestsIf([id](const Request& r) { return r.link == id; });
  emit(effect::CloseLink{id});
}

// Closes every link, first telling members and our host `farewell` if given.
void Room::closeAllLinks(const PeerMessage* farewell) {
  std::vector<LinkId> ids;
  for (const auto& [id, link] : links_) ids.push_back(id);
  for (LinkId id : ids) {
    Stage stage = links_[id].stage;
    if (farewell && links_[id].open && (stage == Stage::Member || stage == Stage::Joined)) sendTo(id, *farewell);
    closeLink(id);
  }
}

void Room::cancelRequests(Purpose purpose) {
  cancelRequestsIf([purpose](const Request& r) { return r.purpose == purpose; });
}

void Room::cancelRequestsIf(const std::function<bool(const Request&)>& which) {
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (which(it->second)) {
      emit(effect::SignalCancel{it->first});
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
}

void Room::sendTo(LinkId id, const PeerMessage& message) {
  auto it = links_.find(id);
  if (it != links_.end()) it->second.lastSent = now_;
  emit(effect::Send{id, encodeMessage(message)});
}

void Room::setState(RoomState state, std::string error) {
  if (state == state_ && error == error_) return;
  state_ = state;
  error_ = std::move(error);
  emit(effect::StatusChanged{state_, error_});
}

void Room::setMembers(std::vector<Member> members) {
  auto find = [](const std::vector<Member>& list, const std::string& id) {
    return std::find_if(list.begin(), list.end(), [&](const Member& m) { return m.id == id; });
  };
  auto hostOf = [](const std::vector<Member>& list) {
    auto it = std::find_if(list.begin(), list.end(), [](const Member& m) { return m.host; });
    return it == list.end() ? std::string() : it->id;
  };
  // The first list we see is the room as we found it: no notices for who was already there.
  if (!members_.empty()) {
    std::string newHost = hostOf(members);
    if (!newHost.empty() && newHost != hostOf(members_)) {
      emit(effect::Notice{NoticeKind::HostChanged, find(members, newHost)->nick});
    }
    for (const auto& m : members) {
      if (find(members_, m.id) == members_.end()) emit(effect::Notice{NoticeKind::Joined, m.nick});
    }
    for (const auto& m : members_) {
      if (find(members, m.id) == members.end()) emit(effect::Notice{NoticeKind::Left, m.nick});
    }
  }
  if (members == members_) return;
  members_ = std::move(members);
  emit(effect::MembersChanged{members_});
}

void Room::shutDown(std::string error) {
  if (state_ == RoomState::Closed) return;
  const PeerMessage bye = Bye{};
  closeAllLinks(&bye);
  for (const auto& [id, request] : requests_) emit(effect::SignalCancel{id});
  requests_.clear();
  retry_ = nullptr;
  if (error == "room-closed") emit(effect::Notice{NoticeKind::Closed, {}});
  setState(RoomState::Closed, std::move(error));
}

void Room::signalingFailed(int status, Millis now, void (Room::*retry)()) {
  backoff_ = backoff_ == 0 ? kRetryInitialMs : std::min(backoff_ * 2, kRetryMaxMs);
  retry_ = retry;
  retryAt_ = now + backoff_;
  setState(state_, signalingError(status));
}

void Room::signalingRecovered() {
  backoff_ = 0;
  if (!error_.empty() && state_ != RoomState::Closed) setState(state_, {});
}

void Room::drop(std::string reason) {
  ++dropped_;
  lastDropReason_ = std::move(reason);
}

void Room::addToHistory(const ChatMessage& line) {
  if (!history_.accept(line)) return drop("line out of sequence or already known");
  auto mine = std::find_if(outbox_.begin(), outbox_.end(), [&](const Say& s) { return s.mid == line.mid; });
  if (mine != outbox_.end()) outbox_.erase(mine);
  emit(effect::MessageAdded{line});
}

}  // namespace webchat
