#include "signaling_server.hpp"

#include <cstdio>
#include <vector>

#include "http_session.hpp"
#include "memory_mailbox.hpp"
#include "redis/redis_mailbox.hpp"

namespace webchat {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// SIGTERM must end the process within 1 s; keep a margin for process teardown.
constexpr auto kShutdownGrace = std::chrono::milliseconds(700);

std::unique_ptr<MailboxBackend> makeMailbox(net::io_context& ioc, const ServerOptions& options) {
  if (options.redisUrl.empty()) return std::make_unique<MemoryMailbox>();
  std::string error;
  auto endpoint = parseRedisUrl(options.redisUrl, error);
  if (!endpoint) throw std::invalid_argument("--redis: " + error);
  if (!options.redisPassword.empty()) endpoint->password = options.redisPassword;
  RedisOptions redis{*endpoint, options.redisPrefix, options.redisLeaseMs, options.redisTimeoutMs};
  return std::make_unique<RedisMailbox>(ioc, std::move(redis));
}
}  // namespace

SignalingServer::SignalingServer(net::io_context& ioc, ServerOptions options)
    : ioc_(ioc),
      options_(std::move(options)),
      mailbox_(makeMailbox(ioc, options_)),
      logFlush_(ioc),
      log_(options_.accessLog,
           [this] {
             logFlush_.expires_after(AccessLog::kFlushDelay);
             logFlush_.async_wait([this](beast::error_code ec) {
               if (!ec) log_.flush();
             });
           }),
      handler_(options_, *mailbox_, metrics_, [this] { rearmExpiry(); }),
      context_{options_, handler_, metrics_, log_, [this] { return now(); }, {}, {}, false, {}},
      listener_(std::make_shared<Listener>(
          ioc, tcp::endpoint(net::ip::make_address(options_.listenHost), options_.listenPort),
          context_)),
      expiryTimer_(ioc),
      signals_(ioc, SIGINT, SIGTERM),
      hardStop_(ioc) {
  context_.onLastSessionGone = [this] { hardStop_.cancel(); };
}

SignalingServer::~SignalingServer() {
  shutdown();  // a no-op after a signal; answers parked requests otherwise
  hardStop_.cancel();
  for (int round = 0; round < 100 && !context_.sessions.empty(); ++round) {
    std::vector<std::shared_ptr<HttpSession>> live;
    for (const auto& [_, weak] : context_.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    for (const auto& session : live) session->abort();
    live.clear();
    ioc_.restart();
    ioc_.poll();  // the aborted operations' handlers run here and let their sessions go
  }
  ioc_.restart();
  ioc_.poll();  // the listener's and the timers' aborted handlers
}

void SignalingServer::start() {
  listener_->run();
  signals_.async_wait([this](beast::error_code ec, int) {
    if (!ec) shutdown();
  });
}

void SignalingServer::shutdown() {
  if (context_.shuttingDown) return;
  context_.shuttingDown = true;
  listener_->stop();
  signals_.cancel();
  expiryTimer_.cancel();
  mailbox_->drainAll();  // every parked client gets its 204 (with Connection: close)
  mailbox_->close();

  std::vector<std::shared_ptr<HttpSession>> live;
  for (const auto& [_, weak] : context_.sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  for (const auto& session : live) session->stop();
  live.clear();

  if (context_.sessions.empty()) return;
  hardStop_.expires_after(kShutdownGrace);
  hardStop_.async_wait([this](beast::error_code ec) {
    if (!ec) ioc_.stop();  // someone is not reading its answer: do not wait for them
  });
}

Millis SignalingServer::now() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               epoch_)
      .count();
}

void SignalingServer::rearmExpiry() {
  const auto next = mailbox_->nextDeadline();
  if (!next || context_.shuttingDown) return;
  // Re-arming only for an earlier deadline keeps a flood of long polls from cancelling the timer
  // at every request.
  if (expiryArmedFor_ && *expiryArmedFor_ <= *next) return;
  expiryArmedFor_ = *next;
  expiryTimer_.expires_at(epoch_ + std::chrono::milliseconds(*next));
  expiryTimer_.async_wait([this](beast::error_code ec) { onExpiry(ec); });
}

void SignalingServer::onExpiry(beast::error_code ec) {
  if (ec == net::error::operation_aborted) return;  // re-armed earlier, or shutting down
  expiryArmedFor_.reset();
  mailbox_->expire(now());
  rearmExpiry();
}

}  // namespace webchat
