#include "history.hpp"

namespace webchat {

const ChatMessage* History::find(std::uint64_t seq) const {
  if (lines_.empty() || seq < lines_.front().seq || seq > lines_.back().seq) return nullptr;
  // Kept lines are consecutive: a line's position follows from its sequence number.
  const ChatMessage& line = lines_[static_cast<std::size_t>(seq - lines_.front().seq)];
  return line.seq == seq ? &line : nullptr;
}

bool History::accept(const ChatMessage& line) {
  if (line.seq != lastSeq() + 1 && !(lines_.empty() && line.seq > 0)) return false;
  if (contains(line.mid)) return false;
  lines_.push_back(line);
  if (lines_.size() > kMaxHistory) lines_.pop_front();
  mids_.insert(line.mid);
  midOrder_.push_back(line.mid);
  if (midOrder_.size() > 2 * kMaxHistory) {
    mids_.erase(midOrder_.front());
    midOrder_.pop_front();
  }
  return true;
}

void History::clear() {
  lines_.clear();
  mids_.clear();
  midOrder_.clear();
}

}  // namespace webchat
