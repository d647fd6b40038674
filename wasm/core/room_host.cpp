// Hosting: keeping an offer parked, admitting newcomers (with history sync), sequencing and relaying
// lines, and finding other hosts of the same room to merge with.
#include <algorithm>
#include <initializer_list>

#include "room.hpp"
#include "text.hpp"

namespace webchat {

namespace {
bool succeeded(int status) { return status == 200; }
bool timedOut(int status) { return status == 204; }

bool hasMid(const std::vector<ChatMessage>& lines, const std::string& mid) {
  return std::any_of(lines.begin(), lines.end(), [&](const ChatMessage& l) { return l.mid == mid; });
}
}  // namespace

// `expected`: members of a room we take over, who are likely to rejoin. Until they are back (or
// kFailoverSettleMs passes) their lines of the old room are adopted first and new lines held back, so
// the order everyone saw before the failover is kept.
void Room::becomeHost(std::int64_t epoch, std::set<std::string> expected, Millis now) {
  search_ = {};
  rank_ = HostRank{epoch, now, selfId_};
  std::vector<Member> members{Member{selfId_, config_.nick, true}};
  for (const auto& m : members_) {
    if (expected.count(m.id)) members.push_back(Member{m.id, m.nick, false});
  }
  expected_ = std::move(expected);
  if (expected_.empty()) {
    settleUntil_.reset();
  } else {
    settleUntil_ = now + kFailoverSettleMs;
  }
  nextHostProbe_ = now + kHostProbeEveryMs;
  setState(RoomState::Host);
  setMembers(std::move(members));
  for (const auto& say : outbox_) submit(ChatMessage{0, say.mid, selfId_, config_.nick, say.text, now});
  keepOffering();
}

std::map<LinkId, Room::Link>::iterator Room::offeringLink(std::initializer_list<Stage> stages) {
  return std::find_if(links_.begin(), links_.end(), [&](const auto& l) {
    return l.second.offering && std::find(stages.begin(), stages.end(), l.second.stage) != stages.end();
  });
}

bool Room::hasOffering(std::initializer_list<Stage> stages) { return offeringLink(stages) != links_.end(); }

void Room::keepOffering() {
  if (state_ != RoomState::Host) return;
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
    it->second.stage = Stage::AwaitingAnswer;
    signalGet(Purpose::FetchAnswer, id, answerSignalId(config_.room, it->second.offerId), kAnswerWaitMs);
    spareHeldUntil_ = now + kSpareHoldMs;
    return keepOffering();  // the door opens again: the spare is parked (held while the newcomer connects)
  }
  closeLink(id);
  if (timedOut(status)) return keepOffering();  // nobody came: renew, so candidates never go stale
  signalingFailed(status, now, &Room::keepOffering);
}

void Room::onAnswerFetched(LinkId id, int status, std::string_view body, Millis now) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  if (!succeeded(status)) {  // the joiner went away, or the server did
    closeLink(id);
    return keepOffering();
  }
  auto answer = decodeAnswer(body);
  if (!answer.value || answer.value->offer != link.offerId) {
    drop(answer.value ? "answer to another offer" : answer.error);
    closeLink(id);
    return keepOffering();
  }
  link.peerId = answer.value->peer;
  link.earlyHello = answer.value->hello;
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

