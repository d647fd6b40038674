#include "redis_mailbox.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>
#include <cstdio>

#include "redis_scripts.hpp"

namespace webchat {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto kTick = 100ms;           // watchdog resolution
constexpr auto kPingEvery = 300ms;      // heartbeat through our own channel
constexpr auto kFirstRetry = 50ms;      // reconnect backoff: 50 ms doubling...
constexpr auto kMaxRetry = 500ms;       // ...up to this, then half to full of it at random

const char* const kScripts[] = {redis_scripts::kSet, redis_scripts::kGet, redis_scripts::kEndGet,
                                redis_scripts::kEndSet};

bool isError(const redisReply* reply) { return reply && reply->type == REDIS_REPLY_ERROR; }

std::string randomInstanceName(std::mt19937_64& random) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(random()));
  return buffer;
}

}  // namespace

RedisMailbox::RedisMailbox(net::io_context& ioc, RedisOptions options)
    : ioc_(ioc),
      options_(std::move(options)),
      tick_(ioc),
      retry_(ioc),
      random_(std::random_device{}()) {
  instance_ = randomInstanceName(random_);
  channel_ = options_.prefix + "i:" + instance_;
  reason_ = "redis unavailable: connecting to " + options_.endpoint.describe();
  connect();
  onTick();
}

RedisMailbox::~RedisMailbox() { close(); }

void RedisMailbox::close() {
  state_ = State::closed;
  tick_.cancel();
  retry_.cancel();
  requests_.clear();
  deadlines_.clear();
  commands_.reset();
  subscriber_.reset();
}

void RedisMailbox::connect() {
  state_ = State::connecting;
  scriptsLoaded_ = 0;
  subscribed_ = false;
  connectStarted_ = std::chrono::steady_clock::now();
  commands_ = std::make_unique<RedisConnection>(ioc_, options_.endpoint,
                                                [this](std::string r) { onLost(std::move(r)); });
  subscriber_ = std::make_unique<RedisConnection>(ioc_, options_.endpoint,
                                                  [this](std::string r) { onLost(std::move(r)); });
  auto becameReady = [this] {
    if (state_ != State::connecting || !subscribed_ || scriptsLoaded_ != kScriptCount) return;
    state_ = State::ready;
    reason_.clear();
    attempts_ = 0;
    if (everReady_) ++reconnects_;
    everReady_ = true;
    lastPing_ = lastRenewal_ = std::chrono::steady_clock::now();
    pongSeq_ = pingSeq_;  // heartbeats sent on the lost connection will never come back
  };
  for (int i = 0; i < kScriptCount; ++i) {
    commands_->command({"SCRIPT", "LOAD", kScripts[i]},
                       [this, i, becameReady, conn = commands_.get()](const redisReply* reply) {
                         if (!reply || conn != commands_.get()) return;
                         if (reply->type != REDIS_REPLY_STRING) {
                           ++scriptErrors_;
                           return fail(std::string("SCRIPT LOAD failed: ") +
                                       (isError(reply) ? reply->str : "unexpected reply"));
                         }
                         sha_[i].assign(reply->str, reply->len);
                         ++scriptsLoaded_;
                         becameReady();
                       });
  }
  subscriber_->subscribe(
      channel_,
      [this, becameReady] {
        subscribed_ = true;
        becameReady();
      },
      [this](std::string_view payload) { onMessage(payload); });
}

void RedisMailbox::onLost(std::string reason) {
  ++lostConnections_;
  fail(std::move(reason));
}

std::string RedisMailbox::failureReason(const std::string& reason) const {
  return "redis unavailable (" + options_.endpoint.describe() + "): " + reason;
}

void RedisMailbox::fail(std::string reason) {
  if (state_ == State::down || state_ == State::closed) return;
  state_ = State::down;
  reason_ = failureReason(reason);
  std::fprintf(stderr, "webchat-server: %s\n", reason_.c_str());

  // The state is final before any callback runs: nothing is parked here any more.
  auto victims = std::move(requests_);
  requests_.clear();
  deadlines_.clear();
  stats_.parkedGets = stats_.parkedSets = stats_.bytesParked = 0;
  for (const auto* connection : {commands_.get(), subscriber_.get()}) {
    if (connection) roundTripsTotal_ += connection->replies();
  }
  auto roundTrips = std::move(roundTrips_);
  roundTrips_.clear();
  // Replies still owed arrive as nullptr and find nothing. The connection objects are destroyed
  // later: this may run inside one of their callbacks.
  if (commands_) commands_->close();
  if (subscriber_) subscriber_->close();
  net::post(ioc_, [this, commands = std::shared_ptr<RedisConnection>(std::move(commands_)),
                   subscriber = std::shared_ptr<RedisConnection>(std::move(subscriber_))] {});

  // Backoff with jitter, short enough to serve again within a second of Redis coming back.
  auto delay = std::min<std::chrono::milliseconds>(kFirstRetry * (1 << std::min(attempts_, 6)),
                                                   kMaxRetry);
  ++attempts_;
  delay = std::chrono::milliseconds(delay.count() / 2 +
                                    static_cast<long>(random_() % (delay.count() / 2 + 1)));
  retry_.expires_after(delay);
  retry_.async_wait([this](boost::system::error_code ec) {
    if (!ec && state_ == State::down) connect();
  });

  for (auto& [ticket, request] : victims) {
    if (request.withdrawn) ++stats_.withdrawals;
    else request.done(Outcome::failed, reason_);
  }
  for (auto& [seq, callbacks] : roundTrips) {
    for (auto& callback : callbacks) callback();
  }
}

