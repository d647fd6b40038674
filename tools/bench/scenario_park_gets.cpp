#include <chrono>
#include <iostream>
#include <vector>

#include "http_connection.hpp"
#include "scenarios.hpp"

namespace webchat::load {

int runParkGets(const Endpoint& server, const Endpoint& setServer, int count, bool hold,
                const std::string& idPrefix) {
  net::io_context ioc{1};
  std::vector<unsigned> statuses(count, 0);
  std::vector<std::string> texts(count);
  int answered = 0;

  std::vector<std::shared_ptr<HttpConnection>> getters;
  getters.reserve(count);
  for (int i = 0; i < count; ++i) {
    auto connection = std::make_shared<HttpConnection>(ioc);
    connection->connect(server);
    connection->send(formatPost("/sig?get=" + idPrefix + std::to_string(i) + "&timeoutms=600000", ""),
                     [&, i](beast::error_code, unsigned status, const std::string& body) {
                       statuses[i] = status;
                       texts[i] = body;
                       ++answered;
                     });
    getters.push_back(std::move(connection));
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (fetchMetric(server, "webchat_parked_gets") < count) {
    runFor(ioc, std::chrono::milliseconds(20));
    if (std::chrono::steady_clock::now() > deadline || answered > 0) {
      std::cout << "only " << fetchMetric(server, "webchat_parked_gets") << " of " << count
                << " gets parked (" << answered << " answered early)" << std::endl;
      return 1;
    }
  }
  std::cout << "parked " << count << std::endl;
  if (hold) {
    std::string line;
    std::getline(std::cin, line);
  }

  // Serve them over a few keep-alive connections, as many clients would.
  constexpr int kSetters = 32;
  int setsOk = 0;
  std::vector<std::shared_ptr<HttpConnection>> setters;
  std::function<void(int, int)> sendSet = [&](int setter, int index) {
    if (index >= count) return;
    setters[setter]->send(
        formatPost("/sig?set=" + idPrefix + std::to_string(index), "text-" + std::to_string(index)),
        [&, setter, index](beast::error_code, unsigned status, const std::string&) {
          setsOk += status == 200;
          sendSet(setter, index + kSetters);
        });
  };
  for (int s = 0; s < kSetters; ++s) {
    setters.push_back(std::make_shared<HttpConnection>(ioc));
    setters.back()->connect(setServer);
    sendSet(s, s);
  }
  while ((answered < count || setsOk < count) && std::chrono::steady_clock::now() < deadline) {
    runFor(ioc, std::chrono::milliseconds(50));
  }

  int correct = 0;
  for (int i = 0; i < count; ++i) correct += statuses[i] == 200 && texts[i] == "text-" + std::to_string(i);
  std::cout << "served " << correct << " of " << count << " correctly; " << setsOk << " sets taken"
            << std::endl;
  return correct == count && setsOk == count ? 0 : 1;
}

}  // namespace webchat::load
