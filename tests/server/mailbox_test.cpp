// The mailbox rules, run against every backend (MAILBOX_FIXTURES): ordering, exactly-once
// delivery, timeouts on the caller's clock, withdrawal, re-entrant callbacks, and no memory for idle
// IDs. Each call is followed by letting the backend settle (a shared backend waits for Redis).
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mailbox_fixtures.hpp"

using webchat::MailboxBackend;
using webchat::Millis;
using namespace webchat::test;

namespace {

// The backend of one fixture, with the calls of the in-memory core's interface: callbacks take the
// text (nullopt: timed out) or whether the set was taken; every call settles before returning.
template <typename Fixture>
class Backend {
 public:
  using OnGetDone = std::function<void(std::optional<std::string>)>;
  using OnSetDone = std::function<void(bool)>;
  using Outcome = MailboxBackend::Outcome;

  MailboxBackend::Ticket get(std::string_view id, Millis now, Millis timeout, OnGetDone done) {
    return settled(fixture_.box().get(id, now, timeout, [done](Outcome outcome, std::string text) {
      CHECK(outcome != Outcome::failed);
      done(outcome == Outcome::delivered ? std::optional(std::move(text)) : std::nullopt);
    }));
  }
  MailboxBackend::Ticket set(std::string_view id, std::string text, Millis now, Millis timeout,
                             OnSetDone done) {
    return settled(fixture_.box().set(id, std::move(text), now, timeout,
                                      [done](Outcome outcome, const std::string& reason) {
                                        CHECK(reason == "");
                                        done(outcome == Outcome::delivered);
                                      }));
  }
  void withdraw(MailboxBackend::Ticket ticket) { settled((fixture_.box().withdraw(ticket), 0)); }
  void expire(Millis now) { settled((fixture_.box().expire(now), 0)); }
  void drainAll() { settled((fixture_.box().drainAll(), 0)); }
  std::optional<Millis> nextDeadline() const { return fixture_.mailbox.nextDeadline(); }
  bool isParked(MailboxBackend::Ticket ticket) const { return fixture_.mailbox.isParked(ticket); }
  const MailboxBackend::Stats& stats() const { return fixture_.mailbox.stats(); }
  std::size_t parkedCount() const { return stats().parkedGets + stats().parkedSets; }
  bool holdsNothing() { return fixture_.holdsNothing(); }

 private:
  // Calls made from inside a callback are settled by the outermost call.
  template <typename T>
  T settled(T value) {
    if (depth_ == 0) {
      ++depth_;
      fixture_.settle();
      --depth_;
    }
    return value;
  }
  Fixture fixture_;
  int depth_ = 0;
};

// Records what a request was answered, if anything.
struct GetResult {
  bool done = false;
  std::optional<std::string> text;
  std::function<void(std::optional<std::string>)> callback() {
    return [this](std::optional<std::string> t) {
      CHECK_FALSE(done);  // exactly once
      done = true;
      text = std::move(t);
    };
  }
};

struct SetResult {
  bool done = false;
  bool taken = false;
  std::function<void(bool)> callback() {
    return [this](bool t) {
      CHECK_FALSE(done);
      done = true;
      taken = t;
    };
  }
};

constexpr Millis kMinute = 60'000;

}  // namespace

TEMPLATE_TEST_CASE("a parked get receives the next set's text, and the set hears it was taken", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  GetResult get;
  SetResult set;
  mailbox.get("room", 0, kMinute, get.callback());
  CHECK_FALSE(get.done);
  CHECK(mailbox.stats().parkedGets == 1);

  mailbox.set("room", "hello world\n", 5, kMinute, set.callback());
  CHECK(get.done);
  CHECK(get.text == "hello world\n");
  CHECK(set.done);
  CHECK(set.taken);
  CHECK(mailbox.stats().deliveries == 1);
  CHECK(mailbox.parkedCount() == 0);
}

