#include "http_connection.hpp"

#include <boost/asio/write.hpp>

namespace webchat::load {

std::string formatPost(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string formatGet(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

void runFor(net::io_context& ioc, std::chrono::milliseconds duration) {
  if (ioc.stopped()) ioc.restart();
  ioc.run_for(duration);
}

void HttpConnection::connect(const tcp::endpoint& server) {
  socket_.connect(server);
  socket_.set_option(tcp::no_delay(true));
}

void HttpConnection::send(std::string request, Done done) {
  request_ = std::move(request);
  done_ = std::move(done);
  net::async_write(socket_, net::buffer(request_),
                   beast::bind_front_handler(&HttpConnection::onWrite, shared_from_this()));
}

void HttpConnection::onWrite(beast::error_code ec, std::size_t) {
  if (ec) return done_(ec, 0, {});
  parser_.emplace();
  parser_->body_limit(16 << 20);
  http::async_read(socket_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpConnection::onRead, shared_from_this()));
}

void HttpConnection::onRead(beast::error_code ec, std::size_t) {
  if (ec) return done_(ec, 0, {});
  const auto& res = parser_->get();
  // Move the callback out first: it may send the next request on this connection.
  auto done = std::move(done_);
  done(ec, res.result_int(), res.body());
}

}  // namespace webchat::load