// A host's look at the room's offer queue. Finding our own offer: park it again and look once more,
// at what queues behind it. Finding another host's: the lower-ranked of the two merges into the other.
void Room::onHostProbeDone(int status, std::string_view body, Millis now) {
  if (state_ != RoomState::Host || !succeeded(status)) return;  // nothing parked, or try next time
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
    // Its park request completes as "taken" too: forget that one and park the same offer again.
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

void Room::onHostMessage(LinkId id, Link& link, const PeerMessage& message, Millis now) {
  // A joiner repeats its hello until answered (kHelloResendMs): copies that crossed our answer are
  // not out of turn (a hello naming another member still is).
  const auto* hello = std::get_if<Hello>(&message);
  if (hello && link.stage != Stage::Connecting && hello->peer == link.peerId) return answerHelloAgain(id, link, *hello);
  switch (link.stage) {
    case Stage::Connecting:
      if (hello) return onHello(id, link, *hello);
      return drop("out of turn: expected hello");
    case Stage::Uploading:
      if (const auto* carry = std::get_if<Carry>(&message)) {
        if (!textProblem(carry->message.text).empty() || !nickProblem(carry->message.nick).empty()) {
          return drop("carried line breaks the text rules");
        }
        return sequence(carry->message);  // an old line: ahead of anything held back
      }
      if (std::holds_alternative<Carried>(message)) return admit(id, link, /*reset=*/true, 0);
      return drop("out of turn: expected carry or carried");
    case Stage::Member:
      if (const auto* say = std::get_if<Say>(&message)) return onSay(link, *say, now);
      if (std::holds_alternative<Bye>(message)) return removeMember(id);
      return drop("out of turn: not a message a guest sends");
    default:
      return drop("out of turn: link not connected");
  }
}

void Room::onHello(LinkId id, Link& link, const Hello& hello) {
  auto sameId = [&](const Member& m) { return m.id == hello.peer; };
  auto sameNickOtherId = [&](const Member& m) { return m.id != hello.peer && sameNick(m.nick, hello.nick); };
  bool known = std::any_of(members_.begin(), members_.end(), sameId);
  std::string refusal;
  if (!nickProblem(hello.nick).empty()) {
    refusal = "nick-invalid";
  } else if (hello.peer == selfId_ || std::any_of(members_.begin(), members_.end(), sameNickOtherId)) {
    refusal = hello.peer == selfId_ ? "id-taken" : "nick-taken";
  } else if (!known && members_.size() >= kMaxRoomMembers) {
    refusal = "room-full";
  }
  if (!refusal.empty()) {
    sendTo(id, Refuse{refusal});
    closeLink(id);
    return keepOffering();
  }
  // The same member coming back on a new link before we noticed its old one die: replace it.
  for (auto it = links_.begin(); it != links_.end();) {
    LinkId other = (it++)->first;
    if (other != id && links_[other].stage == Stage::Member && links_[other].peerId == hello.peer) closeLink(other);
  }
  link.peerId = hello.peer;
  link.nick = hello.nick;
  if (continuesOurHistory(hello)) return admit(id, link, false, hello.lastSeq);
  // The joiner holds lines we lack (it saw more of the old room than we did) or a history that
  // diverged from ours (it comes from another room that merged into ours): adopt its lines first.
  link.stage = Stage::Uploading;
  link.answeredAt = now_;
  sendTo(id, Upload{history_.lastSeq(), history_.lastMid()});
}

// Makes the link's peer a member and hands it the history: all of it with `reset`, else after `after`.
void Room::admit(LinkId id, Link& link, bool reset, std::uint64_t after) {
  link.stage = Stage::Member;
  link.deadline.reset();
  auto members = members_;
  auto known = std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.id == link.peerId; });
  if (known == members.end()) {
    members.push_back(Member{link.peerId, link.nick, false});
  } else {
    known->nick = link.nick;
  }
  expected_.erase(link.peerId);
  setMembers(std::move(members));
  link.answeredAt = now_;
  sendWelcome(id, reset, after);
  broadcast(MemberList{members_}, /*except=*/id);  // the newcomer has the list in its welcome
  if (settleUntil_ && expected_.empty()) endSettling();
  // The newcomer is in: the spare is parked (and the next one prepared) in the next tick, so the welcome
  // and what the page sends on seeing the new member leave before that request (each costs the page's
  // main thread milliseconds).
  spareHeldUntil_ = now_;
}

void Room::sendWelcome(LinkId id, bool reset, std::uint64_t after) {
  sendTo(id, Welcome{members_, rank_, reset});
  for (const auto& line : history_.lines()) {
    if (reset || line.seq > after) sendTo(id, Posted{line});
  }
}

