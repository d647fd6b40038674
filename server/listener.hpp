// Accepts connections and hands each to a new HttpSession.
#pragma once

#include <utility>  // before Asio/Beast: Boost 1.74 uses std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "server_context.hpp"

namespace webchat {

class Listener final : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens at once (throws boost::system::system_error when the address is unusable).
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
           ServerContext& context);

  boost::asio::ip::tcp::endpoint localEndpoint() const { return acceptor_.local_endpoint(); }
  void run() { doAccept(); }
  void stop();

 private:
  void doAccept();
  // The socket runs on the io_context's own executor (see HttpSession::Executor).
  void onAccept(boost::beast::error_code ec,
                boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                 boost::asio::io_context::executor_type>
                    socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retryTimer_;  // out of file descriptors: try again a little later
  ServerContext& context_;
};

}  // namespace webchat
