// The command-line side of ice_config.hpp, in the executable only (the request-handling library,
// which tests and the fuzzer link, does not need CLI11).
#include <CLI/CLI.hpp>

#include "ice_config.hpp"

namespace webchat {

void addIceFlags(CLI::App& app, IceOptions& options) {
  app.add_option("--stun", options.stun,
                 "STUN server URL handed to pages by GET /config (repeat for several), "
                 "e.g. stun:turn.example.org:3478");
  app.add_option("--turn", options.turn,
                 "TURN server URL handed to pages with fresh credentials (repeat for several), "
                 "e.g. turn:turn.example.org:3478?transport=udp");
  app.add_option("--turn-secret", options.turnSecret,
                 "coturn's static-auth-secret (use-auth-secret), to mint TURN credentials")
      ->envname("WEBCHAT_TURN_SECRET");
  app.add_option("--turn-ttl", options.turnTtlSeconds, "Lifetime of minted TURN credentials, seconds")
      ->capture_default_str();
}

}  // namespace webchat
