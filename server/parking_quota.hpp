// Admission control for parked requests and the texts on their way in: a cap on parked requests per
// client address (429) and for everyone (503), a byte budget for texts parked or arriving (503), and
// a byte budget per client address (429), so that one address's abuse costs only that address.
//
// A request passes in two steps, like the request handler:
//  1. admit(), on its head: its announced body (Content-Length, or the body limit for a chunked body)
//     is reserved from both byte budgets before a byte of it is read. A request that would park by
//     the state seen now is refused early when a cap is already reached (its body is never sent).
//  2. Slot::park(), once its body is read and the mailbox is about to take it: whether it parks is
//     decided now, from the state now (a set's partner may have come or gone while its body was on the
//     way), and a parking request takes its place under the caps or is refused. The reservation
//     shrinks to the text's real size, which then counts for its address until the text is gone (the
//     mailbox counts it against the global budget).
// Everything is given back when the Slot is destroyed (the call completed or was withdrawn).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

namespace webchat {

class ParkingQuota final {
 public:
  enum class Refusal { none, perClientCap, globalCap, byteBudget, perClientBytes };

  struct Limits {
    std::size_t maxParked;          // parked requests, everyone together
    std::size_t maxPerClient;       // parked requests of one address
    std::size_t maxBytes;           // texts parked + bodies arriving, everyone together
    std::size_t maxBytesPerClient;  // texts parked + bodies arriving, one address
  };

  class Slot final {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();
    // Step 2: the body has been read (`textBytes` of it will be held: 0 for a get); `parks` says
    // whether the request now parks. A refusal leaves the slot as it was (destroy it to give back).
    Refusal park(bool parks, std::size_t textBytes);
    bool counted() const { return parked_; }

   private:
    friend class ParkingQuota;
    Slot(ParkingQuota& quota, std::string client, std::size_t bytes)
        : quota_(quota), client_(std::move(client)), arriving_(bytes) {}
    ParkingQuota& quota_;
    std::string client_;
    std::size_t arriving_;   // reserved for a body not read yet (global and per client)
    std::size_t held_ = 0;   // bytes of text counted for the client (the mailbox counts them globally)
    bool parked_ = false;    // counted against the parking caps
  };

  explicit ParkingQuota(Limits limits) : limits_(limits) {}

  // Step 1, on the head of a request of `client` that announces `bytes` of body; `mayPark` is what
  // the mailbox's state says now; `bytesInMailbox` what it holds now. nullptr and `refusal` if not.
  std::unique_ptr<Slot> admit(const std::string& client, std::size_t bytes, bool mayPark,
                              std::size_t bytesInMailbox, Refusal& refusal);

  std::size_t slotsInUse() const { return parked_; }          // requests parked now
  std::size_t reservedBytes() const { return arriving_; }     // bodies still arriving
  std::size_t clientsHoldingSlots() const { return perClient_.size(); }
  std::size_t parkedBy(const std::string& client) const;
  std::size_t bytesOf(const std::string& client) const;       // arriving + held, one address
  const Limits& limits() const { return limits_; }

 private:
  struct Use {
    std::size_t parked = 0;
    std::size_t bytes = 0;  // arriving + held
    std::size_t slots = 0;  // live slots of this address (the entry goes when it reaches 0)
  };
  void release(Slot& slot);

  Limits limits_;
  std::size_t parked_ = 0;
  std::size_t arriving_ = 0;
  std::unordered_map<std::string, Use> perClient_;  // only clients holding slots
};

}  // namespace webchat
