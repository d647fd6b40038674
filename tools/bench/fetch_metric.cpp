#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sstream>

#include "scenarios.hpp"

namespace webchat::load {

double fetchMetric(const Endpoint& server, const std::string& nameWithLabels) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(server);
  http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  std::istringstream lines(res.body());
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(nameWithLabels + " ", 0) == 0) return std::stod(line.substr(nameWithLabels.size()));
  }
  return -1;
}

}  // namespace webchat::load
