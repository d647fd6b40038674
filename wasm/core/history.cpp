#include "history.hpp"

#include "entries.hpp"

namespace webchat {

const Entry* History::find(std::uint64_t seq) const {
  if (entries_.empty() || seq < entries_.front().seq || seq > entries_.back().seq) return nullptr;
  // Kept entries are consecutive: an entry's position follows from its sequence number.
  const Entry& entry = entries_[static_cast<std::size_t>(seq - entries_.front().seq)];
  return entry.seq == seq ? &entry : nullptr;
}

const Entry* History::findMid(const std::string& mid) const {
  auto it = seqOf_.find(mid);
  if (it == seqOf_.end()) return nullptr;
  const Entry* entry = find(it->second);
  return entry && entry->mid == mid ? entry : nullptr;
}

std::string History::nextChain(std::string_view mid) const {
  return chainAfter(lastChain(), lastSeq() + 1, mid);
}

std::string History::accept(const Entry& entry) {
  if (entry.seq != lastSeq() + 1 && !(entries_.empty() && entry.seq > 0)) return "entry out of sequence";
  if (contains(entry.mid)) return "entry already known";
  // The first entry of a history that starts later (the room forgot older ones) cannot be checked.
  if ((!entries_.empty() || entry.seq == 1) && entry.chain != chainAfter(lastChain(), entry.seq, entry.mid)) {
    return "entry's chain does not follow";
  }
  entries_.push_back(entry);
  if (entries_.size() > kMaxHistory) entries_.pop_front();
  seqOf_[entry.mid] = entry.seq;
  midOrder_.push_back(entry.mid);
  if (midOrder_.size() > 2 * kMaxHistory) {
    seqOf_.erase(midOrder_.front());
    midOrder_.pop_front();
  }
  return {};
}

void History::clear() {
  entries_.clear();
  seqOf_.clear();
  midOrder_.clear();
}

}  // namespace webchat
