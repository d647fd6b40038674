#include "parking_quota.hpp"

namespace webchat {

std::unique_ptr<ParkingQuota::Slot> ParkingQuota::admit(const std::string& client,
                                                        std::size_t bytes, bool mayPark,
                                                        std::size_t bytesInMailbox,
                                                        Refusal& refusal) {
  refusal = Refusal::none;
  const auto found = perClient_.find(client);
  const Use none;
  const Use& use = found == perClient_.end() ? none : found->second;
  if (mayPark && use.parked >= limits_.maxPerClient) {
    refusal = Refusal::perClientCap;
  } else if (mayPark && parked_ >= limits_.maxParked) {
    refusal = Refusal::globalCap;
  } else if (use.bytes + bytes > limits_.maxBytesPerClient) {
    refusal = Refusal::perClientBytes;
  } else if (bytesInMailbox + arriving_ + bytes > limits_.maxBytes) {
    refusal = Refusal::byteBudget;
  }
  if (refusal != Refusal::none) return nullptr;

  Use& mine = found == perClient_.end() ? perClient_[client] : found->second;
  mine.bytes += bytes;
  ++mine.slots;
  arriving_ += bytes;
  return std::unique_ptr<Slot>(new Slot(*this, client, bytes));
}

ParkingQuota::Refusal ParkingQuota::Slot::park(bool parks, std::size_t textBytes) {
  auto& quota = quota_;
  Use& use = quota.perClient_.at(client_);
  if (parks && !parked_) {
    if (use.parked >= quota.limits_.maxPerClient) return Refusal::perClientCap;
    if (quota.parked_ >= quota.limits_.maxParked) return Refusal::globalCap;
    ++use.parked;
    ++quota.parked_;
    parked_ = true;
  }
  // The body is in: its reservation becomes the text actually held (never more than reserved).
  quota.arriving_ -= arriving_;
  use.bytes -= arriving_;
  arriving_ = 0;
  use.bytes += textBytes - held_;
  held_ = textBytes;
  return Refusal::none;
}

ParkingQuota::Slot::~Slot() { quota_.release(*this); }

void ParkingQuota::release(Slot& slot) {
  arriving_ -= slot.arriving_;
  const auto found = perClient_.find(slot.client_);
  if (found == perClient_.end()) return;
  Use& use = found->second;
  use.bytes -= slot.arriving_ + slot.held_;
  if (slot.parked_) {
    --use.parked;
    --parked_;
  }
  if (--use.slots == 0) perClient_.erase(found);
}

std::size_t ParkingQuota::parkedBy(const std::string& client) const {
  const auto found = perClient_.find(client);
  return found == perClient_.end() ? 0 : found->second.parked;
}

std::size_t ParkingQuota::bytesOf(const std::string& client) const {
  const auto found = perClient_.find(client);
  return found == perClient_.end() ? 0 : found->second.bytes;
}

}  // namespace webchat