std::string RedisMailbox::unavailableReason() const {
  return state_ == State::ready ? std::string() : reason_;
}

std::size_t RedisMailbox::inFlight() const {
  return (commands_ ? commands_->unanswered() : 0) + (subscriber_ ? subscriber_->unanswered() : 0);
}

void RedisMailbox::roundTrip(std::function<void()> done) {
  if (state_ != State::ready) return done();
  if (pongSeq_ == pingSeq_) pingSentAt_ = std::chrono::steady_clock::now();
  const auto seq = ++pingSeq_;
  roundTrips_[seq].push_back(std::move(done));
  const auto payload = "p" + std::to_string(seq);
  commands_->command({"PUBLISH", channel_, payload}, [](const redisReply*) {});
}

void RedisMailbox::onTick() {
  if (state_ == State::closed) return;
  const auto now = std::chrono::steady_clock::now();
  const auto limit = std::chrono::milliseconds(options_.commandTimeoutMs);
  if (state_ == State::connecting && now - connectStarted_ > limit) {
    fail("no answer within " + std::to_string(options_.commandTimeoutMs) + " ms of connecting");
  } else if (state_ == State::ready) {
    for (auto* connection : {commands_.get(), subscriber_.get()}) {
      if (!connection || connection->unanswered() == 0 ||
          now - connection->waitingSince() <= limit) {
        continue;
      }
      connection->readBuffered();  // replies may be waiting for this busy loop, not for Redis
      if (state_ == State::ready && connection->unanswered() > 0 &&
          now - connection->waitingSince() > limit) {
        fail("no answer within " + std::to_string(options_.commandTimeoutMs) + " ms");
        break;
      }
    }
  }
  if (state_ == State::ready && pongSeq_ < pingSeq_ && now - pingSentAt_ > limit &&
      subscriber_) {
    subscriber_->readBuffered();
  }
  if (state_ == State::ready && pongSeq_ < pingSeq_ && now - pingSentAt_ > limit) {
    fail("wake-up channel silent for " + std::to_string(options_.commandTimeoutMs) + " ms");
  }
  if (state_ == State::ready && now - lastPing_ >= kPingEvery) {
    // A heartbeat through our own channel: proves the subscription still delivers.
    lastPing_ = now;
    roundTrip([] {});
  }
  if (state_ == State::ready && now - lastRenewal_ >= std::chrono::milliseconds(options_.leaseMs / 3)) {
    lastRenewal_ = now;
    const auto lease = std::to_string(options_.leaseMs);
    for (const auto& [ticket, request] : requests_) {
      if (request.phase != Phase::parked) continue;
      const auto entry = request.base + (request.isGet ? "gl:" : "t:") + request.name;
      const auto list = request.base + (request.isGet ? "g" : "q");
      commands_->command({"PEXPIRE", entry, lease}, [](const redisReply*) {});
      commands_->command({"PEXPIRE", list, lease}, [](const redisReply*) {});
    }
  }
  tick_.expires_after(kTick);
  tick_.async_wait([this](boost::system::error_code ec) {
    if (!ec) onTick();
  });
}

