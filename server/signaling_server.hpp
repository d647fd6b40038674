// The whole server on one io_context: the listener, the mailbox with the one timer that drives all
// of its deadlines, and the orderly shutdown on SIGTERM/SIGINT.
#pragma once

#include <utility>  // before Asio/Beast: Boost 1.74 uses std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "access_log.hpp"
#include "listener.hpp"
#include "mailbox_backend.hpp"
#include "metrics.hpp"
#include "request_handler.hpp"
#include "server_context.hpp"
#include "server_options.hpp"

namespace webchat {

class SignalingServer final {
 public:
  // Binds at once; throws boost::system::system_error (or std::filesystem errors for a bad web root).
  SignalingServer(boost::asio::io_context& ioc, ServerOptions options);
  // Closes what is still open and runs the handlers that own sessions while this server (which
  // they use) is alive, so that none is left to the io_context's destruction.
  ~SignalingServer();
  SignalingServer(const SignalingServer&) = delete;
  SignalingServer& operator=(const SignalingServer&) = delete;

  boost::asio::ip::tcp::endpoint localEndpoint() const { return listener_->localEndpoint(); }
  // Starts accepting and listening for SIGTERM/SIGINT; the caller then runs the io_context, which
  // returns once the server has shut down.
  void start();
  // Stops accepting, answers every parked request 204, closes idle connections, and makes sure the
  // io_context stops within a second even if some client does not read its answer.
  void shutdown();

  // For tests that check the server's invariants between steps.
  const MailboxBackend& mailbox() const { return *mailbox_; }
  const ParkingQuota& quota() const { return handler_.quota(); }

 private:
  Millis now() const;
  void rearmExpiry();
  void onExpiry(boost::beast::error_code ec);

  boost::asio::io_context& ioc_;
  ServerOptions options_;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  std::unique_ptr<MailboxBackend> mailbox_;
  ServerMetrics metrics_;
  boost::asio::steady_timer logFlush_;  // writes the access log's batch within 100 ms
  AccessLog log_;
  RequestHandler handler_;
  ServerContext context_;
  std::shared_ptr<Listener> listener_;
  boost::asio::steady_timer expiryTimer_;
  std::optional<Millis> expiryArmedFor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer hardStop_;
};

}  // namespace webchat
