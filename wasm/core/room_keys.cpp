// Keys and signatures: signing what this member writes (its hello, its entries) through the driver
// (effect::Sign), checking what others send through it too (effect::Verify: a message waits for its
// verdicts), keys pinned per member id (the first seen wins), and the DTLS fingerprint each hello
// binds to its link.
#include <algorithm>
#include <utility>

#include "entries.hpp"
#include "room.hpp"

namespace webchat {

namespace {
constexpr std::size_t kGoodHellosKept = 16;

std::string verdictKey(const std::string& key, const std::string& bytes, const std::string& sig) {
  return key + '\n' + sig + '\n' + bytes;
}
}  // namespace

// Whether the driver found this signature good for the message being handled.
bool Room::verify(const std::string& key, const std::string& bytes, const std::string& sig) const {
  if (key.empty() || sig.empty()) return false;
  auto verdict = verdictKey(key, bytes, sig);
  return verdicts_.count(verdict) != 0 || goodHellos_.count(verdict) != 0;
}

// What of a message the driver must check: its signatures, less those of entries already known good
// (trusted_) and those that cannot be good (no key or no signature: they fail without asking).
std::vector<SignedPart> Room::unverified(const PeerMessage& message) const {
  auto parts = signedParts(config_.room, message);
  parts.erase(std::remove_if(parts.begin(), parts.end(), [&](const SignedPart& part) {
    return part.key.empty() || part.sig.empty() || trusted_.count(part.sig + '\n' + part.bytes) != 0 ||
           goodHellos_.count(verdictKey(part.key, part.bytes, part.sig)) != 0;
  }), parts.end());
  return parts;
}

std::uint32_t Room::askVerify(LinkId id, std::vector<SignedPart> parts) {
  std::uint32_t ticket = nextTicket_++;
  verifyings_[ticket] = id;
  emit(effect::Verify{ticket, std::move(parts)});
  return ticket;
}

void Room::onVerified(std::uint32_t ticket, const std::vector<bool>& verdicts, Millis now) {
  advance(now);
  auto asked = verifyings_.find(ticket);
  if (asked == verifyings_.end()) return;  // its link is gone
  LinkId id = asked->second;
  verifyings_.erase(asked);
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  if (link.earlyHelloTicket == ticket) return onAnswerHelloVerified(id, link, verdicts);
  if (link.aheadTicket == ticket) {
    link.aheadTicket = 0;
    if (verdicts.empty() || !verdicts[0]) return;  // the welcome's hello is checked, and refused, then
    if (goodHellos_.size() >= kGoodHellosKept) goodHellos_.clear();
    goodHellos_.insert(verdictKey(link.aheadPart.key, link.aheadPart.bytes, link.aheadPart.sig));
    return;
  }
  for (auto& arrival : link.inbox) {
    if (arrival.ticket == ticket) arrival.verdicts = verdicts;
  }
  handleInbox(id, now);
}

void Room::handleInbox(LinkId id, Millis now) {
  for (;;) {
    auto it = links_.find(id);  // handling a message may close its link
    if (it == links_.end()) return;
    Link& link = it->second;
    if (link.inbox.empty()) {
      if (auto why = std::exchange(link.closedBehind, std::nullopt)) handleClose(id, now, *why);
      return;
    }
    if (!link.inbox.front().parts.empty() && !link.inbox.front().verdicts) return;
    Arrival arrival = std::move(link.inbox.front());
    link.inbox.pop_front();
    for (std::size_t i = 0; i < arrival.parts.size(); ++i) {
      const auto& part = arrival.parts[i];
      if (i < arrival.verdicts->size() && (*arrival.verdicts)[i]) verdicts_.insert(verdictKey(part.key, part.bytes, part.sig));
    }
    handleMessage(id, link, arrival.message, now);
    verdicts_.clear();
  }
}

void Room::verifyAhead(LinkId id, const Hello& hello) {
  if (!verifying() || hello.key.empty() || hello.sig.empty()) return;
  Link& link = links_[id];
  link.aheadPart = signedPart(config_.room, hello);
  link.aheadTicket = askVerify(id, {link.aheadPart});
}

// The host's verdict on the hello that came with a joiner's answer; the channel may be open already.
void Room::onAnswerHelloVerified(LinkId id, Link& link, const std::vector<bool>& verdicts) {
  link.earlyHelloTicket = 0;
  if (!link.earlyHello) return;
  auto part = signedPart(config_.room, *link.earlyHello);
  if (!verdicts.empty() && verdicts[0]) verdicts_.insert(verdictKey(part.key, part.bytes, part.sig));
  link.earlyHelloProblem = helloProblem(*link.earlyHello, link.remoteFp);
  verdicts_.clear();
  if (link.open && link.stage == Stage::Connecting) {
    Hello hello = *std::exchange(link.earlyHello, std::nullopt);
    onHello(id, link, hello, link.earlyHelloProblem);
  }
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
