#include "room.hpp"

#include <algorithm>

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

bool succeeded(int status) { return status == 200; }
bool timedOut(int status) { return status == 204; }

}  // namespace

Room::Room(Config config) : config_(std::move(config)), ids_(config_.seed), selfId_(ids_.id()) {}

// --- Inputs ------------------------------------------------------------------------------------

void Room::join(Millis) {
  if (state_ != RoomState::Idle) return;
  if (auto problem = roomProblem(config_.room); !problem.empty()) return setState(RoomState::Closed, "room-invalid");
  if (auto problem = nickProblem(config_.nick); !problem.empty()) return setState(RoomState::Closed, "nick-invalid");
  setState(RoomState::Joining);
  probe();
}

void Room::leave(Millis) { shutDown({}); }

void Room::shutDown(std::string error) {
  if (state_ == RoomState::Closed) return;
  for (const auto& [id, request] : requests_) emit(effect::SignalCancel{id});
  requests_.clear();
  for (auto& [id, link] : links_) {
    if (link.stage == Stage::Member || link.stage == Stage::Joined) sendTo(id, Bye{});
    emit(effect::CloseLink{id});
  }
  links_.clear();
  hostLink_.reset();
  retry_ = nullptr;
  setState(RoomState::Closed, std::move(error));
}

std::string Room::send(std::string_view text, Millis now) {
  if (auto problem = textProblem(text); !problem.empty()) return problem;
  if (state_ == RoomState::Host) {
    sequence(selfId_, config_.nick, std::string(text), now);
    return {};
  }
  if (state_ == RoomState::Guest && hostLink_) {
    sendTo(*hostLink_, Say{std::string(text)});
    return {};
  }
  return "not in a room yet";
}

void Room::onSignalDone(RequestId id, int status, std::string_view body, Millis now) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;  // cancelled, or its link is gone
  Request request = it->second;
  requests_.erase(it);
  switch (request.purpose) {
    case Purpose::Probe: return onProbeDone(status, body, now);
    case Purpose::ParkOffer: return onOfferParked(request.link, status, now);
    case Purpose::FetchAnswer: return onAnswerFetched(request.link, status, body, now);
    case Purpose::ParkAnswer: return onAnswerParked(request.link, status, now);
  }
}

void Room::onLinkDescribed(LinkId id, std::string_view sdp, Millis) {
  auto it = links_.find(id);
  if (it == links_.end() || it->second.stage != Stage::Describing) return;
  Link& link = it->second;
  if (link.offering) {
    link.offerId = ids_.id();
    link.stage = Stage::OfferParked;
    signalSet(Purpose::ParkOffer, id, offerSignalId(config_.room),
              encodeOffer(OfferText{config_.room, selfId_, link.offerId, std::string(sdp)}), kOfferRenewMs);
  } else {
    link.stage = Stage::AnswerParked;
    signalSet(Purpose::ParkAnswer, id, answerSignalId(config_.room, link.offerId),
              encodeAnswer(AnswerText{link.offerId, selfId_, std::string(sdp)}), kAnswerParkMs);
  }
}

void Room::onLinkOpen(LinkId id, Millis) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  // The guest speaks first; the host waits for its hello under the connect deadline.
  if (!it->second.offering && it->second.stage == Stage::Connecting) sendTo(id, Hello{selfId_, config_.nick});
}

void Room::onLinkMessage(LinkId id, std::string_view text, Millis now) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  auto decoded = decodeMessage(text);
  if (!decoded.value) return drop(decoded.error);
  if (state_ == RoomState::Host) {
    onHostMessage(id, it->second, *decoded.value, now);
  } else {
    onGuestMessage(id, it->second, *decoded.value, now);
  }
}

void Room::onLinkClosed(LinkId id, Millis) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Stage stage = it->second.stage;
  if (state_ == RoomState::Host) {
    if (stage == Stage::Member) return removeMember(id);
    bool wasCurrentOffer = stage == Stage::Describing || stage == Stage::OfferParked;
    closeLink(id);
    if (wasCurrentOffer) startOffer();
    return;
  }
  closeLink(id);
  // Without failover (a later issue) the room ends with its host.
  if (stage == Stage::Joined) return shutDown("host-left");
  if (state_ == RoomState::Joining) probe();
}

void Room::tick(Millis now) {
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
    closeLink(id);
    if (state_ == RoomState::Joining) probe();  // the host never completed: look again
  }
}

std::optional<Effect> Room::poll() {
  if (effects_.empty()) return std::nullopt;
  Effect effect = std::move(effects_.front());
  effects_.pop_front();
  return effect;
}

