#include <boost/asio/write.hpp>
#include <iostream>
#include <vector>

#include "http_connection.hpp"
#include "scenarios.hpp"

namespace webchat::load {

int runHoldStatic(const Endpoint& server, int count, const std::string& path) {
  net::io_context ioc{1};
  const std::string request = formatGet(path);
  std::vector<tcp::socket> sockets;
  sockets.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto& socket = sockets.emplace_back(ioc);
    socket.open(server.protocol());
    // Set before connecting, so the window the server may fill stays this small.
    socket.set_option(net::socket_base::receive_buffer_size(4096));
    socket.connect(server);
    net::write(socket, net::buffer(request));
  }
  std::cout << "holding " << count << " connections that read nothing" << std::endl;
  for (;;) runFor(ioc, std::chrono::seconds(1));  // until killed, never reading
}

}  // namespace webchat::load
