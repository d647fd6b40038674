// A host whose own network changed tells the joiners still connecting on offers it described before
// the change to look again (docs/protocol.md, "A network of one's own"). Those offers name addresses
// that are gone: without a word, such a joiner waited out its whole connect timeout (8 s; seen in the
// lab: a newcomer took the stale offer its host had just parked again through its new mapping, and
// was in 9 s later). The host parks a retry text under the offer's retry ID; the joiner reads that ID
// while it connects and, on a valid retry, drops the attempt and probes at once. The attempt does not
// count as one that found no path (room_join.cpp, attemptFailed): the host said why it failed.
#include "room.hpp"

namespace webchat {

// Joiner: attempts whose answer was taken kRetryListenAfterMs ago and whose channel is still not open
// read their retry ID until their connect deadline. Not earlier: an ordinary join is in by then, and
// a request costs both browsers CPU while they connect (see holdingSpare).
void Room::listenForRetry(Millis now) {
  for (auto& [id, link] : links_) {
    if (!link.retryListenAt || now < *link.retryListenAt) continue;
    link.retryListenAt.reset();
    if (link.offering || link.open || link.stage != Stage::Connecting || !link.deadline || backingOff()) continue;
    signalGet(Purpose::FetchRetry, id, retrySignalId(config_.room, link.offerId), *link.deadline - now);
  }
}

// A retry is only a hint: none (204), a failed request or a bad text leave the attempt to its connect
// timeout. A bad text is dropped and counted, and the ID not read again: a server answering at once
// with rubbish must not make us ask again and again.
void Room::onRetryFetched(LinkId id, int status, std::string_view body) {
  auto it = links_.find(id);
  if (it == links_.end() || status != 200) return;
  auto retry = decodeRetry(body);
  if (!retry.value) return drop(retry.error);
  if (retry.value->offer != it->second.offerId) return drop("retry for another offer");
  if (it->second.open || it->second.stage != Stage::Connecting) return;
  closeLink(id);
  probe();
}

void Room::stopListeningForRetry(LinkId id) {
  auto it = links_.find(id);
  if (it == links_.end() || it->second.offering) return;
  it->second.retryListenAt.reset();
  cancelRequestsIf([id](const Request& r) { return r.purpose == Purpose::FetchRetry && r.link == id; });
}

// Host: the text outlives the link (its request is no link's, so closing the link does not withdraw
// it), until the joiner takes it or its connect timeout would have ended the attempt anyway.
void Room::askToRetry(LinkId id) {
  auto it = links_.find(id);
  if (it == links_.end() || backingOff()) return;
  const std::string& offer = it->second.offerId;
  signalSet(Purpose::ParkRetry, 0, retrySignalId(config_.room, offer), encodeRetry(RetryText{offer}), kRetryParkMs);
}

}  // namespace webchat
