// Everything the command line can change, with the defaults documented in docs/server.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ice_config.hpp"

namespace webchat {

struct ServerOptions {
  std::string listenHost = "127.0.0.1";
  std::uint16_t listenPort = 8080;
  std::string webRoot;  // empty: no static files, only the API

  std::size_t maxBodyBytes = 100'000;    // 413 above
  std::size_t maxHeaderBytes = 8 * 1024;  // 431 above
  std::size_t maxParked = 10'000;         // 503 when this many requests are parked
  std::size_t maxParkedPerIp = 256;       // 429 when one client address holds this many
  std::size_t maxParkedBytes = 64u << 20;  // 503 when parked (and arriving) texts would exceed it
  std::size_t maxParkedBytesPerIp = 4u << 20;  // 429 when one address's texts would exceed it
  std::size_t maxConnectionsPerIp = 1024;      // 429 (and close) for connections beyond it

  std::int64_t headerTimeoutMs = 10'000;  // whole request head must arrive within this
  std::int64_t bodyTimeoutMs = 30'000;    // body must arrive within this after the head; also writes
  std::int64_t idleTimeoutMs = 60'000;    // a kept-alive connection with no new request is closed

  std::vector<std::string> corsOrigins;  // empty: `*`; else only these origins get CORS headers
  bool accessLog = true;                 // one line per request outcome on stderr

  // Shared mailbox (docs/deploy.md): empty URL keeps the mailbox in this process's memory.
  std::string redisUrl;                  // redis://[[USER]:PASSWORD@]HOST:PORT[/DB] or unix:///path
  std::string redisPassword;             // overrides the URL's (from WEBCHAT_REDIS_PASSWORD)
  std::string redisPrefix = "wc:";       // of every key and channel
  std::int64_t redisLeaseMs = 3000;      // a killed instance's entries outlive it this long
  std::int64_t redisTimeoutMs = 1000;    // Redis silent this long counts as unreachable

  IceOptions ice;  // what GET /config hands to pages (ice_config.hpp)
};

}  // namespace webchat
