#pragma once
// A room's chat history as one member holds it: sequenced lines in order, the newest kMaxHistory of
// them, and the message ids seen, so a line resent after a failover or merge is recognised.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

#include "protocol.hpp"

namespace webchat {

class History final {
 public:
  const std::deque<ChatMessage>& lines() const { return lines_; }
  std::uint64_t lastSeq() const { return lines_.empty() ? 0 : lines_.back().seq; }
  std::string lastMid() const { return lines_.empty() ? std::string() : lines_.back().mid; }
  bool contains(const std::string& mid) const { return mids_.count(mid) != 0; }
  // The kept line with this sequence number, or nullptr.
  const ChatMessage* find(std::uint64_t seq) const;

  // Appends a line the host sequenced: only if it comes after the newest and its mid is new.
  bool accept(const ChatMessage& line);
  void clear();

 private:
  std::deque<ChatMessage> lines_;
  std::unordered_set<std::string> mids_;
  std::deque<std::string> midOrder_;  // forgets the oldest mids beyond 2 × kMaxHistory
};

}  // namespace webchat
