// Looking for a host and being a guest: probing for offers, answering one, the welcome, and
// what a guest does when its host goes away (failover) or merges into another (moved).
#include <algorithm>
#include <limits>
#include <utility>

#include "entries.hpp"
#include "room.hpp"

namespace webchat {

namespace {
bool succeeded(int status) { return status == 200; }
bool timedOut(int status) { return status == 204; }
// The latest a member looking for its room's host as a returning member hosts itself: after every
// successor's turn and one connect timeout (an old host there but out of reach must not keep it looking).
Millis afterEveryTurn(std::size_t successors, Millis now) {
  return now + static_cast<Millis>(successors) * kSuccessorStepMs + kConnectTimeoutMs;
}
}  // namespace

void Room::search(Search search, Millis) {
  search_ = std::move(search);
  probe();
}

void Room::probe() {
  if (state_ != RoomState::Joining && state_ != RoomState::Reconnecting) return;
  refreshStage();
  bool busy = std::any_of(requests_.begin(), requests_.end(),
                          [](const auto& r) { return r.second.purpose == Purpose::Probe; }) ||
              std::any_of(links_.begin(), links_.end(), [](const auto& l) { return !l.second.offering; });
  if (busy) return;  // one probe or one answer at a time
  // A member waiting for a successor polls briefly, so that it can take over on time.
  Millis timeout = search_.takeOverAt && !search_.hostWhenEmpty ? kRejoinProbeMs : kProbeTimeoutMs;
  if (search_.quickLooks > 0) timeout = 0;
  signalGet(Purpose::Probe, 0, offerSignalId(config_.room), timeout);
}

void Room::onProbeDone(int status, std::string_view body, Millis now) {
  if (state_ != RoomState::Joining && state_ != RoomState::Reconnecting) return;
  if (timedOut(status)) {
    signalingRecovered();
    if (!search_.takeOverAt || search_.hostWhenEmpty) return becomeHost(search_.epochIfHosting, search_.expected, now);
    return probe();  // keep waiting for the expected host until tick() sees takeOverAt pass
  }
  if (!succeeded(status)) return signalingFailed(status, now, &Room::probe);
  signalingRecovered();
  auto offer = decodeOffer(body);
  // Whatever we took is consumed; a host whose offer we skip parks a new one.
  if (!offer.value) {
    drop(offer.error);
  } else if (offer.value->room != config_.room) {
    drop("offer for another room");
  } else if (offer.value->rank.host == selfId_) {
    drop("our own offer from when we hosted");
  } else if (!acceptable(*offer.value)) {
    drop("offer from a host we do not follow");
  } else {
    return answerOffer(*offer.value, now);
  }
  // A first successor's looks: a host we do not follow that parks again at once (a lost host that
  // lives on out of our reach) must not keep it from hosting.
  if (search_.quickLooks > 0 && --search_.quickLooks == 0) return becomeHost(search_.epochIfHosting, search_.expected, now);
  probe();
}

bool Room::acceptable(const OfferText& offer) const {
  if (!search_.floor) return true;
  if (offer.rank.host == search_.floor->host || outranks(offer.rank, *search_.floor)) return true;
  // The host we lost, at the same rank, that has moved since we knew it: alive, on a new network.
  const auto& lost = search_.lost;
  return lost && offer.rank.host == lost->host && offer.rank.epoch == lost->epoch && offer.rank.since == lost->since &&
         offer.rank.moves > lost->moves;
}

void Room::answerOffer(const OfferText& offer, Millis now) {
  LinkId id = openLink(/*offering=*/false, offer.sdp);
  Link& link = links_[id];
  link.offerId = offer.offer;
  link.peerId = offer.rank.host;
  link.started = now;
  link.remoteFp = fingerprintOf(offer.sdp);
  if (offer.host && offer.host->peer == offer.rank.host) verifyAhead(id, *offer.host);
  refreshStage();
}

Hello Room::ownHello() const {
  auto sig = helloSigs_.find(config_.nick);
  return Hello{selfId_, config_.nick, history_.lastSeq(), history_.lastChain(), config_.key, config_.fingerprint,
               sig == helloSigs_.end() ? std::string() : sig->second};
}

void Room::parkAnswer(LinkId id, std::string sdp) {
  Link& link = links_[id];
  link.stage = Stage::AnswerParked;
  AnswerText answer{link.offerId, selfId_, std::move(sdp), ownHello(), link.candidatesFollow};
  signalSet(Purpose::ParkAnswer, id, answerSignalId(config_.room, link.offerId), encodeAnswer(answer), kAnswerParkMs);
}

void Room::parkSignedAnswers() {
  if (!helloSigned()) return;
  for (auto& [id, link] : links_) {
    if (link.describedSdp) parkAnswer(id, *std::exchange(link.describedSdp, std::nullopt));
  }
}

void Room::connecting(Link& link, Millis now) {
  link.stage = Stage::Connecting;
  link.deadline = now + kConnectTimeoutMs;
  if (!link.open) link.retryListenAt = now + kRetryListenAfterMs;  // a host that moved may say why (room_retry.cpp)
  // After an attempt found no path, the join ends within kNoRouteMs of its start (tick).
  if (state_ == RoomState::Joining && noPathSince_) link.deadline = std::min(*link.deadline, joinStarted_ + kNoRouteMs);
}

// IceFailed (reported by the browser, or the connect deadline passing before the channel opened): no
// path to that host. One more attempt (the host may have been busy, its offer stale), the join ending
// within kNoRouteMs of its start whatever that attempt is doing then (tick: probing, its answer waiting
// for the host, connecting); a second such failure ends it sooner. No retrying for ever. DtlsFailed:
// the handshake met another fingerprint than the description promised: someone sits in the middle.
bool Room::attemptFailed(const Link& link, LinkEnd why) {
  if (link.stage != Stage::AnswerParked && link.stage != Stage::Connecting) return false;
  if (why == LinkEnd::DtlsFailed) {
    shutDown("link-tampered");
    return true;
  }
  if (state_ != RoomState::Joining || why != LinkEnd::IceFailed) return false;
  if (!noPathSince_ && link.started < joinStarted_ + kNoRouteMs) {
    noPathSince_ = link.started;
    return false;
  }
  shutDown("no-route");
  return true;
}

void Room::sayHello(LinkId id) { sendTo(id, ownHello()); }

void Room::onAnswerParked(LinkId id, int status, Millis now) {
  auto it = links_.find(id);
  if (it == links_.end() || it->second.stage != Stage::AnswerParked) return;  // the host answered first
  if (succeeded(status)) {
    // The host can take the answer and open the channel before the mailbox's reply reaches us (a
    // Firefox guest of a Chromium host did in 2 joins of 10): the hello repeats count from the opening.
    return connecting(it->second, now);
  }
  closeLink(id);
  if (timedOut(status)) return probe();  // nobody took our answer: that host is gone, look again
  signalingFailed(status, now, &Room::probe);
}

void Room::onGuestMessage(LinkId id, Link& link, const PeerMessage& message, Millis now) {
  // The host answers the moment its channel opens (our hello came with our answer), which can be
  // before the mailbox tells us it took the answer.
  if (link.stage == Stage::AnswerParked) connecting(link, now);
  if (link.stage == Stage::Connecting) {
    if (const auto* upload = std::get_if<Upload>(&message)) return onUploadRequest(id, *upload);
    if (const auto* welcome = std::get_if<Welcome>(&message)) return onWelcome(id, link, *welcome, now);
    if (const auto* refuse = std::get_if<Refuse>(&message)) return shutDown(refuse->reason);
    return drop("out of turn: expected upload, welcome or refuse");
  }
  if (link.stage != Stage::Joined) return drop("out of turn: link not joined");
  if (const auto* posted = std::get_if<Posted>(&message)) return addToHistory(posted->entry);
  if (const auto* list = std::get_if<MemberList>(&message)) {
    if (!learnKeys(list->members)) return drop("member list with a changed key");
    return setMembers(list->members);
  }
  if (const auto* typing = std::get_if<Typing>(&message)) {
    const Member* who = member(typing->from);
    if (who && typing->from != selfId_) emit(effect::Typing{who->id, who->nick});
    return;
  }
  if (const auto* relay = std::get_if<Relay>(&message)) {
    if (relay->from.empty()) return drop("out of turn: a relay without its sender");
    return emit(effect::Relayed{relay->from, relay->data});
  }
  if (const auto* denied = std::get_if<Denied>(&message)) return onDenied(*denied);
  if (const auto* throttled = std::get_if<Throttled>(&message)) {
    bool mine = std::any_of(outbox_.begin(), outbox_.end(), [&](const Entry& e) { return e.mid == throttled->mid; });
    return mine ? emit(effect::Throttled{throttled->mid}) : drop("throttled an entry we are not sending");
  }
  if (const auto* moved = std::get_if<Moved>(&message)) return follow(moved->rank, now);
  if (std::holds_alternative<Close>(message)) return shutDown("room-closed");
  if (const auto* bye = std::get_if<Bye>(&message)) return startFailover(now, bye->back ? HostLost::LeftBack : HostLost::Left);
  drop("out of turn: not a message a host sends");
}

// The host may lack entries we hold: send those after its newest, or all if our histories differ
// anywhere up to it (the chains tell).
void Room::onUploadRequest(LinkId id, const Upload& upload) {
  const Entry* common = history_.find(upload.after);
  bool prefix = upload.after == 0 || (common && common->chain == upload.afterChain);
  for (const auto& entry : history_.entries()) {
    if (!prefix || entry.seq > upload.after) sendTo(id, Carry{entry});
  }
  sendTo(id, Carried{});
}

void Room::onDenied(const Denied& denied) {
  if (denied.what == "say") {
    auto mine = std::find_if(outbox_.begin(), outbox_.end(), [&](const Entry& e) { return e.mid == denied.mid; });
    if (mine == outbox_.end()) return drop("denied an entry we did not send");
    outbox_.erase(mine);
  }
  emit(effect::Denied{denied.what, denied.reason, denied.mid});
}

void Room::onWelcome(LinkId id, Link& link, const Welcome& welcome, Millis) {
  // The host's hello binds its key to the fingerprint of the offer we answered: else someone sits in
  // the middle of this link (or the host lies about who it is).
  std::string problem = welcome.host.peer == link.peerId ? helloProblem(welcome.host, link.remoteFp) : "welcome from another host";
  if (problem.empty() && verifying()) keys_.emplace(welcome.host.peer, welcome.host.key);
  if (problem.empty() && !learnKeys(welcome.members)) problem = "member list with a changed key";
  if (!problem.empty()) {
    drop(problem);
    return shutDown("link-tampered");
  }
  link.stage = Stage::Joined;
  link.deadline.reset();
  hostLink_ = id;
  // A rejoin begun on a closed channel alone, not reported as a move, that ends under another host:
  // the old one was gone, the close no move of ours (review finding: a move reported within 10 s of it
  // was taken as that one, and ignored).
  if (ownMoveAt_ && !ownMoveReported_ && welcome.rank.host != rank_.host) ownMoveAt_.reset();
  rank_ = welcome.rank;
  search_ = {};
  historyEnd_ = welcome.host.lastSeq;
  if (welcome.reset && !history_.entries().empty()) {
    history_.clear();
    emit(effect::HistoryCleared{});
  }
  setState(RoomState::Guest);
  setMembers(welcome.members);
  // Lines typed while we had no host, or that the old host never sequenced: the mids make it safe.
  // The rest follow in later resends, so a long outbox does not run into the host's rate limit.
  dispatched_.clear();
  resendOutbox(kResendBatch * 2);
}

// Our host went away. The earliest-joined remaining member takes over at once; the others look for
// its offer, and each later one takes over in turn if nobody earlier shows up in time. A host that
// said it reloads (`LeftBack`) is expected back like the others, as a guest: it stays listed while the
// room settles, so its return shows nobody a "left" and a "joined" (only the host change).
void Room::startFailover(Millis now, HostLost how) {
  const std::string lostHost = rank_.host;
  // A link that still works (a report of a change that did not happen) tells the host we are coming
  // back, so it keeps us listed meanwhile: nobody sees us leave and join.
  if (hostLink_ && how == HostLost::OwnMove) sendTo(*hostLink_, Bye{true});
  if (hostLink_) closeLink(*hostLink_);
  std::vector<std::string> successors;
  for (const auto& m : members_) {
    if (m.id != lostHost) successors.push_back(m.id);
  }
  auto self = std::find(successors.begin(), successors.end(), selfId_);
  if (self == successors.end()) self = successors.insert(successors.end(), selfId_);
  auto position = static_cast<Millis>(self - successors.begin());

  Search next;
  next.epochIfHosting = rank_.epoch + 1;
  // Any host of a later epoch is the room re-formed; the lost host's own epoch is not, unless its offer
  // shows a move of its network since we last heard of it (acceptable()).
  next.floor = HostRank{rank_.epoch + 1, std::numeric_limits<Millis>::max(), {}};
  next.lost = rank_;
  // The first successor may spend up to kNetworkCheckMs checking its own network first (hostFellSilent):
  // the later ones' turns leave it that time.
  next.takeOverAt = now + position * kSuccessorStepMs + (position > 0 ? kNetworkCheckMs : 0);
  next.successors = successors.size();
  next.firstInLine = position == 0;
  // Back from a pause (issue #17: a guest frozen 20 s took over a healthy room on resuming): the
  // silence was ours, and the host most likely dropped us meanwhile. Look for it, or for whoever
  // took over, as a returning member; host only after every other successor had its turn.
  // The same when this browser's own network changed (issue #17: a renumbered first successor took
  // over a healthy room): its links died because it moved, not because the host did.
  const bool woke = waking(now) || moved(now) || how == HostLost::OwnMove;
  next.failover = true;
  if (woke) lookAsReturning(next, successors.size(), now);
  for (const auto& id : successors) {
    if (id != selfId_) next.expected.insert(id);
  }
  if (how == HostLost::LeftBack && !lostHost.empty() && member(lostHost)) next.expected.insert(lostHost);
  setState(RoomState::Reconnecting);
  if (how == HostLost::Closed && !woke) {
    // The link closed under us, with no silence before it and no bye: a host that leaves says bye
    // first, and one that dies or moves falls silent. A browser does close the links bound to an address of its own
    // that went away, before any look at its addresses can tell (issue #17: a guest whose address was
    // replaced took the room over for a moment). So the host may well be there: accept its offers
    // again, and the first successor hosts once a probe finds nobody parked, or at the latest when a
    // returning member would (that host's offer there but never connecting: alive, out of our reach).
    ownMoveAt_ = now;
    ownMoveReported_ = false;
    next.floor = rank_;
    if (position == 0) {
      next.hostWhenEmpty = true;
      next.takeOverAt = afterEveryTurn(next.successors, now);
    }
    return search(std::move(next), now);
  }
  if (position == 0 && !woke && how != HostLost::Silent) {
    search_ = std::move(next);
    return becomeHost(search_.epochIfHosting, search_.expected, now);  // the host said it goes
  }
  if (position == 0 && !woke) {
    // Silence: the host is gone, or moved (its guests cannot tell; it can, and parks fresh offers
    // showing it). Looks that do not wait first: nobody parked, or only what a lost host left behind,
    // and this member hosts at once (a round trip or a few later than it used to); a moved host's
    // offer, and it rejoins it, the room never changing hands. Bounded like a returning member's wait.
    next.quickLooks = kFirstSuccessorLooks;
    next.hostWhenEmpty = true;
    next.takeOverAt = afterEveryTurn(next.successors, now);
  }
  search(std::move(next), now);
}

void Room::lookAsReturning(Search& next, std::size_t successors, Millis now) const {
  next.floor = rank_;
  next.firstInLine = false;  // hosting after every successor's turn is not a takeover to undo
  next.hostWhenEmpty = false;
  next.quickLooks = 0;  // a returning member long-polls (review finding: left over, every 204 probed again at once)
  next.takeOverAt = afterEveryTurn(successors, now);
}

// Our host merged into a better-ranked host: rejoin there (or one that outranks it).
void Room::follow(const HostRank& rank, Millis now) {
  if (hostLink_) closeLink(*hostLink_);
  Search next;
  next.floor = rank;
  next.epochIfHosting = rank.epoch + 1;
  next.takeOverAt = now + 2 * kConnectTimeoutMs;  // that host vanished too: re-found the room
  setState(RoomState::Reconnecting);
  search(std::move(next), now);
}

}  // namespace webchat
