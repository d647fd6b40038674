// Entries of the history: a host sequencing what its guests say and upload, and every member
// accepting what its host posts, each checking the same rules (entries.hpp): a member never trusts
// its host.
#include <algorithm>
#include <cstdlib>

#include "entries.hpp"
#include "room.hpp"

namespace webchat {

namespace {
bool hasMid(const std::vector<Entry>& entries, const std::string& mid) {
  return std::any_of(entries.begin(), entries.end(), [&](const Entry& e) { return e.mid == mid; });
}

// The counter of a mid ("<author>-<counter>", counting up from 1 per author), or 0 if it has none.
std::uint64_t counterOf(const std::string& mid) {
  auto dash = mid.rfind('-');
  return dash == std::string::npos ? 0 : std::strtoull(mid.c_str() + dash + 1, nullptr, 10);
}

// The stable reason a host gives an author for refusing its entry.
std::string refusalCode(const std::string& problem) { return isForgery(problem) ? "not-author" : "entry-invalid"; }
}  // namespace

void Room::onSay(Link& link, const Say& say, Millis now) {
  // Token bucket: a guest cannot flood the room.
  link.sayTokens = std::min(kSayBurst, link.sayTokens + static_cast<double>(now - link.sayRefilled) * kSayPerSecond / 1000.0);
  link.sayRefilled = now;
  // An entry written after one dropped for the rate waits for it (kKeepOrderMs): a burst past the limit
  // arrives in the order written, not with its later lines slipping in as tokens come back.
  std::uint64_t counter = counterOf(say.entry.mid);
  if (link.heldBack && now - link.heldBackAt >= kKeepOrderMs) link.heldBack = 0;
  bool behind = link.heldBack && counter > link.heldBack;
  if (behind || link.sayTokens < 1.0) {
    if (!link.heldBack || counter <= link.heldBack) {
      link.heldBack = counter;
      link.heldBackAt = now;
    }
    // Dropped, and the author told so: it keeps the entry and resends it (kResendMs); its page says
    // why the line waits. One small answer per say, so a flood costs the host no more than it did.
    drop("over the rate limit");
    return sendTo(memberLink(link.peerId), Throttled{say.entry.mid});
  }
  if (counter == link.heldBack) link.heldBack = 0;  // the first one held back is in: the rest follow
  link.sayTokens -= 1.0;
  Entry entry = say.entry;
  if (history_.contains(entry.mid) || hasMid(held_, entry.mid)) return;  // a resend
  std::string problem = entryFieldsProblem(entry, config_.maxFileBytes);
  // Written in the name of the member on this link, under its key, and signed so.
  if (problem.empty() && (entry.from != link.peerId || entry.mid.rfind(entry.from + "-", 0) != 0)) {
    problem = "message id of another member";
  }
  if (problem.empty() && verifying() && entry.key != link.key) problem = "message id of another member";
  if (problem.empty() && !entrySignatureProblem(entry).empty()) {
    drop("say: signature fails");
    return sendTo(memberLink(link.peerId), Denied{"say", "bad-signature", entry.mid});
  }
  if (problem.empty()) trust(entry);  // it may be sequenced later, after a failover settles
  // A line signed just before a rename carries the nickname before it.
  if (problem.empty() && entry.nick != link.nick && entry.nick != link.previousNick) problem = "nickname not the member's";
  if (!problem.empty()) {
    drop(problem);
    return sendTo(memberLink(link.peerId), Denied{"say", refusalCode(problem), entry.mid});
  }
  if (std::llabs(entry.time - now) > kMaxClockSkewMs) {
    drop("entry time too far from the host's clock");
    return sendTo(memberLink(link.peerId), Denied{"say", "clock-skew", entry.mid});
  }
  submit(std::move(entry));
}

// One entry of a joiner's upload: from its history, so already sequenced once (by an earlier host).
// It is sequenced again at our end, with its author's fields as they were.
void Room::onCarry(Link& link, const Carry& carry) {
  Entry entry = carry.entry;
  if (auto problem = entryFieldsProblem(entry, config_.maxFileBytes); !problem.empty()) return drop("carried entry: " + problem);
  if (auto problem = entrySignatureProblem(entry); !problem.empty()) return drop("carried entry: " + problem);
  // A connected member uploads its own entries: another's, uploaded in its name, is refused.
  if (entry.from != link.peerId && memberLink(entry.from) != 0) return drop("carried entry of another connected member");
  entry.seq = 0;
  entry.chain.clear();
  entry.refused = false;
  sequence(std::move(entry));  // an old entry: ahead of anything held back
}

// A new entry for the room: sequenced now, or held while a failover settles. Resends are ignored.
void Room::submit(Entry entry) {
  if (history_.contains(entry.mid) || hasMid(held_, entry.mid)) return;
  if (settleUntil_) return held_.push_back(std::move(entry));
  sequence(std::move(entry));
}

void Room::sequence(Entry entry) {
  if (history_.contains(entry.mid)) return;
  if (auto problem = entryRulesProblem(entry, history_); !problem.empty()) {
    drop(problem);
    return deny(entry.from, refusalCode(problem), entry.mid);
  }
  entry.seq = history_.lastSeq() + 1;
  entry.chain = history_.nextChain(entry.mid);
  addToHistory(entry);
  broadcast(Posted{entry});
}

// Tells an author (a guest, or ourselves) that its entry will never be sequenced.
void Room::deny(const std::string& author, const std::string& reason, const std::string& mid) {
  if (author != selfId_) {
    if (LinkId link = memberLink(author)) sendTo(link, Denied{"say", reason, mid});
    return;
  }
  onDenied(Denied{"say", reason, mid});
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
  for (auto& entry : held) sequence(std::move(entry));
}

// An entry sequenced by our host (or by us, hosting). Its place in the order is kept even when its
// content breaks the rules (a host relaying a forgery), so the chain goes on; such an entry is never
// shown, and one claiming another author is reported.
void Room::addToHistory(Entry entry) {
  std::string problem = entryFieldsProblem(entry, config_.maxFileBytes);
  bool forged = false;
  if (problem.empty()) {
    problem = entrySignatureProblem(entry);
    forged = !problem.empty();
  }
  if (problem.empty()) problem = entryRulesProblem(entry, history_);
  entry.refused = !problem.empty();
  if (auto why = history_.accept(entry); !why.empty()) return drop(why);
  dispatched_.erase(entry.mid);
  if (entry.refused) {
    drop(problem);
    if (forged || isForgery(problem)) emit(effect::Warning{"forged", entry.from, entry.nick});
    return;
  }
  if (verifying()) keys_.emplace(entry.from, entry.key);
  trust(entry);
  auto mine = std::find_if(outbox_.begin(), outbox_.end(), [&](const Entry& e) { return e.mid == entry.mid; });
  if (mine != outbox_.end()) outbox_.erase(mine);
  emit(effect::MessageAdded{std::move(entry)});
}

// Config::history, as a reload kept it: shown at once, and merged with the room's when we join.
void Room::restoreHistory() {
  auto stored = std::move(config_.history);
  config_.history.clear();
  for (auto& entry : stored) {
    trust(entry);  // this browser checked it when it arrived, and kept it itself
    addToHistory(std::move(entry));
  }
}

}  // namespace webchat