void RedisMailbox::onMessage(std::string_view payload) {
  if (payload.empty()) return;
  std::uint64_t number = 0;
  for (char c : payload.substr(1)) {
    if (c < '0' || c > '9') return;
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (payload[0] == 'p') {
    pongSeq_ = std::max(pongSeq_, number);
    while (!roundTrips_.empty() && roundTrips_.begin()->first <= number) {
      auto callbacks = std::move(roundTrips_.begin()->second);
      roundTrips_.erase(roundTrips_.begin());
      for (auto& callback : callbacks) callback();
    }
    if (pongSeq_ < pingSeq_) pingSentAt_ = std::chrono::steady_clock::now();
    return;
  }
  // 'g': a set handed our parked get a text; 's': a get took our parked set's text.
  const auto found = requests_.find(number);
  if (found == requests_.end() || found->second.isGet != (payload[0] == 'g')) return;
  if (found->second.phase == Phase::parked) end(number);
  // Still `sent`: the wake-up overtook the reply that parks it (two sockets); end it once parked.
  // `ending`: its end script decides already.
  else if (found->second.phase == Phase::sent) found->second.due = true;
}

void RedisMailbox::eval(Script script, const std::string& base, std::vector<std::string_view> args,
                        std::function<void(const redisReply*)> onReply) {
  std::vector<std::string_view> argv{"EVALSHA", sha_[script], "1", base};
  argv.insert(argv.end(), args.begin(), args.end());
  commands_->command(argv, std::move(onReply));
}

MailboxBackend::Ticket RedisMailbox::get(std::string_view id, Millis now, Millis timeout,
                                         OnDone done) {
  return start(true, id, {}, now, timeout, std::move(done));
}

MailboxBackend::Ticket RedisMailbox::set(std::string_view id, std::string text, Millis now,
                                         Millis timeout, OnDone done) {
  return start(false, id, std::move(text), now, timeout, std::move(done));
}

MailboxBackend::Ticket RedisMailbox::start(bool isGet, std::string_view id, std::string text,
                                           Millis now, Millis timeout, OnDone done) {
  const Ticket ticket = ++lastTicket_;
  if (state_ != State::ready) {
    done(Outcome::failed, reason_.empty() ? failureReason("closed") : reason_);
    return ticket;
  }
  Request request{isGet,
                  options_.prefix + "{" + std::string(id) + "}:",
                  instance_ + "." + std::to_string(ticket),
                  timeout > 0 ? now + timeout : 0,
                  text.size(),
                  std::move(done)};
  if (request.deadline != 0) deadlines_.emplace(request.deadline, ticket);
  const auto timeoutArg = std::to_string(std::max<Millis>(timeout, 0));
  const auto lease = std::to_string(options_.leaseMs);
  auto onReply = [this, ticket](const redisReply* reply) { onStarted(ticket, reply); };
  if (isGet) {
    eval(kGetScript, request.base, {request.name, timeoutArg, lease, options_.prefix + "i:"},
         std::move(onReply));
  } else {
    eval(kSetScript, request.base,
         {request.name, text, timeoutArg, lease, options_.prefix + "i:"}, std::move(onReply));
  }
  requests_.emplace(ticket, std::move(request));
  return ticket;
}

void RedisMailbox::onStarted(Ticket ticket, const redisReply* reply) {
  const auto found = requests_.find(ticket);
  if (!reply || found == requests_.end()) return;  // connection lost: fail() answered it
  auto& request = found->second;
  if (isError(reply)) {
    ++scriptErrors_;
    const std::string message(reply->str, reply->len);
    if (message.rfind("NOSCRIPT", 0) == 0) return fail("scripts gone from Redis: " + message);
    return complete(ticket, Outcome::failed, "redis refused the request: " + message);
  }
  // get: {1, text} taken, {0} nothing, {2} parked. set: 1 handed over, 0 dropped, 2 parked.
  long long code = -1;
  if (reply->type == REDIS_REPLY_INTEGER) code = reply->integer;
  if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
      reply->element[0]->type == REDIS_REPLY_INTEGER) {
    code = reply->element[0]->integer;
  }
  if (code == 1) {
    if (request.isGet) {
      const auto* text = reply->elements >= 2 ? reply->element[1] : nullptr;
      return complete(ticket, Outcome::delivered,
                      text && text->type == REDIS_REPLY_STRING ? std::string(text->str, text->len)
                                                               : std::string());
    }
    return complete(ticket, Outcome::delivered, {});
  }
  if (code == 0) {
    return complete(ticket, Outcome::timedOut, {});
  }
  if (code != 2) {
    ++scriptErrors_;
    return complete(ticket, Outcome::failed, "redis: unexpected script reply");
  }
  setPhaseParked(request, true);
  if (request.withdrawn || request.due) end(ticket);
}

void RedisMailbox::setPhaseParked(Request& request, bool parked) {
  const bool was = request.phase == Phase::parked;
  request.phase = parked ? Phase::parked : Phase::ending;
  if (was == parked) return;
  const int delta = parked ? 1 : -1;
  if (request.isGet) {
    stats_.parkedGets += delta;
  } else {
    stats_.parkedSets += delta;
    stats_.bytesParked += parked ? request.bytes : -request.bytes;
  }
}

