// The signaling mailbox: texts handed from one HTTP request to another by ID, with long-poll timeouts.
//
// Pure C++: no sockets, no Asio, no clock of its own. Time is an argument (`now`, monotonic
// milliseconds from the caller's clock, virtual in tests), so the HTTP server and the room-logic
// simulation tests drive the very same code.
//
// Semantics (those of the public signaling service, see docs/server.md):
//  - get(ID) completes with the oldest text queued for ID, or parks until one arrives or its
//    deadline passes (then it completes with nullopt, the HTTP layer answers 204).
//  - set(ID, text) completes with taken=true once a get took its text, or parks until one does or
//    its deadline passes (then taken=false and the text is dropped).
//  - Sets on one ID queue in arrival order, gets on one ID too; every text is delivered exactly once.
//  - withdraw(ticket): the client went away; the parked request disappears without its callback
//    being called, and a withdrawn set's text is never delivered.
//  - An ID with nothing parked holds no memory at all.
//
// Callbacks run inside get/set/expire/drainAll, always after the mailbox has finished updating its
// state, so a callback may call back into the mailbox (get, set, withdraw, expire...) safely.
// Callbacks must not throw (the mailbox would stay consistent, but the exception reaches the caller
// of get/set/expire, and other due callbacks of that call are left for the next expire()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace webchat {

using Millis = std::int64_t;  // monotonic milliseconds from the caller's clock (virtual in tests)

class Mailbox final {
 public:
  using Ticket = std::uint64_t;  // names one parked request; never 0, never reused
  using OnGetDone = std::function<void(std::optional<std::string> text)>;  // nullopt: timed out (204)
  using OnSetDone = std::function<void(bool taken)>;  // false: timed out (204), text dropped

  // Running totals and current levels, for /metrics and for tests.
  struct Stats {
    std::size_t parkedGets = 0;   // gets waiting now
    std::size_t parkedSets = 0;   // sets waiting now
    std::size_t bytesParked = 0;  // sum of the sizes of the texts of parked sets
    std::uint64_t deliveries = 0;    // texts handed from a set to a get
    std::uint64_t getTimeouts = 0;   // gets completed with nullopt (including timeout 0 misses)
    std::uint64_t setTimeouts = 0;   // sets completed with taken=false, their text dropped
    std::uint64_t withdrawals = 0;   // parked requests withdrawn by withdraw()
  };

  Mailbox() = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Either completes at once (callback called before returning) or parks until expire()/a matching call.
  // A timeout <= 0 never parks: get answers nullopt when nothing is queued, set answers false unless a
  // get is already parked for ID. The returned ticket is valid for withdraw() while parked; withdrawing
  // an already completed ticket does nothing.
  Ticket get(std::string_view id, Millis now, Millis timeout, OnGetDone done);
  Ticket set(std::string_view id, std::string text, Millis now, Millis timeout, OnSetDone done);

  // Its client went away: its callback is never called, a set's text is never delivered.
  // Unknown or already completed tickets are ignored.
  void withdraw(Ticket ticket);

  // Completes (as timed out) everything whose deadline is <= now, earliest deadline first.
  void expire(Millis now);

  // Completes every parked request as timed out (shutdown: every client gets its 204).
  void drainAll();

  // The earliest deadline of a parked request, or nullopt when nothing is parked.
  std::optional<Millis> nextDeadline() const;

  // Whether a get (a set) for `id` is waiting now, i.e. whether a set (a get) would complete at once.
  bool hasParkedGet(std::string_view id) const { return oldest(id, Kind::get) != 0; }
  bool hasParkedSet(std::string_view id) const { return oldest(id, Kind::set) != 0; }

  // Whether `ticket` names a request that is parked right now.
  bool isParked(Ticket ticket) const { return parked_.count(ticket) != 0; }

  const Stats& stats() const { return stats_; }
  std::size_t parkedCount() const { return parked_.size(); }
  // How many IDs hold anything right now (0 when nothing is parked: idle IDs cost nothing).
  std::size_t activeIds() const { return lines_.size(); }

 private:
  enum class Kind : std::uint8_t { get, set };

  // One parked request. Parked requests of one ID form a doubly linked FIFO through their tickets,
  // so that withdrawing one from the middle costs O(1) and an ID needs no container of its own.
  struct Parked {
    Kind kind;
    Millis deadline;
    std::string id;
    std::string text;  // a set's text; empty for a get
    OnGetDone onGet;
    OnSetDone onSet;
    Ticket prev = 0;
    Ticket next = 0;
  };

  // The queue of one ID. All its entries have the same kind: a get and a set never wait side by side,
  // since whichever comes second completes the pair at once.
  struct Line {
    Kind kind;
    Ticket head = 0;  // oldest
    Ticket tail = 0;  // newest
  };

  Ticket park(Kind kind, std::string_view id, std::string text, Millis deadline, OnGetDone onGet,
              OnSetDone onSet);
  // Removes a parked request from every index and returns it, so its callback can run afterwards.
  Parked unpark(Ticket ticket);
  // The oldest parked request of `kind` for `id`, or 0.
  Ticket oldest(std::string_view id, Kind kind) const;
  void finishTimedOut(Parked&& parked);

  Ticket lastTicket_ = 0;
  std::unordered_map<Ticket, Parked> parked_;
  std::map<std::string, Line, std::less<>> lines_;    // only IDs with something parked
  std::set<std::pair<Millis, Ticket>> deadlines_;    // ordered by deadline, then arrival
  Stats stats_;
};

}  // namespace webchat
