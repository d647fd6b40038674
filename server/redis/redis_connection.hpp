// One hiredis asynchronous connection driven by the server's Asio loop. hiredis asks for read and
// write readiness through five hooks (addRead/delRead/addWrite/delWrite/cleanup); this adapter maps
// them onto `stream_descriptor::async_wait` on hiredis' own socket (which it keeps owning).
//
// Every command's reply comes back through its callback exactly once: a redisReply, or nullptr when
// the connection is lost or closed first. Replies arrive in command order, so the age of the oldest
// unanswered command is known (a Redis that stops answering is noticed by the owner's watchdog).
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "redis_url.hpp"

struct redisAsyncContext;
struct redisReply;

namespace webchat {

class RedisConnection final {
 public:
  using Clock = std::chrono::steady_clock;
  using OnReply = std::function<void(const redisReply* reply)>;  // nullptr: no reply will come
  using OnMessage = std::function<void(std::string_view payload)>;
  // Called once, from the event loop, when the connection is lost (not when closed by close()).
  using OnLost = std::function<void(std::string reason)>;

  // Starts connecting at once; commands may be sent right away (hiredis queues them).
  RedisConnection(boost::asio::io_context& ioc, const RedisEndpoint& endpoint, OnLost onLost);
  ~RedisConnection();  // close()
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // False once lost or closed: commands then fail at once (callback with nullptr, later).
  bool open() const;
  void command(const std::vector<std::string_view>& argv, OnReply onReply);
  // SUBSCRIBE: `onSubscribed` once confirmed, `onMessage` for every message on the channel.
  void subscribe(const std::string& channel, std::function<void()> onSubscribed,
                 OnMessage onMessage);
  // Drops the connection now; every unanswered command's callback runs with nullptr first.
  void close();

  std::size_t unanswered() const { return sentAt_.size(); }
  // Since when Redis owes us a reply without having sent any: the later of the oldest unanswered
  // command's sending and the last reply (a deep queue that Redis works through is not a stall).
  // Meaningless when unanswered() == 0.
  Clock::time_point waitingSince() const { return std::max(sentAt_.front(), lastReplyAt_); }
  // Handles replies already received but not yet read (a busy event loop may not have got to them).
  void readBuffered();
  std::uint64_t replies() const { return replies_; }

 private:
  struct Watch;
  struct Pending;
  static void onReplyThunk(redisAsyncContext* ac, void* reply, void* privdata);
  static void onSubscribeThunk(redisAsyncContext* ac, void* reply, void* privdata);
  static void onDisconnectThunk(const redisAsyncContext* ac, int status);
  static void onConnectThunk(const redisAsyncContext* ac, int status);
  void lost(std::string reason);

  boost::asio::io_context& ioc_;
  redisAsyncContext* ac_ = nullptr;  // nullptr once lost or closed (hiredis frees it)
  std::shared_ptr<Watch> watch_;
  OnLost onLost_;
  std::deque<Clock::time_point> sentAt_;
  std::uint64_t replies_ = 0;
  Clock::time_point lastReplyAt_;
  std::function<void()> onSubscribed_;
  OnMessage onMessage_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace webchat
