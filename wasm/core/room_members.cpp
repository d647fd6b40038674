// A host's guests: admitting them (hello, history sync, welcome), what they send besides entries
// (rename, typing, relay, bye), and their leaving.
#include <algorithm>
#include <utility>

#include "entries.hpp"
#include "room.hpp"
#include "text.hpp"

namespace webchat {

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
      if (const auto* carry = std::get_if<Carry>(&message)) return onCarry(link, *carry);
      if (std::holds_alternative<Carried>(message)) return admit(id, link, /*reset=*/true, 0);
      return drop("out of turn: expected carry or carried");
    case Stage::Member:
      return onMemberMessage(id, link, message, now);
    default:
      return drop("out of turn: link not connected");
  }
}

void Room::onMemberMessage(LinkId id, Link& link, const PeerMessage& message, Millis now) {
  if (const auto* say = std::get_if<Say>(&message)) return onSay(link, *say, now);
  if (const auto* bye = std::get_if<Bye>(&message)) return removeMember(id, bye->back);
  if (std::holds_alternative<Typing>(message)) {
    // Ephemeral: at most one per member per kTypingRelayMs is passed on.
    if (link.lastTyping && now - *link.lastTyping < kTypingRelayMs) return drop("typing too often");
    link.lastTyping = now;
    return onTypingFrom(link.peerId);
  }
  if (const auto* rename = std::get_if<Rename>(&message)) return onRename(id, link, *rename);
  if (const auto* relay = std::get_if<Relay>(&message)) return onRelay(link, *relay, now);
  drop("out of turn: not a message a guest sends");
}

// Why `nick` cannot be member `id`'s nickname ("nick-invalid", "nick-taken"), or "".
std::string Room::nickRefusal(std::string_view nick, const std::string& id) const {
  if (!nickProblem(nick).empty()) return "nick-invalid";
  auto sameNickOtherId = [&](const Member& m) { return m.id != id && sameNick(m.nick, nick); };
  if (std::any_of(members_.begin(), members_.end(), sameNickOtherId)) return "nick-taken";
  return {};
}

void Room::onHello(LinkId id, Link& link, const Hello& hello, std::optional<std::string> checked) {
  bool known = member(hello.peer) != nullptr;
  std::string refusal = hello.peer == selfId_ ? "id-taken" : nickRefusal(hello.nick, hello.peer);
  // Its signature, its key (the first seen for that member id wins) and its fingerprint against the
  // answer's: a man in the middle of the signaling shows here.
  if (auto problem = checked ? *checked : helloProblem(hello, link.remoteFp); !problem.empty()) {
    drop(problem);
    refusal = problem == "key changed" ? "id-taken" : "link-tampered";
  }
  if (refusal.empty() && !known && members_.size() >= kMaxRoomMembers) refusal = "room-full";
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
  link.key = hello.key;
  link.helloFp = hello.fp;
  if (verifying()) keys_.emplace(hello.peer, hello.key);
  if (continuesOurHistory(hello)) return admit(id, link, false, hello.lastSeq);
  // The joiner holds lines we lack (it saw more of the old room than we did) or a history that
  // diverged from ours (it comes from another room that merged into ours): adopt its lines first.
  link.stage = Stage::Uploading;
  link.answeredAt = now_;
  sendTo(id, Upload{history_.lastSeq(), history_.lastChain()});
}

// Makes the link's peer a member and hands it the history: all of it with `reset`, else after `after`.
void Room::admit(LinkId id, Link& link, bool reset, std::uint64_t after) {
  link.stage = Stage::Member;
  link.deadline.reset();
  auto members = members_;
  auto known = std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.id == link.peerId; });
  if (known == members.end()) {
    members.push_back(Member{link.peerId, link.nick, false, link.key});
  } else {
    known->nick = link.nick;
    known->key = link.key;
  }
  expected_.erase(link.peerId);
  returning_.erase(link.peerId);  // back within the window: nobody saw it leave
  setMembers(std::move(members));
  link.answeredAt = now_;
  sendWelcome(id, reset, after);
  broadcast(MemberList{members_}, /*except=*/id);  // the newcomer has the list in its welcome
  if (settleUntil_ && expected_.empty()) endSettling();
  // The newcomer is in: the spare is parked (and the next one prepared) kSpareAfterAdmitMs later, so the
  // welcome and what the page sends on seeing the new member reach it before that work competes with
  // its end of the channel opening (traced: the first line came 5-7 ms later when it began at once).
  spareHeldUntil_ = now_ + kSpareAfterAdmitMs;
}

