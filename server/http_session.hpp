// One client connection, Beast-example style: kept alive by the handler it has pending
// (shared_from_this), do_x/on_x pairs, a deadline on every read and write, a fresh parser with size
// limits per request. What to answer is the RequestHandler's business; this class moves bytes,
// enforces the deadlines, notices clients that hang up while parked, and writes one log line per
// request outcome.
#pragma once

#include <utility>  // before Asio/Beast: Boost 1.74 uses std::exchange without including it

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "request_handler.hpp"
#include "server_context.hpp"

namespace webchat {

class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  // The io_context's own executor, not the type-erased any_io_executor: every handler the session
  // runs would otherwise copy, move and destroy a type-erased executor (~4% of a request's CPU).
  using Executor = boost::asio::io_context::executor_type;
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

  HttpSession(Socket&& socket, ServerContext& context);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void run();
  // Shutdown: connections waiting for or reading a request close now; a parked request is left to
  // the mailbox drain (which answers it 204), a response being written completes, then closes.
  void stop();
  // Closes the connection whatever it is doing (the server is being destroyed).
  void abort() { closeNow(); }

 private:
  enum class Phase { awaitingRequest, readingHead, readingBody, parked, writing, closing };

  void doAwaitRequest();
  void onFirstBytes(boost::beast::error_code ec, std::size_t bytes);
  void doReadHead();
  void onReadHead(boost::beast::error_code ec, std::size_t bytes);
  void doContinue();
  void onContinue(boost::beast::error_code ec, std::size_t bytes);
  void doReadBody();
  void onReadBody(boost::beast::error_code ec, std::size_t bytes);
  void doWatchForHangUp();
  void onReadable(boost::beast::error_code ec);
  void respond(Response res);
  void onWrite(boost::beast::error_code ec, std::size_t bytes);
  void doLingeringClose();
  void onDrained(boost::beast::error_code ec, std::size_t bytes);
  void closeNow();

  // A request refused on a parse error or a deadline: answer, then close.
  void refuse(Response res);

  ServerContext& context_;
  boost::beast::basic_stream<boost::asio::ip::tcp, Executor> stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<RequestHandler::AcceptedCall> accepted_;
  Response response_;
  std::string responseHead_;  // response_'s status line and fields, as sent (capacity kept)
  std::string client_;  // the peer's address, key of the per-client cap

  Phase phase_ = Phase::awaitingRequest;
  MailboxBackend::Ticket parked_ = 0;
  bool watching_ = false;            // an async_wait for hang-up is pending
  bool keepAliveRequested_ = false;  // the current request allows another one after it
  bool http10_ = false;              // the current request is HTTP/1.0
  bool bodyLeftUnread_ = false;      // refused on its head: close after the answer, gracefully
  std::size_t drainedBytes_ = 0;
  std::size_t headBytesParsed_ = 0;  // of the current head, parsed before async_read_header ran

  // For the access log line of the current request.
  std::string method_;
  std::string target_;
  Millis startedAt_ = 0;   // the request head arrived
  Millis acceptedAt_ = 0;  // started waiting for the request head
};

}  // namespace webchat
