// One keep-alive HTTP/1.1 client connection for the load tool: one request at a time, asynchronous,
// Beast parsing the answers. Requests are pre-formatted strings, so the tool spends its time on I/O.
#pragma once

#include <utility>  // before Asio/Beast: Boost 1.74 uses std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <memory>
#include <string>

namespace webchat::load {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// "POST <target> HTTP/1.1" with Host, Content-Length and keep-alive.
std::string formatPost(const std::string& target, const std::string& body);
std::string formatGet(const std::string& target);

// Runs `ioc` for a while, even after it ran out of work before.
void runFor(net::io_context& ioc, std::chrono::milliseconds duration);

class HttpConnection final : public std::enable_shared_from_this<HttpConnection> {
 public:
  // status 0: the connection failed (ec says why); body is the answer's body.
  using Done = std::function<void(beast::error_code ec, unsigned status, const std::string& body)>;

  explicit HttpConnection(net::io_context& ioc) : socket_(ioc) {}
  // Blocking connect (loopback: immediate), with TCP_NODELAY like a browser.
  void connect(const tcp::endpoint& server);
  void send(std::string request, Done done);
  tcp::socket& socket() { return socket_; }

 private:
  void onWrite(beast::error_code ec, std::size_t);
  void onRead(beast::error_code ec, std::size_t);

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Done done_;
};

}  // namespace webchat::load
