#include "parking_quota.hpp"

namespace webchat {

ParkingQuota::Slot::Slot(ParkingQuota& quota, std::string client, std::size_t bytes, bool parks)
    : quota_(quota), client_(parks ? std::move(client) : std::string()), bytes_(bytes) {}

ParkingQuota::Slot::~Slot() { quota_.release(client_, bytes_); }

void ParkingQuota::Slot::releaseBytes() {
  quota_.releaseBytes(bytes_);
  bytes_ = 0;
}

ParkingQuota::ParkingQuota(std::size_t maxParked, std::size_t maxPerClient, std::size_t maxBytes)
    : maxParked_(maxParked), maxPerClient_(maxPerClient), maxBytes_(maxBytes) {}

std::unique_ptr<ParkingQuota::Slot> ParkingQuota::admit(const std::string& client,
                                                        std::size_t bytes, bool parks,
                                                        std::size_t bytesInMailbox,
                                                        Refusal& refusal) {
  refusal = Refusal::none;
  const auto held = perClient_.find(client);
  if (parks && held != perClient_.end() && held->second >= maxPerClient_) {
    refusal = Refusal::perClientCap;
  } else if (parks && slots_ >= maxParked_) {
    refusal = Refusal::globalCap;
  } else if (bytesInMailbox + reservedBytes_ + bytes > maxBytes_) {
    refusal = Refusal::byteBudget;
  }
  if (refusal != Refusal::none) return nullptr;

  if (parks) {
    ++perClient_[client];
    ++slots_;
  }
  reservedBytes_ += bytes;
  return std::unique_ptr<Slot>(new Slot(*this, client, bytes, parks));
}

void ParkingQuota::release(const std::string& client, std::size_t bytes) {
  reservedBytes_ -= bytes;
  if (client.empty()) return;  // a slot that did not count against the caps
  --slots_;
  const auto held = perClient_.find(client);
  if (held != perClient_.end() && --held->second == 0) perClient_.erase(held);
}

}  // namespace webchat
