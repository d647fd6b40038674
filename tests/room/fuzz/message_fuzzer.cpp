// libFuzzer target over everything a peer or the mailbox can hand the room logic: the decoders, and a
// host and a guest fed the input as a data-channel message. Nothing may crash, leak or hit UB, and a
// decoded message must encode to something that decodes to the same kind.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol.hpp"
#include "room.hpp"

using namespace webchat;

namespace {

// Drains the effects; returns the text of the last signaling set among them (the parked offer).
std::string drain(Room& room) {
  std::string parked;
  while (auto effect = room.poll()) {
    if (auto* set = std::get_if<effect::SignalSet>(&*effect)) parked = set->text;
  }
  return parked;
}

// A host with one guest admitted on link 1: the state in which most messages are meaningful.
Room hostWithGuest() {
  Room room(Room::Config{"lobby", "alice", 1});
  room.join(0);
  drain(room);
  room.onSignalDone(1, 204, "", 1);  // probe found nobody: host, opening link 1
  drain(room);
  room.onLinkDescribed(1, "sdp", 2);
  auto offer = decodeOffer(drain(room));
  room.onSignalDone(2, 200, "ok", 3);  // offer taken; request 3 fetches the answer
  drain(room);
  // A trickle answer: request 4 fetches the joiner's candidates.
  room.onSignalDone(3, 200, encodeAnswer(AnswerText{offer.value->offer, "0123456789abcdef", "sdp", std::nullopt, true}), 4);
  room.onLinkOpen(1, 5);
  room.onLinkMessage(1, encodeMessage(Hello{"0123456789abcdef", "bob", 0, ""}), 6);
  drain(room);
  if (room.members().size() != 2) __builtin_trap();
  return room;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto message = decodeMessage(input);
  if (message.value) {
    auto again = decodeMessage(encodeMessage(*message.value));
    if (!again.value || again.value->index() != message.value->index()) __builtin_trap();
  }
  if (auto offer = decodeOffer(input); offer.value) {
    if (!decodeOffer(encodeOffer(*offer.value)).value) __builtin_trap();
  }
  if (auto answer = decodeAnswer(input); answer.value) {
    if (!decodeAnswer(encodeAnswer(*answer.value)).value) __builtin_trap();
  }
  if (auto candidates = decodeCandidates(input); candidates.value) {
    if (!decodeCandidates(encodeCandidates(*candidates.value)).value) __builtin_trap();
  }
  if (auto retry = decodeRetry(input); retry.value) {
    if (!decodeRetry(encodeRetry(*retry.value)).value) __builtin_trap();
  }

  Room host = hostWithGuest();
  host.onSignalDone(4, 200, input, 8);  // as the joiner's candidates
  host.onLinkMessage(1, input, 10);  // from an admitted guest
  host.tick(kHostProbeEveryMs + 10);      // starts a host probe: request 5
  drain(host);
  host.onSignalDone(5, 200, input, kHostProbeEveryMs + 20);  // as what that probe found
  drain(host);

  Room joiner(Room::Config{"lobby", "bob", 2});
  joiner.join(0);
  joiner.onSignalDone(1, 200, input, 1);  // as the offer found in the mailbox
  joiner.onLinkMessage(1, input, 2);
  drain(joiner);
  return 0;
}
