#pragma once
// The numbers the room protocol promises. docs/protocol.md lists them; change both together.

#include <cstddef>
#include <cstdint>

namespace webchat {

using Millis = std::int64_t;  // milliseconds on the driver's clock (virtual in simulation tests)

inline constexpr int kProtocolVersion = 1;

// Sizes.
inline constexpr std::size_t kMaxTextChars = 4000;      // one chat line, in Unicode code points
inline constexpr std::size_t kMaxNickChars = 32;        // a nickname, in Unicode code points
inline constexpr std::size_t kMaxRoomNameBytes = 64;    // room names use the signaling ID alphabet
inline constexpr std::size_t kMaxPeerMessageBytes = 64 * 1024;  // one data-channel message, except welcome
inline constexpr std::size_t kMaxRoomMembers = 32;
inline constexpr std::size_t kMaxHistory = 1000;         // chat lines a room keeps and hands newcomers

// Timers of the signaling dance.
inline constexpr Millis kProbeTimeoutMs = 3000;        // how long a joiner waits for a parked offer
inline constexpr Millis kOfferRenewMs = 30000;         // an offer nobody took is replaced after this
inline constexpr Millis kAnswerWaitMs = 10000;         // host waits this long for the answer to a taken offer
inline constexpr Millis kAnswerParkMs = 10000;         // guest parks its answer this long
inline constexpr Millis kConnectTimeoutMs = 10000;     // answer taken → channel open and welcome received
inline constexpr Millis kRetryInitialMs = 500;         // first back-off after a signaling failure
inline constexpr Millis kRetryMaxMs = 8000;            // back-off ceiling

}  // namespace webchat
