// The ICE servers the operator configures once, on the server (`--stun`, `--turn`, `--turn-secret`,
// `--turn-ttl`), handed to pages by `GET /config` as `{"iceServers":[...],"ttl":N}`. TURN
// credentials are minted per request with coturn's shared-secret REST scheme (`use-auth-secret`):
// username `<expiry unix time>:webchat`, password base64(HMAC-SHA1(secret, username)), so a page
// holds a credential that expires and the secret never leaves the server. See docs/server.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http_types.hpp"

namespace CLI {
class App;
}

namespace webchat {

struct IceOptions {
  std::vector<std::string> stun;  // stun:/stuns: URLs, given to every page
  std::vector<std::string> turn;  // turn:/turns: URLs, each with freshly minted credentials
  std::string turnSecret;         // coturn's static-auth-secret
  std::int64_t turnTtlSeconds = 3600;
};

// Registers the flags on the command line (WEBCHAT_TURN_SECRET may hold the secret, which keeps it out
// of `ps`); call checkIceOptions after parsing.
void addIceFlags(CLI::App& app, IceOptions& options);

// Why these options cannot work ("" when they can): a TURN URL without a secret, a malformed URL.
std::string checkIceOptions(const IceOptions& options);

// The TURN REST password for `username`: base64 of HMAC-SHA1 under `secret` (as coturn computes it).
std::string turnPassword(std::string_view secret, std::string_view username);

// The body of GET /config at `nowUnixSeconds`.
std::string iceConfigJson(const IceOptions& options, std::int64_t nowUnixSeconds);

// The answer to GET /config: JSON, never cached (every load gets fresh credentials).
Response answerIceConfig(const IceOptions& options);

}  // namespace webchat
