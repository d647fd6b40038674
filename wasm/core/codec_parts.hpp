#pragma once
// Internal to the codecs: the parts signaling texts and data-channel messages share (protocol.cpp).
#include "protocol.hpp"
#include "wire_json.hpp"

namespace webchat::wire {

json rankToJson(const HostRank& rank);
bool readRank(Reader& r, HostRank& rank);
// A hello's fields after its peer, in a hello message, an answer or a welcome.
void writeHelloFields(json& j, const Hello& hello);
bool readHelloFields(Reader& r, Hello& hello);

// Keys, signatures and fingerprints: opaque here (the driver checks them), bounded.
inline constexpr std::size_t kMaxKeyBytes = 128;
inline constexpr std::size_t kMaxSigBytes = 256;
inline constexpr std::size_t kMaxFingerprintBytes = 160;

}  // namespace webchat::wire
