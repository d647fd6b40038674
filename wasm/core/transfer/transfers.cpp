#include "transfers.hpp"

#include <algorithm>
#include <vector>

namespace webchat::transfer {

const char* toString(Outcome outcome) {
  switch (outcome) {
    case Outcome::Complete: return "complete";
    case Outcome::Incomplete: return "incomplete";
    case Outcome::Cancelled: return "cancelled";
    case Outcome::Failed: return "failed";
  }
  return "failed";
}

// --- Holder -----------------------------------------------------------------------------------

std::string Transfers::offer(std::string_view hash, std::uint64_t size) {
  if (!isFileHash(hash)) return "bad-hash";
  if (size > kMaxFileBytes) return "too-large";
  offered_[std::string(hash)] = size;
  std::erase(withdrawn_, hash);
  return "";
}

void Transfers::withdraw(std::string_view hash, Millis) {
  if (offered_.erase(std::string(hash)) && std::find(withdrawn_.begin(), withdrawn_.end(), hash) == withdrawn_.end()) {
    withdrawn_.emplace_back(hash);
    if (withdrawn_.size() > kMaxWithdrawn) withdrawn_.pop_front();
  }
  for (auto it = served_.begin(); it != served_.end();) {
    auto current = it++;
    if (current->second.hash == hash) stopServing(current, "withdrawn", true);
  }
}

void Transfers::onGet(const PeerId& peer, const Get& m, Millis now) {
  const ServeKey key{peer, m.request};
  if (served_.count(key)) return cutOff(peer, "duplicate-request", now);
  auto held = offered_.find(m.hash);
  if (held == offered_.end() || held->second != m.size) {
    const bool withdrawn = std::find(withdrawn_.begin(), withdrawn_.end(), m.hash) != withdrawn_.end();
    return send(peer, None{m.request, withdrawn ? "withdrawn" : "unknown"});
  }
  if (m.from > m.size || (m.from % kChunkBytes != 0 && m.from != m.size)) return cutOff(peer, "bad-range", now);
  const auto ofPeer = std::count_if(served_.begin(), served_.end(), [&](const auto& s) { return s.first.first == peer; });
  if (static_cast<std::size_t>(ofPeer) >= kMaxServedPerPeer || served_.size() >= kMaxServed) {
    return send(peer, None{m.request, "busy"});
  }
  auto& s = served_[key] = Serving{m.hash, m.size, m.from, m.from, now};
  effects_.push_back(effect::Served{peer, m.request, s.hash, s.acked, s.size, false, ""});
  fill(key, s);
}

void Transfers::onAck(const PeerId& peer, const Ack& m, Millis now) {
  auto it = served_.find({peer, m.request});
  if (it == served_.end()) return;  // a late ack of a request we ended: harmless
  Serving& s = it->second;
  if (m.upto > s.sent || m.upto < s.acked) return cutOff(peer, "bad-ack", now);
  s.acked = m.upto;
  s.lastAck = now;
  if (s.acked == s.size) {
    effects_.push_back(effect::Served{peer, m.request, s.hash, s.acked, s.size, true, "complete"});
    served_.erase(it);
    return;
  }
  effects_.push_back(effect::Served{peer, m.request, s.hash, s.acked, s.size, false, ""});
  fill(it->first, s);
}

void Transfers::onCancel(const PeerId& peer, const Cancel& m) {
  auto it = served_.find({peer, m.request});
  if (it != served_.end()) stopServing(it, "cancelled", false);
}

// Hands out every chunk the receiver's window allows; the driver sends them in order, pacing on the
// channel's bufferedAmount.
void Transfers::fill(const ServeKey& key, Serving& s) {
  const std::uint64_t limit = std::min(s.size, s.acked + kWindowBytes);
  while (s.sent < limit) {
    const auto length = static_cast<std::uint32_t>(std::min<std::uint64_t>(kChunkBytes, s.size - s.sent));
    effects_.push_back(effect::SendChunk{key.first, key.second, s.hash, s.sent, length});
    s.sent += length;
  }
}

void Transfers::stopServing(std::map<ServeKey, Serving>::iterator it, const std::string& reason, bool tellReceiver) {
  const auto& [peer, request] = it->first;
  if (tellReceiver) send(peer, End{request, reason == "withdrawn" ? "cancelled" : reason});
  effects_.push_back(effect::StopSending{peer, request});
  effects_.push_back(effect::Served{peer, request, it->second.hash, it->second.acked, it->second.size, true, reason});
  served_.erase(it);
}

// --- Receiver ---------------------------------------------------------------------------------

TransferId Transfers::fetch(std::string_view hash, std::uint64_t size, const PeerId& peer, Millis now) {
  if (!isFileHash(hash) || size > kMaxFileBytes) return 0;
  const TransferId id = nextTransfer_++;
  Incoming& in = incoming_[id];
  in.hash = std::string(hash);
  in.size = size;
  in.peer = peer;
  if (size == 0) {  // nothing to pull: only the hash of nothing to check
    in.stage = Stage::Verifying;
    effects_.push_back(effect::Verify{id});
  } else {
    ask(id, in, peer, now);
  }
  return id;
}

std::string Transfers::resume(TransferId transfer, const PeerId& peer, Millis now) {
  auto it = incoming_.find(transfer);
  if (it == incoming_.end()) return "unknown-transfer";
  if (it->second.stage != Stage::Incomplete) return "not-incomplete";
  ask(transfer, it->second, peer, now);
  return "";
}

void Transfers::ask(TransferId id, Incoming& in, const PeerId& peer, Millis now) {
  in.peer = peer;
  in.request = nextRequest_++;
  requests_[in.request] = id;
  in.stage = Stage::Asking;
  in.acked = in.next;
  in.lastHeard = now;
  send(peer, Get{in.request, in.hash, in.size, in.next});
}

void Transfers::cancel(TransferId transfer, Millis) {
  auto it = incoming_.find(transfer);
  if (it == incoming_.end()) return;
  release(it->second, true);
  end(transfer, it->second, Outcome::Cancelled, "cancelled");
}

TransferId Transfers::onChunk(const PeerId& peer, RequestNo request, std::uint64_t offset, std::uint64_t length,
                              Millis now) {
  TransferId id = 0;
  Incoming* in = byRequest(peer, request, &id);
  if (!in) {
    auto d = draining_.find(request);
    const bool inFlight = d != draining_.end() && d->second.peer == peer && length <= kChunkBytes &&
                          offset <= d->second.end && length <= d->second.end - offset;
    if (inFlight) return 0;
    // More of a file that already arrived whole (its holder never sends past the end): endless data.
    auto c = completed_.find(request);
    if (c != completed_.end() && c->second.peer == peer) cutOff(peer, "after-end", now, c->second.hash);
    else cutOff(peer, "unexpected-chunk", now);
    return 0;
  }
  const char* problem = nullptr;
  if (in->next == in->size && offset >= in->size) problem = "after-end";  // every byte is in: its hash is checked
  else if (length > kChunkBytes) problem = "oversized-chunk";
  else if (offset >= in->size || length > in->size - offset) problem = "out-of-range";
  else if (offset < in->next) problem = "duplicate-chunk";
  else if (offset > in->next) problem = "chunk-gap";
  else if (length != std::min<std::uint64_t>(kChunkBytes, in->size - offset)) problem = "bad-chunk-size";
  else if (offset + length > in->acked + kWindowBytes) problem = "over-window";
  if (problem) {
    cutOff(peer, problem, now, in->hash);
    return 0;
  }
  in->next += length;
  in->stage = Stage::Receiving;
  in->lastHeard = now;
  if (in->next == in->size) {
    in->stage = Stage::Verifying;
    effects_.push_back(effect::Verify{id});
  }
  return id;
}

void Transfers::onStored(TransferId transfer, std::uint64_t upto, Millis now) {
  auto it = incoming_.find(transfer);
  if (it == incoming_.end()) return;
  Incoming& in = it->second;
  if (upto > in.next || upto < in.stored) return;
  in.stored = upto;
  const bool moving = in.stage == Stage::Receiving || in.stage == Stage::Verifying;
  if (!moving || in.request == 0 || upto <= in.acked) return;
  // Acks in quarter windows: fewer messages, the holder never runs dry.
  if (upto - in.acked < kWindowBytes / 4 && upto != in.size) return;
  in.acked = upto;
  in.lastHeard = now;  // the window reopened: the holder's silence counts from now
  send(in.peer, Ack{in.request, upto});
}

void Transfers::onHashed(TransferId transfer, std::string_view hash, Millis now) {
  auto it = incoming_.find(transfer);
  if (it == incoming_.end() || it->second.stage != Stage::Verifying) return;
  Incoming& in = it->second;
  requests_.erase(in.request);
  if (hash == in.hash) {
    if (in.request != 0) {  // still linked to its holder: whatever it sends for this request now is past the end
      completed_[in.request] = Completed{in.peer, in.hash};
      if (completed_.size() > kMaxCompleted) completed_.erase(completed_.begin());  // the oldest request
    }
    in.request = 0;
    offered_[in.hash] = in.size;  // a member holding a file serves it on
    return end(transfer, in, Outcome::Complete, "complete");
  }
  in.request = 0;
  // The last holder's bytes are the likeliest culprits; the file is pulled again from scratch.
  const PeerId peer = in.peer;
  end(transfer, in, Outcome::Failed, "hash-mismatch");
  cutOff(peer, "hash-mismatch", now);
}

void Transfers::onHolderStop(const PeerId& peer, RequestNo request, Outcome outcome, const std::string& reason) {
  TransferId id = 0;
  Incoming* in = byRequest(peer, request, &id);
  if (!in || in->stage == Stage::Verifying) return;  // a request we ended meanwhile
  release(*in, false);
  end(id, *in, outcome, reason);
}

void Transfers::release(Incoming& in, bool tellHolder) {
  if (in.request == 0) return;
  requests_.erase(in.request);
  if (tellHolder) send(in.peer, Cancel{in.request});
  draining_[in.request] = Draining{in.peer, in.acked + kWindowBytes};
  if (draining_.size() > kMaxDraining) draining_.erase(draining_.begin());  // the oldest request
  in.request = 0;
}

void Transfers::end(TransferId id, Incoming& in, Outcome outcome, const std::string& reason) {
  effects_.push_back(effect::Ended{id, outcome, reason, in.next});
  if (outcome == Outcome::Incomplete) {
    in.stage = Stage::Incomplete;
  } else {
    incoming_.erase(id);
  }
}

Transfers::Incoming* Transfers::byRequest(const PeerId& peer, RequestNo request, TransferId* id) {
  auto r = requests_.find(request);
  if (r == requests_.end()) return nullptr;
  Incoming& in = incoming_.at(r->second);
  if (in.peer != peer) return nullptr;
  if (id) *id = r->second;
  return &in;
}

std::uint64_t Transfers::received(TransferId transfer) const {
  auto it = incoming_.find(transfer);
  return it == incoming_.end() ? 0 : it->second.next;
}

// --- Both -------------------------------------------------------------------------------------

void Transfers::onText(const PeerId& peer, std::string_view text, Millis now) {
  Decoded decoded = decode(text);
  if (!decoded.message) return cutOff(peer, "malformed-message", now);
  if (auto* m = std::get_if<Get>(&*decoded.message)) return onGet(peer, *m, now);
  if (auto* m = std::get_if<Ack>(&*decoded.message)) return onAck(peer, *m, now);
  if (auto* m = std::get_if<Cancel>(&*decoded.message)) return onCancel(peer, *m);
  if (auto* m = std::get_if<None>(&*decoded.message)) {
    const std::string reason = m->reason == "busy" || m->reason == "withdrawn" ? m->reason : "not-held";
    return onHolderStop(peer, m->request, Outcome::Incomplete, reason);
  }
  if (auto* m = std::get_if<End>(&*decoded.message)) {
    // "cancelled": the holder stopped sharing it; another holder may still have it (the driver knows
    // whether this one was the author).
    return onHolderStop(peer, m->request, Outcome::Incomplete, m->reason == "cancelled" ? "withdrawn" : m->reason);
  }
}

void Transfers::cutOff(const PeerId& peer, const std::string& reason, Millis now, const std::string& hash) {
  ++cutOffs_;
  lastCutOffReason_ = reason;
  effects_.push_back(effect::CutOff{peer, reason, hash});
  // What the link carried ends as if it had closed, with the reason said.
  for (auto& [id, in] : incoming_) {
    if (in.peer == peer && in.request != 0 && in.stage != Stage::Verifying) {
      requests_.erase(in.request);
      in.request = 0;
      end(id, in, Outcome::Incomplete, reason);
    }
  }
  onLinkClosed(peer, now);
}

void Transfers::onLinkClosed(const PeerId& peer, Millis) {
  for (auto& [id, in] : incoming_) {
    if (in.peer != peer || in.request == 0) continue;
    requests_.erase(in.request);
    in.request = 0;
    if (in.stage != Stage::Verifying) end(id, in, Outcome::Incomplete, "holder-gone");
  }
  for (auto it = served_.begin(); it != served_.end();) {
    if (it->first.first != peer) {
      ++it;
      continue;
    }
    effects_.push_back(effect::StopSending{peer, it->first.second});
    effects_.push_back(effect::Served{peer, it->first.second, it->second.hash, it->second.acked, it->second.size, true, "gone"});
    it = served_.erase(it);
  }
  std::erase_if(draining_, [&](const auto& d) { return d.second.peer == peer; });
}

void Transfers::tick(Millis now) {
  std::vector<std::pair<TransferId, const char*>> late;
  for (auto& [id, in] : incoming_) {
    if (in.stage == Stage::Asking && now - in.lastHeard >= kAnswerMs) late.emplace_back(id, "no-answer");
    const bool windowOpen = in.next < in.acked + kWindowBytes;
    if (in.stage == Stage::Receiving && windowOpen && now - in.lastHeard >= kStallMs) late.emplace_back(id, "stalled");
  }
  for (auto [id, reason] : late) {
    Incoming& in = incoming_.at(id);
    release(in, true);
    end(id, in, Outcome::Incomplete, reason);
  }
  for (auto it = served_.begin(); it != served_.end();) {
    auto current = it++;
    if (now - current->second.lastAck >= kIdleServeMs) stopServing(current, "idle", true);
  }
}

std::optional<Millis> Transfers::nextDeadline() const {
  std::optional<Millis> soonest;
  auto consider = [&](Millis at) { soonest = soonest ? std::min(*soonest, at) : at; };
  for (const auto& [id, in] : incoming_) {
    if (in.stage == Stage::Asking) consider(in.lastHeard + kAnswerMs);
    if (in.stage == Stage::Receiving && in.next < in.acked + kWindowBytes) consider(in.lastHeard + kStallMs);
  }
  for (const auto& [key, s] : served_) consider(s.lastAck + kIdleServeMs);
  return soonest;
}

std::optional<Effect> Transfers::poll() {
  if (effects_.empty()) return std::nullopt;
  Effect next = std::move(effects_.front());
  effects_.pop_front();
  return next;
}

void Transfers::send(const PeerId& peer, const Control& message) {
  effects_.push_back(effect::SendText{peer, encode(message)});
}

}  // namespace webchat::transfer
