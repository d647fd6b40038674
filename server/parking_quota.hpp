// Admission control for parked requests: a cap per client address (429), a global cap (503) and a
// byte budget for the texts that are parked or on their way in (503).
//
// A slot is taken when the head of a request that will park is accepted, and given back when that
// request completes or is withdrawn, so the caps hold even for requests whose bodies are still
// arriving. Requests that will complete at once (a get for which a set waits, timeoutms=0...) take
// no slot: the caps limit what is held, not how often one asks. Bytes are reserved
// from the Content-Length (or the body limit for chunked bodies) before the body is read, then handed
// over to the mailbox, which counts what it holds; so memory for texts stays within the budget even
// while thousands of clients upload at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

namespace webchat {

class ParkingQuota final {
 public:
  enum class Refusal { none, perClientCap, globalCap, byteBudget };

  // Holds one slot (and possibly reserved bytes) until destroyed.
  class Slot final {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();
    std::size_t reservedBytes() const { return bytes_; }
    // The reserved bytes become the mailbox's to count (it now holds the text), or are not needed.
    void releaseBytes();

   private:
    friend class ParkingQuota;
    Slot(ParkingQuota& quota, std::string client, std::size_t bytes, bool parks);
    ParkingQuota& quota_;
    std::string client_;  // empty when the slot does not count against the caps
    std::size_t bytes_;
  };

  ParkingQuota(std::size_t maxParked, std::size_t maxPerClient, std::size_t maxBytes);

  // A slot for one request of `client` that may carry `bytes` of text, or why not; `bytesInMailbox`
  // is what the mailbox holds now (texts already parked). `parks`: whether it counts against the caps.
  std::unique_ptr<Slot> admit(const std::string& client, std::size_t bytes, bool parks,
                              std::size_t bytesInMailbox, Refusal& refusal);

  std::size_t slotsInUse() const { return slots_; }
  std::size_t reservedBytes() const { return reservedBytes_; }
  std::size_t clientsHoldingSlots() const { return perClient_.size(); }

 private:
  void release(const std::string& client, std::size_t bytes);
  void releaseBytes(std::size_t bytes) { reservedBytes_ -= bytes; }

  std::size_t maxParked_, maxPerClient_, maxBytes_;
  std::size_t slots_ = 0;
  std::size_t reservedBytes_ = 0;
  std::unordered_map<std::string, std::size_t> perClient_;  // only clients holding slots
};

}  // namespace webchat
