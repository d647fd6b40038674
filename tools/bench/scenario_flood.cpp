#include <iostream>
#include <map>
#include <random>
#include <vector>

#include "http_connection.hpp"
#include "scenarios.hpp"

namespace webchat::load {

int runFlood(const Endpoint& server, int count, std::size_t textBytes) {
  net::io_context ioc{1};
  const std::string text(textBytes, 'x');
  std::mt19937_64 random(std::random_device{}());
  std::map<unsigned, int> statuses;
  int answered = 0;

  std::vector<std::shared_ptr<HttpConnection>> connections;
  for (int i = 0; i < count; ++i) {
    connections.push_back(std::make_shared<HttpConnection>(ioc));
    connections.back()->connect(server);
  }
  // All at once: the bodies are in flight together, which is what the byte budget must withstand.
  for (auto& connection : connections) {
    connection->send(formatPost("/sig?set=flood-" + std::to_string(random()), text),
                     [&](beast::error_code, unsigned status, const std::string&) {
                       ++statuses[status];
                       ++answered;
                     });
  }
  std::cout << "sent " << count << " sets of " << textBytes << " bytes" << std::endl;
  for (;;) {  // until killed: parked sets must stay parked, their connections open
    const int before = answered;
    runFor(ioc, std::chrono::milliseconds(500));
    if (answered != before) {
      std::cout << "answered " << answered << ":";
      for (const auto& [status, n] : statuses) std::cout << ' ' << status << "=" << n;
      std::cout << std::endl;
    }
  }
}

}  // namespace webchat::load
