#include "redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace webchat {

namespace net = boost::asio;

// The adapter's state for one hiredis context. Asio waits capture it by shared_ptr, so it outlives
// hiredis' cleanup; `ac` becomes nullptr then and late completions do nothing.
//
// Readiness is checked with poll() before each wait: Asio's reactor is edge-triggered, and hiredis
// reads at most 16 KiB per call, so a wait started while bytes are already buffered could sleep
// forever. Checking first and handling until the socket is drained leaves no edge unseen.
struct RedisConnection::Watch : std::enable_shared_from_this<RedisConnection::Watch> {
  Watch(net::io_context& ioc, redisAsyncContext* context)
      : descriptor(ioc, context->c.fd), ac(context) {}

  enum Dir { read = 0, write = 1 };
  net::posix::stream_descriptor descriptor;
  redisAsyncContext* ac;
  bool want[2] = {false, false};
  bool waiting[2] = {false, false};
  bool posted[2] = {false, false};

  void add(Dir dir) {
    want[dir] = true;
    if (posted[dir] || waiting[dir]) return;
    posted[dir] = true;  // hooks run inside hiredis: never call back into it from here
    net::post(descriptor.get_executor(), [self = shared_from_this(), dir] {
      self->posted[dir] = false;
      self->pump(dir);
    });
  }

  void pump(Dir dir) {
    drain(dir);
    if (!ac || !want[dir] || waiting[dir]) return;
    waiting[dir] = true;
    descriptor.async_wait(dir == read ? net::posix::stream_descriptor::wait_read
                                      : net::posix::stream_descriptor::wait_write,
                          [self = shared_from_this(), dir](boost::system::error_code ec) {
                            self->waiting[dir] = false;
                            if (ec == net::error::operation_aborted) return;
                            self->pump(dir);
                          });
  }

  // Handles what the socket has ready now (a bounded number of rounds, to let others run).
  void drain(Dir dir) {
    for (int round = 0; round < 64; ++round) {
      if (!ac || !want[dir]) return;
      pollfd p{ac->c.fd, static_cast<short>(dir == read ? POLLIN : POLLOUT), 0};
      if (::poll(&p, 1, 0) <= 0 || p.revents == 0) break;
      if (dir == read) redisAsyncHandleRead(ac);
      else redisAsyncHandleWrite(ac);
    }
  }

  void cleanup() {
    ac = nullptr;
    want[read] = want[write] = false;
    descriptor.release();  // cancels the waits; hiredis closes its socket itself
  }

  static void addRead(void* p) { static_cast<Watch*>(p)->add(read); }
  static void delRead(void* p) { static_cast<Watch*>(p)->want[read] = false; }
  static void addWrite(void* p) { static_cast<Watch*>(p)->add(write); }
  static void delWrite(void* p) { static_cast<Watch*>(p)->want[write] = false; }
  static void cleanupHook(void* p) { static_cast<Watch*>(p)->cleanup(); }
};

struct RedisConnection::Pending {
  RedisConnection* connection;
  std::shared_ptr<bool> alive;
  OnReply onReply;
};

RedisConnection::RedisConnection(net::io_context& ioc, const RedisEndpoint& endpoint,
                                 OnLost onLost)
    : ioc_(ioc), onLost_(std::move(onLost)) {
  ac_ = endpoint.socketPath.empty()
            ? redisAsyncConnect(endpoint.host.c_str(), endpoint.port)
            : redisAsyncConnectUnix(endpoint.socketPath.c_str());
  if (!ac_ || ac_->err) {
    const std::string reason = ac_ ? ac_->errstr : "out of memory";
    if (ac_) redisAsyncFree(ac_);
    ac_ = nullptr;
    net::post(ioc_, [this, alive = alive_, reason] {
      if (*alive) lost("cannot connect: " + reason);
    });
    return;
  }
  ac_->data = this;
  watch_ = std::make_shared<Watch>(ioc_, ac_);
  ac_->ev.data = watch_.get();
  ac_->ev.addRead = &Watch::addRead;
  ac_->ev.delRead = &Watch::delRead;
  ac_->ev.addWrite = &Watch::addWrite;
  ac_->ev.delWrite = &Watch::delWrite;
  ac_->ev.cleanup = &Watch::cleanupHook;
  redisAsyncSetDisconnectCallback(ac_, &onDisconnectThunk);
  redisAsyncSetConnectCallback(ac_, &onConnectThunk);  // arms the first write wait
  if (!endpoint.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!endpoint.user.empty()) auth.push_back(endpoint.user);
    auth.push_back(endpoint.password);
    command(auth, [this, alive = alive_](const redisReply* reply) {
      if (*alive && reply && reply->type == REDIS_REPLY_ERROR) {
        lost(std::string("AUTH refused: ") + reply->str);
      }
    });
  }
  if (endpoint.db != 0) {
    const auto db = std::to_string(endpoint.db);
    command({"SELECT", db}, [this, alive = alive_](const redisReply* reply) {
      if (*alive && reply && reply->type == REDIS_REPLY_ERROR) {
        lost(std::string("SELECT refused: ") + reply->str);
      }
    });
  }
}