TEMPLATE_TEST_CASE("sets queue in arrival order and each get takes the oldest", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  std::vector<SetResult> sets(3);
  for (int i = 0; i < 3; ++i) {
    mailbox.set("id", "text" + std::to_string(i), i, kMinute, sets[i].callback());
  }
  CHECK(mailbox.stats().parkedSets == 3);
  CHECK(mailbox.stats().bytesParked == 15);
  for (int i = 0; i < 3; ++i) {
    GetResult get;
    mailbox.get("id", 10, 0, get.callback());
    REQUIRE(get.done);
    CHECK(get.text == "text" + std::to_string(i));
    CHECK(sets[i].taken);
  }
  GetResult empty;
  mailbox.get("id", 10, 0, empty.callback());
  CHECK(empty.done);
  CHECK_FALSE(empty.text);
  CHECK(mailbox.stats().bytesParked == 0);
}

TEMPLATE_TEST_CASE("parked gets on one ID are served in arrival order, other IDs untouched", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  GetResult first, second, other;
  mailbox.get("a", 0, kMinute, first.callback());
  mailbox.get("a", 1, kMinute, second.callback());
  mailbox.get("b", 2, kMinute, other.callback());
  SetResult set1, set2;
  mailbox.set("a", "1", 3, kMinute, set1.callback());
  CHECK(first.text == "1");
  CHECK_FALSE(second.done);
  mailbox.set("a", "2", 4, kMinute, set2.callback());
  CHECK(second.text == "2");
  CHECK_FALSE(other.done);
}

TEMPLATE_TEST_CASE("a get times out with nothing, a set times out untaken and its text is dropped", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  GetResult get;
  SetResult set;
  mailbox.get("g", 100, 1000, get.callback());
  mailbox.set("s", "dropped", 100, 2000, set.callback());
  CHECK(mailbox.nextDeadline() == 1100);

  mailbox.expire(1099);
  CHECK_FALSE(get.done);
  mailbox.expire(1100);
  CHECK(get.done);
  CHECK_FALSE(get.text);
  CHECK(mailbox.nextDeadline() == 2100);

  mailbox.expire(5000);
  CHECK(set.done);
  CHECK_FALSE(set.taken);
  CHECK_FALSE(mailbox.nextDeadline());

  GetResult late;
  mailbox.get("s", 5000, 0, late.callback());
  CHECK_FALSE(late.text);  // the dropped text is gone for good
  CHECK(mailbox.stats().getTimeouts == 2);
  CHECK(mailbox.stats().setTimeouts == 1);
}

TEMPLATE_TEST_CASE("timeout 0: a get answers at once, a set is taken only by a get already parked", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  GetResult get;
  mailbox.get("x", 0, 0, get.callback());
  CHECK(get.done);
  CHECK_FALSE(get.text);

  SetResult unclaimed;
  mailbox.set("x", "t", 0, 0, unclaimed.callback());
  CHECK(unclaimed.done);
  CHECK_FALSE(unclaimed.taken);
  CHECK(mailbox.parkedCount() == 0);

  GetResult parked;
  SetResult claimed;
  mailbox.get("x", 0, kMinute, parked.callback());
  mailbox.set("x", "t", 0, 0, claimed.callback());
  CHECK(claimed.taken);
  CHECK(parked.text == "t");
}

TEMPLATE_TEST_CASE("a withdrawn set is never delivered and its callback never runs", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  SetResult first, second;
  const auto ticket = mailbox.set("id", "withdrawn", 0, kMinute, first.callback());
  mailbox.set("id", "kept", 1, kMinute, second.callback());
  REQUIRE(mailbox.isParked(ticket));
  mailbox.withdraw(ticket);
  CHECK_FALSE(mailbox.isParked(ticket));
  CHECK(mailbox.stats().withdrawals == 1);
  CHECK(mailbox.stats().bytesParked == 4);

  GetResult get;
  mailbox.get("id", 2, 0, get.callback());
  CHECK(get.text == "kept");
  mailbox.expire(10 * kMinute);
  CHECK_FALSE(first.done);
  mailbox.withdraw(ticket);  // twice: nothing happens
  CHECK(mailbox.stats().withdrawals == 1);
}

