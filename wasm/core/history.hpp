#pragma once
// A room's history as one member holds it: sequenced entries in order, chained (see entries.hpp), the
// newest kMaxHistory of them, and the message ids seen, so an entry resent after a failover or merge
// is recognised.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol.hpp"

namespace webchat {

class History final {
 public:
  const std::deque<Entry>& entries() const { return entries_; }
  std::uint64_t lastSeq() const { return entries_.empty() ? 0 : entries_.back().seq; }
  std::string lastChain() const { return entries_.empty() ? std::string() : entries_.back().chain; }
  bool contains(const std::string& mid) const { return seqOf_.count(mid) != 0; }
  // Whether the kept entries start at the room's first (nothing was forgotten).
  bool complete() const { return entries_.empty() || entries_.front().seq == 1; }
  // The kept entry with this sequence number, or with this mid; nullptr when not kept.
  const Entry* find(std::uint64_t seq) const;
  const Entry* findMid(const std::string& mid) const;
  // The chain the next entry (seq lastSeq() + 1, this mid) must carry.
  std::string nextChain(std::string_view mid) const;

  // Appends an entry the host sequenced: only if it comes right after the newest, its mid is new and
  // its chain follows from the newest's. Returns why not, or "".
  std::string accept(const Entry& entry);
  void clear();

 private:
  std::deque<Entry> entries_;
  std::unordered_map<std::string, std::uint64_t> seqOf_;  // mid → seq, also of forgotten entries
  std::deque<std::string> midOrder_;  // forgets the oldest mids beyond 2 × kMaxHistory
};

}  // namespace webchat
