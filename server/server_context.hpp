// What every connection of one server shares: the options, the request handler, the counters, the
// clock, and the registry of live sessions that the shutdown walks.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "access_log.hpp"
#include "mailbox.hpp"
#include "metrics.hpp"
#include "request_handler.hpp"
#include "server_options.hpp"

namespace webchat {

class HttpSession;

struct ServerContext {
  const ServerOptions& options;
  RequestHandler& handler;
  ServerMetrics& metrics;
  AccessLog& log;
  std::function<Millis()> now;  // the mailbox's clock
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> sessions;
  std::unordered_map<std::string, std::size_t> connectionsPerClient;  // open connections by address
  bool shuttingDown = false;
  std::function<void()> onLastSessionGone;  // called when shutting down and no session is left
};

}  // namespace webchat