TEMPLATE_TEST_CASE("a withdrawn get takes nothing: the next set waits for the next get", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  GetResult gone, next;
  const auto ticket = mailbox.get("id", 0, kMinute, gone.callback());
  mailbox.withdraw(ticket);
  SetResult set;
  mailbox.set("id", "text", 1, kMinute, set.callback());
  CHECK_FALSE(set.done);
  CHECK_FALSE(gone.done);
  mailbox.get("id", 2, kMinute, next.callback());
  CHECK(next.text == "text");
  CHECK(set.taken);
}

TEMPLATE_TEST_CASE("a withdrawn request in the middle of a queue leaves the order of the rest intact", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  std::vector<SetResult> sets(5);
  std::vector<MailboxBackend::Ticket> tickets;
  for (int i = 0; i < 5; ++i) {
    tickets.push_back(mailbox.set("q", std::to_string(i), i, kMinute, sets[i].callback()));
  }
  mailbox.withdraw(tickets[2]);
  mailbox.withdraw(tickets[0]);
  mailbox.withdraw(tickets[4]);
  std::vector<std::string> received;
  for (int i = 0; i < 2; ++i) {
    GetResult get;
    mailbox.get("q", 10, 0, get.callback());
    received.push_back(*get.text);
  }
  CHECK(received == std::vector<std::string>{"1", "3"});
  CHECK(mailbox.holdsNothing());
}

// Sizes around allocator size classes (Redis keeps a few bytes past one in the queue entry).
TEMPLATE_TEST_CASE("texts of any size and bytes come back whole, and withdrawing one spares the rest", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  std::vector<std::string> texts;
  std::vector<MailboxBackend::Ticket> tickets;
  for (const std::size_t size : {1, 4090, 4091, 4096, 4096, 4154, 4155, 8192, 8200, 20000}) {
    std::string text(size, ' ');
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>((i * 7 + texts.size()) % 256);
    tickets.push_back(mailbox.set("sizes", text, 0, kMinute, [](bool) {}));
    texts.push_back(std::move(text));
  }
  mailbox.withdraw(tickets[3]);
  texts.erase(texts.begin() + 3);
  for (const auto& text : texts) {
    GetResult get;
    mailbox.get("sizes", 10, 0, get.callback());
    CHECK((get.text && *get.text == text));
  }
  CHECK(mailbox.holdsNothing());
}

TEMPLATE_TEST_CASE("IDs with nothing parked cost no memory", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  for (int i = 0; i < 1000; ++i) {
    GetResult get;
    SetResult set;
    const auto id = "id" + std::to_string(i);
    mailbox.get(id, i, 0, get.callback());                     // answered at once
    mailbox.set(id, "x", i, 0, set.callback());                // dropped at once
    mailbox.withdraw(mailbox.get(id, i, kMinute, [](auto) {}));  // parked, then withdrawn
    mailbox.set(id, "y", i, 5, [](bool) {});                   // parked, then expired
  }
  mailbox.expire(kMinute);
  CHECK(mailbox.holdsNothing());
  CHECK(mailbox.parkedCount() == 0);
  CHECK_FALSE(mailbox.nextDeadline());
  CHECK(mailbox.stats().bytesParked == 0);
}

TEMPLATE_TEST_CASE("drainAll answers every parked request as timed out", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  GetResult get;
  SetResult set;
  mailbox.get("a", 0, kMinute, get.callback());
  mailbox.set("b", "t", 0, kMinute, set.callback());
  mailbox.drainAll();
  CHECK(get.done);
  CHECK_FALSE(get.text);
  CHECK(set.done);
  CHECK_FALSE(set.taken);
  CHECK(mailbox.parkedCount() == 0);
}

