// Reads the query of a `/sig` request (`get=ID` or `set=ID`, optional `timeoutms=N`) into a
// validated command, or into the one-line reason it is refused (answered as 400).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace webchat {

// Limits of the public signaling API (docs/server.md).
inline constexpr std::size_t kMaxIdBytes = 128;
inline constexpr std::int64_t kMaxTimeoutMs = 20 * 60 * 1000;  // also the default of a set

struct SigCommand {
  enum class Kind { get, set };
  Kind kind;
  std::string id;           // decoded, 1..128 bytes of [A-Za-z0-9._~-]
  std::int64_t timeoutMs;   // 0..kMaxTimeoutMs; default 0 for get, kMaxTimeoutMs for set
};

struct SigQueryError {
  std::string message;  // one line, no trailing newline, e.g. `parameter "get" given twice`
};

// `query` is what follows the '?' of the target, still percent-encoded. Parameters other than get,
// set and timeoutms are ignored (clients add cache busters), but none of the three may repeat.
std::variant<SigCommand, SigQueryError> parseSigQuery(std::string_view query);

}  // namespace webchat
