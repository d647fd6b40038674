// Where a shared mailbox's Redis lives: `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]` or
// `unix:///path/to/socket[?db=N]`.
#pragma once

#include <optional>
#include <string>

namespace webchat {

struct RedisEndpoint {
  std::string host;        // empty for a unix socket
  int port = 6379;
  std::string socketPath;  // for unix://
  std::string user;        // empty: the default user (AUTH PASSWORD)
  std::string password;    // empty: no AUTH
  int db = 0;

  // For logs and /healthz: the address, never the password.
  std::string describe() const;
};

// The endpoint, or nullopt with `error` saying what is wrong.
std::optional<RedisEndpoint> parseRedisUrl(const std::string& url, std::string& error);

}  // namespace webchat
