#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <iostream>
#include <vector>

#include "http_connection.hpp"
#include "scenarios.hpp"

namespace webchat::load {
namespace {

// One attacker connection: trickles header lines, notices when the server hangs up.
struct SlowClient {
  explicit SlowClient(net::io_context& ioc) : socket(ioc) {}
  tcp::socket socket;
  std::array<char, 512> sink;
  bool cut = false;
};

}  // namespace

int runSlowloris(const Endpoint& server, int count, int intervalMs, int giveUpMs) {
  net::io_context ioc{1};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<SlowClient>> clients;
  int cut = 0;
  static const std::string head = "POST /sig?get=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  static const std::string line = "X-Slow: 1\r\n";

  std::function<void(SlowClient&)> watch = [&](SlowClient& client) {
    client.socket.async_read_some(net::buffer(client.sink), [&](beast::error_code ec, std::size_t) {
      if (!ec) return watch(client);  // a 408 answer: keep reading until the close
      if (!client.cut) {
        client.cut = true;
        ++cut;
      }
    });
  };
  for (int i = 0; i < count; ++i) {
    clients.push_back(std::make_unique<SlowClient>(ioc));
    clients.back()->socket.connect(server);
    net::write(clients.back()->socket, net::buffer(head));
    watch(*clients.back());
  }

  net::steady_timer trickle(ioc);
  std::function<void()> tick = [&] {
    for (auto& client : clients) {
      beast::error_code ignored;
      if (!client->cut) net::write(client->socket, net::buffer(line), ignored);
    }
    trickle.expires_after(std::chrono::milliseconds(intervalMs));
    trickle.async_wait([&](beast::error_code ec) {
      if (!ec) tick();
    });
  };
  tick();

  const auto giveUp = start + std::chrono::milliseconds(giveUpMs);
  while (cut < count && std::chrono::steady_clock::now() < giveUp) {
    runFor(ioc, std::chrono::milliseconds(20));
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  std::cout << "cut " << cut << " of " << count << " slow connections in " << elapsed.count()
            << " ms" << std::endl;
  return cut == count ? 0 : 1;
}

}  // namespace webchat::load