std::optional<Millis> Room::nextDeadline() const {
  std::optional<Millis> next;
  auto consider = [&](Millis t) { next = next ? std::min(*next, t) : t; };
  if (retry_) consider(retryAt_);
  for (const auto& [id, link] : links_) {
    if (link.deadline) consider(*link.deadline);
  }
  return next;
}

// --- Joining -----------------------------------------------------------------------------------

void Room::probe() { signalGet(Purpose::Probe, 0, offerSignalId(config_.room), kProbeTimeoutMs); }

void Room::onProbeDone(int status, std::string_view body, Millis now) {
  if (state_ != RoomState::Joining) return;
  if (timedOut(status)) {
    signalingRecovered();
    return becomeHost();
  }
  if (!succeeded(status)) return signalingFailed(status, now, &Room::probe);
  signalingRecovered();
  auto offer = decodeOffer(body);
  if (!offer.value || offer.value->room != config_.room) {
    drop(offer.value ? "offer for another room" : offer.error);
    return probe();  // a bad text is consumed; the next one may be a real offer
  }
  answerOffer(*offer.value);
}

void Room::answerOffer(const OfferText& offer) {
  LinkId id = openLink(/*offering=*/false, offer.sdp);
  links_[id].offerId = offer.offer;
  links_[id].peerId = offer.host;
}

void Room::onAnswerParked(LinkId id, int status, Millis now) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  if (succeeded(status)) {
    it->second.stage = Stage::Connecting;
    it->second.deadline = now + kConnectTimeoutMs;
    return;
  }
  closeLink(id);
  if (timedOut(status)) return probe();  // the host never took our answer: it is gone
  signalingFailed(status, now, &Room::probe);
}

void Room::onGuestMessage(LinkId id, Link& link, const PeerMessage& message, Millis) {
  if (link.stage == Stage::Connecting) {
    if (const auto* welcome = std::get_if<Welcome>(&message)) {
      link.stage = Stage::Joined;
      link.deadline.reset();
      hostLink_ = id;
      setState(RoomState::Guest);
      setMembers(welcome->members);
      return;
    }
    if (const auto* refuse = std::get_if<Refuse>(&message)) {
      return shutDown(refuse->reason);
    }
    return drop("out of turn: expected welcome or refuse");
  }
  if (link.stage != Stage::Joined) return drop("out of turn: link not joined");
  if (const auto* posted = std::get_if<Posted>(&message)) {
    if (posted->message.seq <= lastSeq_) return drop("duplicate sequence number");
    addToHistory(posted->message);
    return;
  }
  if (const auto* list = std::get_if<MemberList>(&message)) return setMembers(list->members);
  if (std::holds_alternative<Bye>(message)) return shutDown("host-left");
  drop("out of turn: not a message a host sends now");
}

// --- Hosting -----------------------------------------------------------------------------------

void Room::becomeHost() {
  setState(RoomState::Host);
  setMembers({Member{selfId_, config_.nick, true}});
  startOffer();
}

void Room::startOffer() {
  if (state_ == RoomState::Host) openLink(/*offering=*/true, {});
}

void Room::onOfferParked(LinkId id, int status, Millis now) {
  if (!links_.count(id)) return;
  if (succeeded(status)) {
    signalingRecovered();
    Link& link = links_[id];
    link.stage = Stage::AwaitingAnswer;
    signalGet(Purpose::FetchAnswer, id, answerSignalId(config_.room, link.offerId), kAnswerWaitMs);
    return startOffer();  // keep the door open for the next newcomer
  }
  closeLink(id);
  if (timedOut(status)) return startOffer();  // nobody came: renew, so candidates never go stale
  signalingFailed(status, now, &Room::startOffer);
}

void Room::onAnswerFetched(LinkId id, int status, std::string_view body, Millis now) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  if (!succeeded(status)) return closeLink(id);  // the joiner went away, or the server did
  auto answer = decodeAnswer(body);
  if (!answer.value || answer.value->offer != link.offerId) {
    drop(answer.value ? "answer to another offer" : answer.error);
    return closeLink(id);
  }
  link.peerId = answer.value->peer;
  link.stage = Stage::Connecting;
  link.deadline = now + kConnectTimeoutMs;
  emit(effect::AcceptAnswer{id, answer.value->sdp});
}