TEMPLATE_TEST_CASE("callbacks may call back into the mailbox", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  std::vector<std::string> log;

  SECTION("a get's callback parks the next get on the same ID (a polling loop)") {
    std::function<void(std::optional<std::string>)> poll = [&](std::optional<std::string> text) {
      log.push_back(text.value_or("-"));
      if (log.size() < 3) mailbox.get("loop", 0, kMinute, poll);
    };
    mailbox.get("loop", 0, kMinute, poll);
    mailbox.set("loop", "a", 0, kMinute, [](bool) {});
    mailbox.set("loop", "b", 0, kMinute, [](bool) {});
    mailbox.set("loop", "c", 0, kMinute, [](bool) {});
    mailbox.set("loop", "d", 0, kMinute, [](bool) {});  // no poll left: parks
    CHECK(log == std::vector<std::string>{"a", "b", "c"});
    CHECK(mailbox.stats().parkedSets == 1);
  }

  SECTION("an expiring request's callback withdraws another that is also due") {
    MailboxBackend::Ticket second = 0;
    mailbox.get("x", 0, 10, [&](auto) {
      log.push_back("first");
      mailbox.withdraw(second);
    });
    second = mailbox.get("y", 0, 10, [&](auto) { log.push_back("second"); });
    mailbox.expire(100);
    CHECK(log == std::vector<std::string>{"first"});
    CHECK(mailbox.parkedCount() == 0);
  }

  SECTION("a set's callback sets again; the answering get sees consistent counters") {
    mailbox.get("r", 0, kMinute, [&](std::optional<std::string> text) {
      log.push_back(*text);
      CHECK(mailbox.stats().parkedGets == 0);
    });
    mailbox.set("r", "one", 0, kMinute, [&](bool taken) {
      CHECK(taken);
      mailbox.set("r", "two", 0, kMinute, [](bool) {});
    });
    CHECK(log == std::vector<std::string>{"one"});
    CHECK(mailbox.stats().parkedSets == 1);
    CHECK(mailbox.stats().bytesParked == 3);
  }
}

TEMPLATE_TEST_CASE("every text is delivered exactly once under a random mix of operations", "[mailbox]", MAILBOX_FIXTURES) {
  Backend<TestType> mailbox;
  std::uint64_t seed = 12345;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  std::vector<int> deliveredCount(20000, 0);
  std::vector<int> takenReported(20000, 0);
  std::vector<MailboxBackend::Ticket> parked;
  int sent = 0;
  Millis now = 0;
  for (int step = 0; step < TestType::kRandomSteps; ++step) {
    now += static_cast<Millis>(next(5));
    const auto id = "id" + std::to_string(next(8));
    switch (next(4)) {
      case 0: {
        const int n = sent++;
        parked.push_back(mailbox.set(id, std::to_string(n), now, static_cast<Millis>(next(200)),
                                     [&, n](bool taken) { takenReported[n] += taken ? 1 : 100; }));
        break;
      }
      case 1:
        parked.push_back(mailbox.get(id, now, static_cast<Millis>(next(200)),
                                     [&](std::optional<std::string> text) {
                                       if (text) ++deliveredCount[std::stoi(*text)];
                                     }));
        break;
      case 2:
        if (!parked.empty()) mailbox.withdraw(parked[next(parked.size())]);
        break;
      default:
        mailbox.expire(now);
    }
  }
  mailbox.drainAll();
  for (int n = 0; n < sent; ++n) {
    INFO("text " << n);
    CHECK(deliveredCount[n] <= 1);
    // Taken exactly when delivered; a withdrawn set reports nothing, an expired one reports false.
    if (deliveredCount[n] == 1) CHECK(takenReported[n] == 1);
    else CHECK((takenReported[n] == 0 || takenReported[n] == 100));
  }
  CHECK(mailbox.stats().deliveries ==
        static_cast<std::uint64_t>(std::count(deliveredCount.begin(), deliveredCount.end(), 1)));
  CHECK(mailbox.holdsNothing());
}