void RedisMailbox::end(Ticket ticket) {
  auto& request = requests_.at(ticket);
  setPhaseParked(request, false);
  eval(request.isGet ? kEndGetScript : kEndSetScript, request.base, {request.name},
       [this, ticket](const redisReply* reply) { onEnded(ticket, reply); });
}

void RedisMailbox::onEnded(Ticket ticket, const redisReply* reply) {
  const auto found = requests_.find(ticket);
  if (!reply || found == requests_.end()) return;
  auto& request = found->second;
  if (isError(reply)) {
    ++scriptErrors_;
    return complete(ticket, Outcome::failed,
                    "redis refused the request: " + std::string(reply->str, reply->len));
  }
  if (request.isGet) {
    // {1, text}: a set had handed it this text (woken, or a race with its timeout).
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
      return complete(ticket, Outcome::delivered,
                      std::string(reply->element[1]->str, reply->element[1]->len));
    }
    return complete(ticket, Outcome::timedOut, {});
  }
  const long long code = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
  if (code == 0) {
    return complete(ticket, Outcome::timedOut, {});
  }
  if (code == 1) return complete(ticket, Outcome::delivered, {});
  complete(ticket, Outcome::failed,
           "redis lost this text (its lease lapsed, or Redis restarted without its data)");
}

void RedisMailbox::complete(Ticket ticket, Outcome outcome, std::string payload) {
  auto node = requests_.extract(ticket);
  auto& request = node.mapped();
  setPhaseParked(request, false);
  if (request.deadline != 0) deadlines_.erase({request.deadline, ticket});
  // Counted once Redis has settled it, so the totals never run ahead of what Redis holds.
  if (request.withdrawn) {
    ++stats_.withdrawals;
    return;
  }
  if (outcome == Outcome::delivered && request.isGet) ++stats_.deliveries;
  if (outcome == Outcome::timedOut) ++(request.isGet ? stats_.getTimeouts : stats_.setTimeouts);
  request.done(outcome, std::move(payload));
}

void RedisMailbox::withdraw(Ticket ticket) {
  const auto found = requests_.find(ticket);
  if (found == requests_.end() || found->second.withdrawn) return;
  auto& request = found->second;
  request.withdrawn = true;
  request.done = nullptr;  // never called; releases what it holds (the session, its slot)
  if (request.phase == Phase::parked) end(ticket);
  // `sent`: ended when its reply parks it; `ending`: its outcome is dropped.
}

bool RedisMailbox::isParked(Ticket ticket) const {
  const auto found = requests_.find(ticket);
  return found != requests_.end() && !found->second.withdrawn;
}

void RedisMailbox::expire(Millis now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const Ticket ticket = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto& request = requests_.at(ticket);
    request.deadline = 0;
    if (request.phase == Phase::parked) end(ticket);
    else if (request.phase == Phase::sent) request.due = true;
  }
}

std::optional<Millis> RedisMailbox::nextDeadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

void RedisMailbox::drainAll() {
  // Shutdown: every client gets its 204 now; what this instance parked in Redis is ended too
  // (best effort: leases clear whatever the closing connection does not get to send).
  std::vector<Ticket> tickets;
  for (const auto& [ticket, request] : requests_) tickets.push_back(ticket);
  for (const Ticket ticket : tickets) {
    auto found = requests_.find(ticket);
    if (found == requests_.end()) continue;
    auto& request = found->second;
    if (request.phase == Phase::parked && state_ == State::ready) {
      eval(request.isGet ? kEndGetScript : kEndSetScript, request.base, {request.name},
           [](const redisReply*) {});
    }
    complete(ticket, Outcome::timedOut, {});
  }
}

void RedisMailbox::renderMetrics(std::ostream& out) const {
  const auto line = [&out](const char* name, const char* type, const char* help, auto value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
        << name << ' ' << value << '\n';
  };
  line("webchat_redis_up", "gauge", "1 while Redis serves this instance, else 0.",
       state_ == State::ready ? 1 : 0);
  line("webchat_redis_round_trips_total", "counter", "Redis replies received (both connections).",
       (commands_ ? commands_->replies() : 0) + (subscriber_ ? subscriber_->replies() : 0) +
           roundTripsTotal_);
  line("webchat_redis_reconnects_total", "counter",
       "Times this instance served again after losing Redis.", reconnects_);
  line("webchat_redis_connection_losses_total", "counter",
       "Times this instance lost Redis (connection lost or no answer in time).", lostConnections_);
  line("webchat_redis_script_errors_total", "counter",
       "Redis scripts that answered an error (out of memory, missing script...).", scriptErrors_);
  line("webchat_redis_in_flight", "gauge", "Redis commands sent and not yet answered.", inFlight());
}

}  // namespace webchat
