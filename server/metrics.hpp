// Counters of the server, rendered in the Prometheus text exposition format for GET /metrics.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "mailbox_backend.hpp"

namespace webchat {

struct ServerMetrics {
  std::map<unsigned, std::uint64_t> responsesByStatus;  // every answer sent, by HTTP status
  std::uint64_t connectionsAccepted = 0;
  std::uint64_t connectionsOpen = 0;
  std::uint64_t headerTimeouts = 0;  // connections cut because the request head came too slowly
  std::uint64_t bodyTimeouts = 0;    // ... because the body came too slowly
  std::uint64_t idleTimeouts = 0;    // kept-alive connections closed after no new request
};

// Renders the server's counters together with the mailbox's levels, totals and its own metrics.
std::string renderPrometheus(const ServerMetrics& metrics, const MailboxBackend& mailbox,
                             std::size_t bytesArriving);

}  // namespace webchat