TEST_CASE("two instances sharing Redis: every text is delivered exactly once under a random mix") {
  using Outcome = MailboxBackend::Outcome;
  RedisFixture::redis().cli({"FLUSHALL"});
  boost::asio::io_context ioc;
  webchat::RedisMailbox one{ioc, RedisFixture::options()}, two{ioc, RedisFixture::options()};
  webchat::RedisMailbox* instances[] = {&one, &two};
  RedisFixture::runLoopUntil(ioc, [&] { return one.ready() && two.ready(); });
  // Wake-ups cross instances: settled once neither has anything in flight after a round trip each.
  auto settle = [&] {
    do {
      RedisFixture::runLoopUntil(ioc, [&] { return one.inFlight() + two.inFlight() == 0; });
      int back = 0;
      for (auto* instance : instances) instance->roundTrip([&back] { ++back; });
      RedisFixture::runLoopUntil(ioc, [&back] { return back == 2; });
    } while (one.inFlight() + two.inFlight() > 0);
  };

  std::uint64_t seed = 777;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  constexpr int kSteps = 6000;
  std::vector<int> delivered(kSteps, 0), taken(kSteps, 0);
  struct Request {
    webchat::RedisMailbox* owner;
    MailboxBackend::Ticket ticket;
    bool isGet;
  };
  std::vector<Request> parked;
  int sent = 0, getsWithdrawn = 0, setsWithdrawn = 0;
  Millis now = 0;
  for (int step = 0; step < kSteps; ++step) {
    now += static_cast<Millis>(next(5));
    auto* instance = instances[next(2)];
    const auto id = "id" + std::to_string(next(6));
    switch (next(4)) {
      case 0: {
        const int n = sent++;
        parked.push_back({instance, instance->set(id, std::to_string(n), now,
                                                    static_cast<Millis>(next(200)),
                                                    [&, n](Outcome outcome, const std::string&) {
                                                      CHECK(outcome != Outcome::failed);
                                                      taken[n] += outcome == Outcome::delivered ? 1 : 100;
                                                    }),
                          false});
        break;
      }
      case 1:
        parked.push_back({instance, instance->get(id, now, static_cast<Millis>(next(200)),
                                                    [&](Outcome outcome, const std::string& text) {
                                                      CHECK(outcome != Outcome::failed);
                                                      if (outcome == Outcome::delivered) {
                                                        ++delivered[std::stoi(text)];
                                                      }
                                                    }),
                          true});
        break;
      case 2:
        if (!parked.empty()) {
          const auto& request = parked[next(parked.size())];
          if (request.owner->isParked(request.ticket)) ++(request.isGet ? getsWithdrawn : setsWithdrawn);
          request.owner->withdraw(request.ticket);
        }
        break;
      default:
        one.expire(now);
        two.expire(now);
    }
    // Settle only now and then, so requests of both instances race inside Redis.
    if (next(8) == 0) settle();
  }
  settle();
  one.drainAll();
  two.drainAll();
  settle();
  // Across instances a withdrawal can reach Redis just after its partner took the text (as a client
  // may hang up while its answer is on the way): such a text counts as delivered to a gone client.
  // Nothing is ever delivered twice, reported taken without a taker, or reported timed out once taken.
  int takenByGoneGets = 0, takenFromGoneSets = 0;
  for (int n = 0; n < sent; ++n) {
    INFO("text " << n);
    CHECK(delivered[n] <= 1);
    if (delivered[n] == 1) {
      CHECK((taken[n] == 1 || taken[n] == 0));
      takenFromGoneSets += taken[n] == 0;
    } else {
      CHECK((taken[n] == 0 || taken[n] == 100 || taken[n] == 1));
      takenByGoneGets += taken[n] == 1;
    }
  }
  CHECK(takenByGoneGets <= getsWithdrawn);
  CHECK(takenFromGoneSets <= setsWithdrawn);
  CHECK(one.stats().deliveries + two.stats().deliveries ==
        static_cast<std::uint64_t>(std::count(delivered.begin(), delivered.end(), 1)));
  CHECK(RedisFixture::redis().cli({"DBSIZE"}) == "0");
  one.close();
  two.close();
  ioc.run_for(std::chrono::milliseconds(50));
}
