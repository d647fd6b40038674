// The backends the shared mailbox suite runs against. Each fixture owns one backend and says how to
// let it finish what it has started (`settle`: nothing to do in memory; a shared backend waits for
// its Redis replies), and whether it holds anything at all (idle IDs must cost nothing).
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>

#include "memory_mailbox.hpp"
#include "redis_mailbox.hpp"
#include "redis_process.hpp"

namespace webchat::test {

struct MemoryFixture {
  static constexpr const char* kName = "memory";
  static constexpr int kRandomSteps = 20'000;
  MemoryMailbox mailbox;
  MailboxBackend& box() { return mailbox; }
  void settle() {}
  bool holdsNothing() const {
    return mailbox.core().activeIds() == 0 && mailbox.core().parkedCount() == 0;
  }
};

// The shared mailbox against a real redis-server (one per test process, emptied for each test).
struct RedisFixture {
  static constexpr const char* kName = "redis";
  static constexpr int kRandomSteps = 20'000;

  static RedisProcess& redis() {
    static RedisProcess process;
    return process;
  }
  static RedisOptions options() {
    std::string error;
    RedisOptions options{*parseRedisUrl(redis().socketUrl(), error)};
    return options;
  }

  boost::asio::io_context ioc;
  RedisMailbox mailbox{ioc, (redis().cli({"FLUSHALL"}), options())};

  RedisFixture() {
    runUntil([this] { return mailbox.ready(); });
  }
  ~RedisFixture() {
    mailbox.close();
    ioc.run_for(std::chrono::milliseconds(50));  // let closed connections' handlers finish
  }
  MailboxBackend& box() { return mailbox; }

  // Until every reply is in and every wake-up published meanwhile has been seen.
  void settle() {
    do {
      runUntil([this] { return mailbox.inFlight() == 0; });
      bool back = false;
      mailbox.roundTrip([&back] { back = true; });
      runUntil([&back] { return back; });
    } while (mailbox.inFlight() > 0);
  }
  bool holdsNothing() {
    settle();
    const auto& stats = mailbox.stats();
    return stats.parkedGets == 0 && stats.parkedSets == 0 && redis().cli({"DBSIZE"}) == "0";
  }

  template <typename Done>
  void runUntil(Done done) {
    runLoopUntil(ioc, done);
  }
  // Runs `ioc` until `done()`; fails the test after 10 s.
  template <typename Done>
  static void runLoopUntil(boost::asio::io_context& ioc, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      ioc.run_one_for(std::chrono::milliseconds(20));
    }
  }
};

}  // namespace webchat::test
