// The user's chat inputs: entries it authors (lines, edits, deletes, reactions), typing, renaming and
// relaying, and the outbox that holds its entries until the host has sequenced them.
#include <algorithm>

#include "entries.hpp"
#include "room.hpp"
#include "text.hpp"

namespace webchat {

namespace {
constexpr const char* kNotInRoom = "not in a room";
constexpr const char* kNotOwnLine = "not a line of yours";
constexpr const char* kNoSuchEntry = "no such line";
}  // namespace

std::string Room::send(std::string_view text, Millis now, std::string_view reply) {
  advance(now);
  Entry entry;
  entry.text = std::string(text);
  entry.reply = std::string(reply);
  if (!reply.empty() && !anyEntry(reply)) return kNoSuchEntry;
  return author(std::move(entry), now);
}

std::string Room::edit(std::string_view target, std::string_view text, Millis now) {
  advance(now);
  if (!ownLine(target)) return kNotOwnLine;
  Entry entry;
  entry.kind = EntryKind::Edit;
  entry.target = std::string(target);
  entry.text = std::string(text);
  return author(std::move(entry), now);
}

std::string Room::remove(std::string_view target, Millis now) {
  advance(now);
  if (!ownLine(target)) return kNotOwnLine;
  Entry entry;
  entry.kind = EntryKind::Delete;
  entry.target = std::string(target);
  return author(std::move(entry), now);
}

std::string Room::react(std::string_view target, std::string_view emoji, bool on, Millis now) {
  advance(now);
  const Entry* to = anyEntry(target);
  if (!to) return kNoSuchEntry;
  if (to->kind != EntryKind::Text && to->kind != EntryKind::File) return "only a line or file takes reactions";
  Entry entry;
  entry.kind = on ? EntryKind::React : EntryKind::Unreact;
  entry.target = std::string(target);
  entry.text = std::string(emoji);
  return author(std::move(entry), now);
}

std::string Room::shareFile(FileInfo file, std::string_view caption, Millis now) {
  advance(now);
  Entry entry;
  entry.kind = EntryKind::File;
  entry.file = std::move(file);
  entry.text = std::string(caption);
  return author(std::move(entry), now);
}

// Fills in what the author writes, queues the entry in the outbox and hands it to the host (or
// sequences it, hosting). Refused here what the host would refuse.
std::string Room::author(Entry entry, Millis now) {
  if (auto problem = entryFieldsProblem(entry, config_.maxFileBytes); !problem.empty()) return problem;
  if (state_ == RoomState::Idle || state_ == RoomState::Closed) return kNotInRoom;
  if (outbox_.size() >= kMaxOutbox) return "too many entries waiting to be delivered";
  entry.mid = selfId_ + "-" + std::to_string(++midCounter_);
  entry.from = selfId_;
  entry.nick = config_.nick;
  entry.key = config_.key;
  entry.time = now;
  // Signed by the driver, it waits in the outbox; it leaves once signed, after those before it.
  if (signing()) requestSignature(entryBytes(config_.room, entry), Signing{{}, entry.mid});
  outbox_.push_back(std::move(entry));
  flushOutbox();
  return {};
}

const Entry* Room::anyEntry(std::string_view mid) const {
  const std::string key(mid);
  if (const Entry* entry = history_.findMid(key); entry && !entry->refused) return entry;
  auto queued = std::find_if(outbox_.begin(), outbox_.end(), [&](const Entry& e) { return e.mid == key; });
  return queued == outbox_.end() ? nullptr : &*queued;
}

const Entry* Room::ownLine(std::string_view mid) const {
  const Entry* entry = anyEntry(mid);
  return entry && entry->from == selfId_ && entry->kind == EntryKind::Text ? entry : nullptr;
}

void Room::resendOutbox(std::size_t upTo) {
  if (!hostLink_) return;
  lastResend_ = now_;
  for (std::size_t i = 0; i < outbox_.size() && i < upTo; ++i) {
    if (signing() && outbox_[i].sig.empty()) return;  // not signed yet: it and those after it wait
    dispatched_.insert(outbox_[i].mid);
    sendTo(*hostLink_, Say{outbox_[i]});
  }
}

std::string Room::typing(Millis now) {
  advance(now);
  if (state_ == RoomState::Idle || state_ == RoomState::Closed) return kNotInRoom;
  if (!inRoom()) return {};  // joining or reconnecting: a notice is ephemeral, none is owed later
  if (lastTyping_ && now - *lastTyping_ < kTypingEveryMs) return {};  // said recently enough
  lastTyping_ = now;
  if (state_ == RoomState::Host) {
    broadcast(Typing{selfId_});
  } else if (hostLink_) {
    sendTo(*hostLink_, Typing{});
  }
  return {};
}

std::string Room::rename(std::string_view nick, Millis now) {
  advance(now);
  if (auto problem = nickProblem(nick); !problem.empty()) return problem;
  if (!inRoom()) return kNotInRoom;
  if (state_ == RoomState::Guest) {
    // The host checks the hello with the new nickname: it leaves once signed.
    renaming_ = std::string(nick);
    auto signed_ = helloSigs_.find(renaming_);
    if (signing() && signed_ == helloSigs_.end()) {
      signHello(renaming_);
    } else if (hostLink_) {
      sendTo(*hostLink_, Rename{renaming_, selfId_, config_.key, config_.fingerprint,
                                signed_ == helloSigs_.end() ? std::string() : signed_->second});
      renaming_.clear();
    }
    return {};
  }
  if (auto refusal = nickRefusal(nick, selfId_); !refusal.empty()) return refusal;
  signHello(std::string(nick));  // for the welcomes we send from now on
  auto members = members_;
  for (auto& m : members) {
    if (m.id == selfId_) m.nick = std::string(nick);
  }
  setMembers(std::move(members));
  broadcast(MemberList{members_});
  return {};
}

std::string Room::relay(std::string_view to, std::string_view data, Millis now) {
  advance(now);
  if (data.size() > kMaxRelayBytes) return "relayed data is larger than 60000 bytes";
  if (!inRoom()) return kNotInRoom;
  if (to == selfId_ || !member(std::string(to))) return "no such member";
  if (state_ == RoomState::Guest) {
    if (hostLink_) sendTo(*hostLink_, Relay{std::string(to), {}, std::string(data)});
    return {};
  }
  LinkId link = memberLink(std::string(to));
  if (!link) return "no such member";
  sendTo(link, Relay{{}, selfId_, std::string(data)});
  return {};
}

}  // namespace webchat
