#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <vector>

#include "http_connection.hpp"
#include "scenarios.hpp"

namespace webchat::load {
namespace {

using Clock = std::chrono::steady_clock;

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// A couple of connections exchanging texts on one ID: the getter parks, the setter delivers.
struct Pair {
  Pair(net::io_context& ioc, int index)
      : getter(std::make_shared<HttpConnection>(ioc)),
        setter(std::make_shared<HttpConnection>(ioc)),
        timer(ioc),
        getRequest(formatPost("/sig?get=pair-" + std::to_string(index) + "&timeoutms=10000", "")),
        setTarget("/sig?set=pair-" + std::to_string(index)),
        index(index) {}
  std::shared_ptr<HttpConnection> getter, setter;
  net::steady_timer timer;
  std::string getRequest, setTarget;
  bool getDone = false, setDone = false;
  Clock::time_point setSentAt;
  int index;
  long slot = 0;
};

}  // namespace

int runExchange(const Endpoint& server, const Endpoint& setServer, int pairCount,
                std::size_t textBytes, double seconds, double rate) {
  net::io_context ioc{1};
  const std::string text(textBytes, 'm');
  const auto warmup = std::chrono::duration<double>(std::min(1.0, seconds / 5));
  const auto start = Clock::now();
  const auto measureFrom = start + std::chrono::duration_cast<Clock::duration>(warmup);
  const auto end = measureFrom + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(seconds));
  long exchanges = 0, failures = 0, lateSlots = 0;
  std::vector<double> latenciesUs;
  latenciesUs.reserve(1 << 20);

  std::vector<std::unique_ptr<Pair>> pairs;
  for (int p = 0; p < pairCount; ++p) {
    pairs.push_back(std::make_unique<Pair>(ioc, p));
    pairs.back()->getter->connect(server);
    pairs.back()->setter->connect(setServer);
  }

  std::function<void(Pair&)> begin;
  auto sendSet = [&](Pair& pair) {
    pair.setSentAt = Clock::now();
    pair.setter->send(formatPost(pair.setTarget, text),
                      [&](beast::error_code ec, unsigned status, const std::string&) {
                        failures += ec || (status >= 300 && status != 204);
                        pair.setDone = true;
                        if (pair.getDone) begin(pair);
                      });
  };
  begin = [&](Pair& pair) {
    const auto now = Clock::now();
    if (pair.getDone && pair.setDone && now >= measureFrom) ++exchanges;
    if (now >= end) return;
    pair.getDone = pair.setDone = false;
    pair.getter->send(pair.getRequest, [&](beast::error_code ec, unsigned status,
                                           const std::string& body) {
      const auto answered = Clock::now();
      failures += ec || !(status == 204 || (status == 200 && body.size() == text.size()));
      if (answered >= measureFrom) {
        latenciesUs.push_back(
            std::chrono::duration<double, std::micro>(answered - pair.setSentAt).count());
      }
      pair.getDone = true;
      if (pair.setDone) begin(pair);
    });
    if (rate <= 0) return sendSet(pair);  // closed loop: as fast as the server answers
    // Paced: pair p sends its k-th set at start + (k * pairs + p) / rate, so the load is even.
    const auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                 static_cast<double>(pair.slot++ * pairCount + pair.index) / rate));
    if (due < now) ++lateSlots;
    pair.timer.expires_at(due);
    pair.timer.async_wait([&](beast::error_code ec) {
      if (!ec) sendSet(pair);
    });
  };
  for (auto& pair : pairs) begin(*pair);

  const double cpuBefore = cpuSeconds();
  Clock::duration busy{};
  while (Clock::now() < end + std::chrono::seconds(2)) {
    // Busy-poll: the generator owns its core, and waking a sleeping vCPU would add its own
    // latency (up to milliseconds on VMs) to every figure it measures.
    if (ioc.stopped()) ioc.restart();
    for (int i = 0; i < 10000 && !ioc.stopped(); ++i) {
      const auto before = Clock::now();
      if (ioc.poll() > 0) busy += Clock::now() - before;  // time spent handling, not spinning
    }
    if (Clock::now() >= end && std::all_of(pairs.begin(), pairs.end(), [](const auto& p) {
          return p->getDone && p->setDone;
        })) {
      break;
    }
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpuSeconds() - cpuBefore;

  std::sort(latenciesUs.begin(), latenciesUs.end());
  auto percentile = [&](double q) {
    return latenciesUs.empty() ? 0.0 : latenciesUs[static_cast<std::size_t>(q * (latenciesUs.size() - 1))];
  };
  std::printf("exchanges_per_s=%.0f\n", exchanges / seconds);
  std::printf("requests_per_s=%.0f\n", 2.0 * exchanges / seconds);
  std::printf("latency_p50_us=%.0f\nlatency_p99_us=%.0f\n", percentile(0.5), percentile(0.99));
  std::printf("failures=%ld\nlate_slots=%ld\n", failures, lateSlots);
  std::printf("client_cpu_percent=%.0f\n", 100.0 * cpu / wall);
  std::printf("client_busy_percent=%.0f\n",
              100.0 * std::chrono::duration<double>(busy).count() / wall);
  return failures == 0 ? 0 : 1;
}

}  // namespace webchat::load