// Whether the joiner's history is a prefix of ours (or empty): then only the lines after it are sent.
bool Room::continuesOurHistory(const Hello& hello) const {
  const ChatMessage* same = history_.find(hello.lastSeq);
  return hello.lastSeq == 0 || (same && same->mid == hello.lastMid);
}

// The joiner repeats its hello until it hears our answer, so a repeat after we answered means our
// answer crossed it or was lost (Chromium has lost a channel's first message: without this, that
// join waited out the connect timeout). Answer again: a joiner that already has the answer drops
// the copy (a second welcome is out of turn, and it holds the lines).
void Room::answerHelloAgain(LinkId id, Link& link, const Hello& hello) {
  if (link.answeredAgain >= kMaxAnswersAgain || now_ - link.answeredAt < kHelloResendMs) return;
  if (link.stage != Stage::Uploading && link.stage != Stage::Member) return;
  ++link.answeredAgain;
  link.answeredAt = now_;
  if (link.stage == Stage::Uploading) return sendTo(id, Upload{history_.lastSeq(), history_.lastMid()});
  bool prefix = continuesOurHistory(hello);
  sendWelcome(id, /*reset=*/!prefix, prefix ? hello.lastSeq : 0);
}

void Room::onSay(Link& link, const Say& say, Millis now) {
  // Token bucket: a guest cannot flood the room.
  link.sayTokens = std::min(kSayBurst, link.sayTokens + static_cast<double>(now - link.sayRefilled) * kSayPerSecond / 1000.0);
  link.sayRefilled = now;
  if (link.sayTokens < 1.0) return drop("over the rate limit");
  link.sayTokens -= 1.0;
  if (auto problem = textProblem(say.text); !problem.empty()) return drop(problem);
  if (say.mid.rfind(link.peerId + "-", 0) != 0) return drop("message id of another member");
  submit(ChatMessage{0, say.mid, link.peerId, link.nick, say.text, now});
}

// A new line for the room: sequenced now, or held while a failover settles. Resends are ignored.
void Room::submit(ChatMessage line) {
  if (history_.contains(line.mid) || hasMid(held_, line.mid)) return;
  if (settleUntil_) return held_.push_back(std::move(line));
  sequence(std::move(line));
}

void Room::sequence(ChatMessage line) {
  if (history_.contains(line.mid)) return;
  line.seq = history_.lastSeq() + 1;
  addToHistory(line);
  broadcast(Posted{line});
}

void Room::endSettling() {
  settleUntil_.reset();
  // Who has not come back by now is gone.
  auto members = members_;
  members.erase(std::remove_if(members.begin(), members.end(), [&](const Member& m) { return expected_.count(m.id); }),
                members.end());
  expected_.clear();
  if (members != members_) {
    setMembers(std::move(members));
    broadcast(MemberList{members_});
  }
  auto held = std::move(held_);
  held_.clear();
  for (auto& line : held) sequence(std::move(line));
}

void Room::removeMember(LinkId id) {
  std::string peer = links_[id].peerId;
  closeLink(id);
  bool stillLinked = std::any_of(links_.begin(), links_.end(), [&](const auto& l) {
    return l.second.stage == Stage::Member && l.second.peerId == peer;
  });
  if (stillLinked) return;  // it came back on another link already
  auto members = members_;
  members.erase(std::remove_if(members.begin(), members.end(), [&](const Member& m) { return m.id == peer; }),
                members.end());
  setMembers(std::move(members));
  broadcast(MemberList{members_});
}

void Room::broadcast(const PeerMessage& message, LinkId except) {
  std::string text = encodeMessage(message);
  for (auto& [id, link] : links_) {
    if (link.stage == Stage::Member && link.open && id != except) {
      link.lastSent = now_;
      emit(effect::Send{id, text});
    }
  }
}

}  // namespace webchat