RedisConnection::~RedisConnection() {
  close();
  *alive_ = false;
}

bool RedisConnection::open() const { return ac_ != nullptr; }

void RedisConnection::readBuffered() {
  if (watch_ && ac_) watch_->drain(Watch::read);
}

void RedisConnection::command(const std::vector<std::string_view>& argv, OnReply onReply) {
  if (!ac_) {
    net::post(ioc_, [onReply = std::move(onReply)] { onReply(nullptr); });
    return;
  }
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* pending = new Pending{this, alive_, std::move(onReply)};
  if (redisAsyncCommandArgv(ac_, &onReplyThunk, pending, static_cast<int>(args.size()),
                            args.data(), lengths.data()) != REDIS_OK) {
    auto callback = std::move(pending->onReply);
    delete pending;
    net::post(ioc_, [callback = std::move(callback)] { callback(nullptr); });
    return;
  }
  sentAt_.push_back(Clock::now());
}

void RedisConnection::subscribe(const std::string& channel, std::function<void()> onSubscribed,
                                OnMessage onMessage) {
  onSubscribed_ = std::move(onSubscribed);
  onMessage_ = std::move(onMessage);
  if (!ac_) return;
  const char* args[] = {"SUBSCRIBE", channel.c_str()};
  const size_t lengths[] = {9, channel.size()};
  if (redisAsyncCommandArgv(ac_, &onSubscribeThunk, nullptr, 2, args, lengths) == REDIS_OK) {
    sentAt_.push_back(Clock::now());  // answered by the subscribe confirmation
  }
}

void RedisConnection::close() {
  if (!ac_) return;
  auto* ac = ac_;
  ac_ = nullptr;
  ac->onDisconnect = nullptr;  // closed on purpose: not "lost"
  redisAsyncFree(ac);          // runs pending callbacks with nullptr, then cleanup
  sentAt_.clear();
}

void RedisConnection::lost(std::string reason) {
  if (ac_) {
    auto* ac = ac_;
    ac_ = nullptr;
    ac->onDisconnect = nullptr;
    // Freeing from inside a hiredis callback is deferred by hiredis until the callback returns.
    redisAsyncFree(ac);
  }
  sentAt_.clear();
  if (auto onLost = std::exchange(onLost_, nullptr)) onLost(std::move(reason));
}

void RedisConnection::onReplyThunk(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
  if (*pending->alive) {
    auto& self = *pending->connection;
    if (reply) {
      ++self.replies_;
      self.lastReplyAt_ = Clock::now();
      if (!self.sentAt_.empty()) self.sentAt_.pop_front();
    }
  }
  // Callbacks are the owner's: they check liveness themselves (the owner outlives its connections
  // or guards its callbacks).
  pending->onReply(static_cast<const redisReply*>(reply));
}

void RedisConnection::onSubscribeThunk(redisAsyncContext* ac, void* replyPtr, void*) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  const auto* reply = static_cast<const redisReply*>(replyPtr);
  if (!self || !reply || !self->ac_) return;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
  const std::string_view kind(reply->element[0]->str, reply->element[0]->len);
  if (kind == "subscribe") {
    if (!self->sentAt_.empty()) self->sentAt_.pop_front();
    ++self->replies_;
    self->lastReplyAt_ = Clock::now();
    if (self->onSubscribed_) self->onSubscribed_();
  } else if (kind == "message" && reply->element[2]->type == REDIS_REPLY_STRING) {
    if (self->onMessage_) self->onMessage_({reply->element[2]->str, reply->element[2]->len});
  }
}

void RedisConnection::onConnectThunk(const redisAsyncContext* ac, int status) {
  if (status == REDIS_OK) return;
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (!self || self->ac_ != ac) return;
  // hiredis frees the context after this callback.
  self->ac_ = nullptr;
  const std::string reason = std::string("cannot connect: ") + ac->errstr;
  net::post(self->ioc_, [self, alive = self->alive_, reason] {
    if (*alive) self->lost(reason);
  });
}

void RedisConnection::onDisconnectThunk(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (!self || self->ac_ != ac) return;
  self->ac_ = nullptr;  // hiredis frees the context after this callback
  const std::string reason =
      status == REDIS_OK ? "connection closed" : std::string("connection lost: ") + ac->errstr;
  net::post(self->ioc_, [self, alive = self->alive_, reason] {
    if (*alive) self->lost(reason);
  });
}

}  // namespace webchat