void Room::onHostMessage(LinkId id, Link& link, const PeerMessage& message, Millis now) {
  if (link.stage == Stage::Connecting) {
    if (const auto* hello = std::get_if<Hello>(&message)) return admit(id, link, *hello);
    return drop("out of turn: expected hello");
  }
  if (link.stage != Stage::Member) return drop("out of turn: link not a member");
  if (const auto* say = std::get_if<Say>(&message)) {
    if (auto problem = textProblem(say->text); !problem.empty()) return drop(problem);
    return sequence(link.peerId, link.nick, say->text, now);
  }
  if (std::holds_alternative<Bye>(message)) return removeMember(id);
  drop("out of turn: not a message a guest sends");
}

void Room::admit(LinkId id, Link& link, const Hello& hello) {
  std::string refusal;
  if (!nickProblem(hello.nick).empty()) {
    refusal = "nick-invalid";
  } else if (std::any_of(members_.begin(), members_.end(), [&](const Member& m) { return sameNick(m.nick, hello.nick); })) {
    refusal = "nick-taken";
  } else if (std::any_of(members_.begin(), members_.end(), [&](const Member& m) { return m.id == hello.peer; })) {
    refusal = "id-taken";
  } else if (members_.size() >= kMaxRoomMembers) {
    refusal = "room-full";
  }
  if (!refusal.empty()) {
    sendTo(id, Refuse{refusal});
    return closeLink(id);
  }
  link.stage = Stage::Member;
  link.deadline.reset();
  link.peerId = hello.peer;
  link.nick = hello.nick;
  auto members = members_;
  members.push_back(Member{hello.peer, hello.nick, false});
  setMembers(std::move(members));
  sendTo(id, Welcome{members_});
  for (const auto& message : history_) sendTo(id, Posted{message});
  broadcast(MemberList{members_});
}

void Room::sequence(const std::string& from, const std::string& nick, const std::string& text, Millis now) {
  ChatMessage message{lastSeq_ + 1, from, nick, text, now};
  broadcast(Posted{message});
  addToHistory(std::move(message));
}

void Room::removeMember(LinkId id) {
  std::string peer = links_[id].peerId;
  closeLink(id);
  auto members = members_;
  members.erase(std::remove_if(members.begin(), members.end(), [&](const Member& m) { return m.id == peer; }),
                members.end());
  setMembers(std::move(members));
  broadcast(MemberList{members_});
}

void Room::broadcast(const PeerMessage& message) {
  std::string text = encodeMessage(message);
  for (const auto& [id, link] : links_) {
    if (link.stage == Stage::Member) emit(effect::Send{id, text});
  }
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
  emit(effect::OpenLink{id, std::move(remoteOffer)});
  return id;
}

void Room::closeLink(LinkId id) {
  if (!links_.erase(id)) return;
  // A request on behalf of a closed link is pointless: cancel it so a parked offer is withdrawn.
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.link == id) {
      emit(effect::SignalCancel{it->first});
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
  emit(effect::CloseLink{id});
}

void Room::sendTo(LinkId id, const PeerMessage& message) { emit(effect::Send{id, encodeMessage(message)}); }

void Room::setState(RoomState state, std::string error) {
  if (state == state_ && error == error_) return;
  state_ = state;
  error_ = std::move(error);
  emit(effect::StatusChanged{state_, error_});
}

void Room::signalingFailed(int status, Millis now, void (Room::*retry)()) {
  backoff_ = backoff_ == 0 ? kRetryInitialMs : std::min(backoff_ * 2, kRetryMaxMs);
  retry_ = retry;
  retryAt_ = now + backoff_;
  setState(state_, signalingError(status));
}

void Room::signalingRecovered() {
  backoff_ = 0;
  if (!error_.empty()) setState(state_, {});
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
    for (const auto& m : members) {
      if (find(members_, m.id) == members_.end()) emit(effect::Notice{NoticeKind::Joined, m.nick});
    }
    for (const auto& m : members_) {
      if (find(members, m.id) == members.end()) emit(effect::Notice{NoticeKind::Left, m.nick});
    }
    std::string newHost = hostOf(members);
    if (!newHost.empty() && newHost != hostOf(members_)) {
      emit(effect::Notice{NoticeKind::HostChanged, find(members, newHost)->nick});
    }
  }
  members_ = std::move(members);
  emit(effect::MembersChanged{members_});
}

void Room::drop(std::string reason) {
  ++dropped_;
  lastDropReason_ = std::move(reason);
}

void Room::addToHistory(ChatMessage message) {
  lastSeq_ = message.seq;
  history_.push_back(message);
  if (history_.size() > kMaxHistory) history_.pop_front();
  emit(effect::MessageAdded{std::move(message)});
}

}  // namespace webchat
