// Keys and signatures: signing what this member writes (its hello, its entries) through the driver
// (effect::Sign), checking what others send through Config::verifier, keys pinned per member id (the
// first seen wins), and the DTLS fingerprint each hello binds to its link.
#include <algorithm>

#include "entries.hpp"
#include "room.hpp"

namespace webchat {

bool Room::verify(const std::string& key, const std::string& bytes, const std::string& sig) const {
  return !key.empty() && !sig.empty() && config_.verifier->verify(key, bytes, sig);
}

// Why a hello cannot be trusted, or "": its signature, the key pinned for its member, and its
// fingerprint against the one of the description its link was made from (`linkFp`): a man in the
// middle must replace the fingerprint, and then the hello's signature, and so the key, too.
std::string Room::helloProblem(const Hello& hello, const std::string& linkFp) const {
  if (!verifying()) return {};
  if (!verify(hello.key, helloBytes(config_.room, hello), hello.sig)) return "hello signature fails";
  if (auto pinned = keys_.find(hello.peer); pinned != keys_.end() && pinned->second != hello.key) return "key changed";
  if (hello.fp.empty() || !sameFingerprint(hello.fp, linkFp)) return "fingerprint does not match the link's";
  return {};
}

std::string Room::trustKey(const Entry& entry) const {
  return entry.sig + '\n' + entryBytes(config_.room, entry);
}

std::string Room::entrySignatureProblem(const Entry& entry) const {
  if (!verifying()) return {};
  const bool known = !entry.sig.empty() && trusted_.count(trustKey(entry)) != 0;
  if (!known && !verify(entry.key, entryBytes(config_.room, entry), entry.sig)) return "signature fails";
  if (auto pinned = keys_.find(entry.from); pinned != keys_.end() && pinned->second != entry.key) {
    return "key of another member";
  }
  return {};
}

// Pins the keys a member list names; a list naming a known member with another key is not taken.
bool Room::learnKeys(const std::vector<Member>& members) {
  if (!verifying()) return true;
  for (const auto& m : members) {
    auto pinned = keys_.find(m.id);
    if (m.key.empty() || (pinned != keys_.end() && pinned->second != m.key)) {
      emit(effect::Warning{"key-changed", m.id, m.nick});
      return false;
    }
  }
  for (const auto& m : members) keys_.emplace(m.id, m.key);
  return true;
}

void Room::requestSignature(std::string bytes, Signing purpose) {
  std::uint32_t ticket = nextTicket_++;
  signings_[ticket] = std::move(purpose);
  emit(effect::Sign{ticket, std::move(bytes)});
}

// Our hello with nickname `nick`, signed ahead: at join (so an answer never waits for it) and on a
// rename.
void Room::signHello(const std::string& nick) {
  if (!signing() || helloSigs_.count(nick)) return;
  for (const auto& [ticket, purpose] : signings_) {
    if (purpose.mid.empty() && purpose.nick == nick) return;  // asked already
  }
  Hello hello = ownHello();
  hello.nick = nick;
  requestSignature(helloBytes(config_.room, hello), Signing{nick, {}});
}

void Room::onSigned(std::uint32_t ticket, std::string_view sig, Millis now) {
  advance(now);
  auto it = signings_.find(ticket);
  if (it == signings_.end()) return;
  Signing purpose = std::move(it->second);
  signings_.erase(it);
  if (purpose.mid.empty()) {
    helloSigs_[purpose.nick] = std::string(sig);
    if (purpose.nick == renaming_ && state_ == RoomState::Guest && hostLink_) {
      sendTo(*hostLink_, Rename{renaming_, selfId_, config_.key, config_.fingerprint, std::string(sig)});
      renaming_.clear();
    }
    return parkSignedAnswers();
  }
  auto entry = std::find_if(outbox_.begin(), outbox_.end(), [&](const Entry& e) { return e.mid == purpose.mid; });
  if (entry == outbox_.end()) return;
  entry->sig = std::string(sig);
  trust(*entry);
  flushOutbox();
}

// Own entries leave in outbox order: an entry signed before an earlier one waits for it. Hosting, they
// are submitted; as a guest, sent (the resends of keepAlive follow the same order).
void Room::flushOutbox() {
  for (const auto& entry : outbox_) {
    if (signing() && entry.sig.empty()) return;
    if (dispatched_.count(entry.mid)) continue;
    if (state_ == RoomState::Host) {
      dispatched_.insert(entry.mid);
      submit(entry);
    } else if (state_ == RoomState::Guest && hostLink_) {
      dispatched_.insert(entry.mid);
      if (&entry == &outbox_.front()) lastResend_ = now_;  // a resend is due only if it is not sequenced in time
      sendTo(*hostLink_, Say{entry});
    } else {
      return;  // joining or reconnecting: the outbox is sent once a host welcomes us
    }
  }
}

}  // namespace webchat
