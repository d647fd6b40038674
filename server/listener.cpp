#include "listener.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <cstdio>

#include "http_session.hpp"

namespace webchat {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, ServerContext& context)
    : ioc_(ioc), acceptor_(ioc), retryTimer_(ioc), context_(context) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void Listener::stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
  retryTimer_.cancel();
}

void Listener::doAccept() {
  acceptor_.async_accept(ioc_, beast::bind_front_handler(&Listener::onAccept, shared_from_this()));
}

void Listener::onAccept(beast::error_code ec, HttpSession::Socket socket) {
  if (context_.shuttingDown || ec == net::error::operation_aborted) return;
  if (ec) {
    // Typically EMFILE: the parked connections hold every descriptor. Waiting lets some complete
    // instead of spinning on a listen queue we cannot drain.
    std::fprintf(stderr, "accept failed: %s\n", ec.message().c_str());
    retryTimer_.expires_after(std::chrono::milliseconds(100));
    retryTimer_.async_wait([self = shared_from_this()](beast::error_code waitEc) {
      if (!waitEc) self->doAccept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // small answers must not wait for Nagle
  std::make_shared<HttpSession>(std::move(socket), context_)->run();
  doAccept();
}

}  // namespace webchat