void Room::sendWelcome(LinkId id, bool reset, std::uint64_t after) {
  sendTo(id, Welcome{members_, rank_, reset, ownHello()});
  for (const auto& entry : history_.entries()) {
    if (reset || entry.seq > after) sendTo(id, Posted{entry});
  }
}

// Whether the joiner's history is a prefix of ours (or empty): then only the entries after it are
// sent. The chain of its newest entry stands for all of them, so a difference anywhere shows.
bool Room::continuesOurHistory(const Hello& hello) const {
  const Entry* same = history_.find(hello.lastSeq);
  return hello.lastSeq == 0 || (same && same->chain == hello.lastChain);
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
  if (link.stage == Stage::Uploading) return sendTo(id, Upload{history_.lastSeq(), history_.lastChain()});
  bool prefix = continuesOurHistory(hello);
  sendWelcome(id, /*reset=*/!prefix, prefix ? hello.lastSeq : 0);
}

// `back`: it said it reloads; it stays listed for kGuestSilenceMs, so a return within that window
// shows nobody a "left" and a "joined".
void Room::removeMember(LinkId id, bool back) {
  std::string peer = links_[id].peerId;
  closeLink(id);
  if (memberLink(peer)) return;  // it came back on another link already
  if (back) {
    returning_[peer] = now_ + kGuestSilenceMs;
    return;
  }
  forgetMember(peer);
}

void Room::forgetMember(const std::string& id) {
  returning_.erase(id);
  auto members = members_;
  members.erase(std::remove_if(members.begin(), members.end(), [&](const Member& m) { return m.id == id; }),
                members.end());
  if (members == members_) return;
  setMembers(std::move(members));
  broadcast(MemberList{members_});
}

void Room::expireReturning(Millis now) {
  std::vector<std::string> gone;
  for (const auto& [id, until] : returning_) {
    if (now >= until) gone.push_back(id);
  }
  for (const auto& id : gone) forgetMember(id);
}

LinkId Room::memberLink(const std::string& id) const {
  for (const auto& [linkId, link] : links_) {
    if (link.stage == Stage::Member && link.peerId == id) return linkId;
  }
  return 0;
}

void Room::onRename(LinkId id, Link& link, const Rename& rename) {
  if (rename.nick == link.nick) return;
  // The member's hello with the new nickname, as it signed it: its own id, key and fingerprint.
  Hello hello{link.peerId, rename.nick, 0, {}, link.key, link.helloFp, rename.sig};
  bool same = rename.peer == link.peerId && rename.key == link.key && rename.fp == link.helloFp;
  if (verifying() && (!same || !verify(hello.key, helloBytes(config_.room, hello), hello.sig))) {
    drop("rename signature fails");
    return sendTo(id, Denied{"rename", "bad-signature", {}});
  }
  if (auto refusal = nickRefusal(rename.nick, link.peerId); !refusal.empty()) {
    return sendTo(id, Denied{"rename", refusal, {}});
  }
  link.previousNick = std::exchange(link.nick, rename.nick);
  auto members = members_;
  for (auto& m : members) {
    if (m.id == link.peerId) m.nick = rename.nick;
  }
  setMembers(std::move(members));
  broadcast(MemberList{members_});
}

void Room::onTypingFrom(const std::string& from) {
  if (const Member* who = member(from); who && from != selfId_) emit(effect::Typing{who->id, who->nick});
  broadcast(Typing{from}, memberLink(from));
}

void Room::onRelay(Link& link, const Relay& relay, Millis now) {
  link.relayTokens = std::min(kRelayBurst, link.relayTokens + static_cast<double>(now - link.relayRefilled) * kRelayPerSecond / 1000.0);
  link.relayRefilled = now;
  if (link.relayTokens < 1.0) return drop("relay over the rate limit");
  link.relayTokens -= 1.0;
  if (relay.to.empty()) return drop("relay without a recipient");
  if (relay.to == selfId_) return emit(effect::Relayed{link.peerId, relay.data});
  LinkId to = memberLink(relay.to);
  if (!to) return drop("relay to an unknown member");
  sendTo(to, Relay{{}, link.peerId, relay.data});
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
