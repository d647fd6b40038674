// The shared mailbox: several server instances serve one mailbox kept in Redis, so that a get on
// one instance receives a set made on another. The rules of docs/server.md hold across instances.
//
// Per instance: two Redis connections however many requests wait (one for commands, one
// subscribed to this instance's wake-up channel), never a blocking command. A request runs one Lua
// script (redis_scripts.hpp) that either completes it against a partner parked anywhere or parks
// it in Redis; the partner's instance hears of the match through its channel and ends its request
// with a second script. Whatever the outcome of a race (get, set, withdrawal, timeout), one script
// decides it, once. Deadlines stay local (the caller's clock); what an instance writes has a short
// lease that the live instance renews, so a killed instance leaves nothing that gets delivered.
//
// When Redis is unreachable (connection lost, no answer within the command timeout), every request
// of this instance is answered `failed` (503) at once, new ones too, and the instance reconnects
// with backoff and jitter, subscribes again, and serves again.
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <unordered_map>

#include "mailbox_backend.hpp"
#include "redis_connection.hpp"
#include "redis_url.hpp"

namespace webchat {

struct RedisOptions {
  RedisEndpoint endpoint;
  std::string prefix = "wc:";      // of every key and channel
  Millis leaseMs = 3000;           // how long a dead instance's entries outlive it
  Millis commandTimeoutMs = 1000;  // a Redis that answers nothing for this long counts as down
};

class RedisMailbox final : public MailboxBackend {
 public:
  RedisMailbox(boost::asio::io_context& ioc, RedisOptions options);
  ~RedisMailbox() override;

  Ticket get(std::string_view id, Millis now, Millis timeout, OnDone done) override;
  Ticket set(std::string_view id, std::string text, Millis now, Millis timeout,
             OnDone done) override;
  void withdraw(Ticket ticket) override;
  bool isParked(Ticket ticket) const override;
  bool hasParkedGet(std::string_view) const override { return false; }
  bool hasParkedSet(std::string_view) const override { return false; }
  void expire(Millis now) override;
  std::optional<Millis> nextDeadline() const override;
  void drainAll() override;
  const Stats& stats() const override { return stats_; }
  std::string unavailableReason() const override;
  const char* name() const override { return "redis"; }
  void renderMetrics(std::ostream& out) const override;
  void close() override;

  bool ready() const { return state_ == State::ready; }
  // Commands sent and not yet answered.
  std::size_t inFlight() const;
  // Calls `done` once every wake-up published before this call has reached this instance (a
  // message to our own channel, sent after everything else, has come back). For tests.
  void roundTrip(std::function<void()> done);

 private:
  enum class State { connecting, ready, down, closed };
  enum class Phase { sent, parked, ending };
  struct Request {
    bool isGet;
    std::string base;  // PREFIX{ID}:
    std::string name;  // INSTANCE.TICKET
    Millis deadline;   // 0: none (timeoutms 0)
    std::size_t bytes;
    OnDone done;
    Phase phase = Phase::sent;
    bool withdrawn = false;
    bool due = false;  // deadline passed, or woken, while its first script was in flight
  };
  enum Script { kSetScript, kGetScript, kEndGetScript, kEndSetScript, kScriptCount };

  void connect();
  void onLost(std::string reason);
  void fail(std::string reason);
  void onMessage(std::string_view payload);
  void onTick();
  void eval(Script script, const std::string& base, std::vector<std::string_view> args,
            std::function<void(const struct redisReply*)> onReply);
  Ticket start(bool isGet, std::string_view id, std::string text, Millis now, Millis timeout,
               OnDone done);
  void onStarted(Ticket ticket, const struct redisReply* reply);
  void end(Ticket ticket);  // runs the end script of a parked request
  void onEnded(Ticket ticket, const struct redisReply* reply);
  void complete(Ticket ticket, Outcome outcome, std::string payload);
  void setPhaseParked(Request& request, bool parked);
  std::string failureReason(const std::string& reason) const;

  boost::asio::io_context& ioc_;
  RedisOptions options_;
  std::string instance_;  // random, new per process
  std::string channel_;   // PREFIX i:INSTANCE
  State state_ = State::connecting;
  std::string reason_;    // why not ready
  std::unique_ptr<RedisConnection> commands_, subscriber_;
  std::string sha_[kScriptCount];
  int scriptsLoaded_ = 0;
  bool subscribed_ = false;
  std::chrono::steady_clock::time_point connectStarted_;
  boost::asio::steady_timer tick_, retry_;
  int attempts_ = 0;  // failed connection attempts in a row (backoff)
  std::mt19937_64 random_;

  Ticket lastTicket_ = 0;
  std::unordered_map<Ticket, Request> requests_;
  std::set<std::pair<Millis, Ticket>> deadlines_;
  Stats stats_;

  std::uint64_t pingSeq_ = 0, pongSeq_ = 0;
  std::chrono::steady_clock::time_point pingSentAt_, lastRenewal_, lastPing_;
  std::map<std::uint64_t, std::vector<std::function<void()>>> roundTrips_;

  std::uint64_t roundTripsTotal_ = 0;  // replies received on both connections, earlier ones
  std::uint64_t reconnects_ = 0;
  std::uint64_t scriptErrors_ = 0;
  std::uint64_t lostConnections_ = 0;
  bool everReady_ = false;
};

}  // namespace webchat
