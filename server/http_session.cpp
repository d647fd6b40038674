#include "http_session.hpp"

#include <sys/socket.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>

namespace webchat {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// The first read of a request: its head and, for a typical set (an SDP offer of 2-5 KB), its whole
// body in one system call (1 KiB took three for a 2 KB set).
constexpr std::size_t kFirstReadBytes = 4096;
// A refused upload is read and thrown away for a moment before closing, so that the client reads our
// answer instead of a connection reset (what nginx calls lingering close).
constexpr std::size_t kMaxDrainBytes = 1 << 20;
constexpr auto kMaxDrainTime = std::chrono::seconds(2);
std::array<char, 4096> drainBuffer;  // contents never read: one buffer serves every session

std::string addressOf(const HttpSession::Socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

bool isHangUp(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::operation_aborted || ec == net::error::bad_descriptor;
}

}  // namespace

HttpSession::HttpSession(Socket&& socket, ServerContext& context)
    : context_(context),
      stream_(std::move(socket)),
      buffer_(context.options.maxHeaderBytes + kFirstReadBytes),
      client_(addressOf(stream_.socket())) {
  ++context_.metrics.connectionsAccepted;
  ++context_.metrics.connectionsOpen;
  ++context_.connectionsPerClient[client_];
}

HttpSession::~HttpSession() {
  --context_.metrics.connectionsOpen;
  if (const auto mine = context_.connectionsPerClient.find(client_);
      mine != context_.connectionsPerClient.end() && --mine->second == 0) {
    context_.connectionsPerClient.erase(mine);
  }
  context_.sessions.erase(this);
  if (context_.shuttingDown && context_.sessions.empty() && context_.onLastSessionGone) {
    context_.onLastSessionGone();
  }
}

void HttpSession::run() {
  context_.sessions.emplace(this, weak_from_this());
  if (context_.connectionsPerClient[client_] > context_.options.maxConnectionsPerIp) {
    // Answered without reading a request; the lingering close keeps the answer from being reset.
    phase_ = Phase::writing;
    startedAt_ = context_.now();
    bodyLeftUnread_ = true;
    return refuse(context_.handler.answerTooManyConnections());
  }
  // The first request's head deadline starts at accept: a silent new connection is a slow head.
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&HttpSession::doReadHead, shared_from_this()));
}

void HttpSession::stop() {
  switch (phase_) {
    case Phase::awaitingRequest:
    case Phase::readingHead:
    case Phase::readingBody:
      closeNow();
      break;
    case Phase::parked:   // the mailbox drain answers it
    case Phase::writing:  // onWrite sees the shutdown and closes
    case Phase::closing:
      break;
  }
}

void HttpSession::doAwaitRequest() {
  phase_ = Phase::awaitingRequest;
  if (buffer_.size() > 0) return doReadHead();  // pipelined request already here
  stream_.expires_after(std::chrono::milliseconds(context_.options.idleTimeoutMs));
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          beast::bind_front_handler(&HttpSession::onFirstBytes, shared_from_this()));
}

void HttpSession::onFirstBytes(beast::error_code ec, std::size_t bytes) {
  if (ec == beast::error::timeout) ++context_.metrics.idleTimeouts;
  if (ec) return closeNow();
  buffer_.commit(bytes);
  doReadHead();
}

void HttpSession::doReadHead() {
  phase_ = Phase::readingHead;
  acceptedAt_ = context_.now();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.options.maxHeaderBytes));
  parser_->body_limit(context_.options.maxBodyBytes);
  headBytesParsed_ = 0;
  if (buffer_.size() > 0) {
    // Usually the whole head came with the first read: parse it here, without an asynchronous
    // round (Beast's async_read_header would post its completion even so).
    beast::error_code ec;
    headBytesParsed_ = parser_->put(buffer_.data(), ec);
    buffer_.consume(headBytesParsed_);
    if (ec != http::error::need_more) return onReadHead(ec, 0);
  }
  stream_.expires_after(std::chrono::milliseconds(context_.options.headerTimeoutMs));
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::onReadHead, shared_from_this()));
}

void HttpSession::onReadHead(beast::error_code ec, std::size_t headBytes) {
  headBytes += headBytesParsed_;  // what doReadHead parsed before reading more
  startedAt_ = context_.now();
  if (ec == beast::error::timeout) {
    // The stream has closed the socket already: no answer is possible (nginx does the same).
    ++context_.metrics.headerTimeouts;
    context_.log.write(client_, "-", "-", 408, 0, startedAt_ - acceptedAt_);
    return closeNow();
  }
  if (ec && isHangUp(ec)) return closeNow();
  // The parser's own limit lets a few bytes more through; the documented limit is exact.
  if (!ec && headBytes > context_.options.maxHeaderBytes) ec = http::error::header_limit;
  if (ec) return refuse(context_.handler.answerParseError(ec));

  const auto& head = parser_->get();
  // assign(): a kept-alive connection reuses the capacity of its previous request's strings.
  method_.assign(head.method_string().data(), head.method_string().size());
  target_.assign(head.target().data(), head.target().size());
  keepAliveRequested_ = head.keep_alive();
  http10_ = head.version() < 11;

  auto routed = context_.handler.route(head, client_);
  if (auto* res = std::get_if<Response>(&routed)) {
    // Refused on its head, or framed so that what follows cannot be trusted: close after it.
    bodyLeftUnread_ = !parser_->is_done() || !res->keep_alive();
    return respond(std::move(*res));
  }
  accepted_.emplace(std::get<RequestHandler::AcceptedCall>(std::move(routed)));
  // HTTP/1.0 clients know no 100 Continue (RFC 9110 section 10.1.1: ignore the expectation).
  if (!http10_ && beast::iequals(head[http::field::expect], "100-continue")) return doContinue();
  doReadBody();
}

void HttpSession::doContinue() {
  // curl and others wait for this (or a second) before sending a body larger than 1 KiB.
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(std::chrono::milliseconds(context_.options.bodyTimeoutMs));
  net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                   beast::bind_front_handler(&HttpSession::onContinue, shared_from_this()));
}

void HttpSession::onContinue(beast::error_code ec, std::size_t) {
  if (ec) return closeNow();
  doReadBody();
}

void HttpSession::doReadBody() {
  phase_ = Phase::readingBody;
  // A body already read with the head (or none at all, as a get's) is parsed here, without an
  // asynchronous round; Beast's async_read takes over when more bytes must come.
  beast::error_code ec;
  while (!parser_->is_done() && buffer_.size() > 0) {
    const auto used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec || used == 0) break;
  }
  if (parser_->is_done() || (ec && ec != http::error::need_more)) return onReadBody(ec, 0);
  stream_.expires_after(std::chrono::milliseconds(context_.options.bodyTimeoutMs));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::onReadBody, shared_from_this()));
}

void HttpSession::onReadBody(beast::error_code ec, std::size_t) {
  if (ec == beast::error::timeout) {
    ++context_.metrics.bodyTimeouts;
    accepted_.reset();
    context_.log.write(client_, method_, target_, 408, 0, context_.now() - startedAt_);
    return closeNow();
  }
  if (ec && isHangUp(ec)) {
    accepted_.reset();
    return closeNow();
  }
  if (ec) {
    accepted_.reset();
    return refuse(context_.handler.answerParseError(ec));
  }

  std::string body = std::move(parser_->get().body());
  parser_.reset();
  auto call = std::move(*accepted_);
  accepted_.reset();

  phase_ = Phase::parked;  // until respond() runs, which may happen inside handle()
  const auto ticket = context_.handler.handle(
      std::move(call), std::move(body), context_.now(),
      [self = shared_from_this()](Response res) { self->respond(std::move(res)); });
  if (!ticket) return;
  parked_ = *ticket;
  // A parked connection keeps no read buffer (unless a pipelined request waits in it) and no
  // response head; one answered at once keeps both for its next request.
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
  std::string().swap(responseHead_);
  doWatchForHangUp();
}

void HttpSession::doWatchForHangUp() {
  // Parked: no deadline of our own (the mailbox's timeout answers), but notice a client that goes
  // away. Waiting for readability holds no buffer, which keeps a parked get small.
  stream_.expires_never();
  watching_ = true;
  stream_.socket().async_wait(
      tcp::socket::wait_read,
      beast::bind_front_handler(&HttpSession::onReadable, shared_from_this()));
}

void HttpSession::onReadable(beast::error_code ec) {
  watching_ = false;
  if (phase_ != Phase::parked) return;  // answered meanwhile; this wait was cancelled
  bool hungUp = static_cast<bool>(ec);
  if (!ec) {
    char byte;
    const auto peeked = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked > 0) return;  // a pipelined request: read it after answering this one
    hungUp = peeked == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }
  if (!hungUp) return doWatchForHangUp();

  context_.handler.withdraw(parked_);  // its callback (and its hold on us) goes away unseen
  parked_ = 0;
  context_.log.write(client_, method_, target_, 499, 0, context_.now() - startedAt_);
  closeNow();
}

void HttpSession::refuse(Response res) {
  keepAliveRequested_ = false;
  if (method_.empty()) {
    method_ = "-";
    target_ = "-";
  }
  respond(std::move(res));
}

void HttpSession::respond(Response res) {
  if (phase_ == Phase::closing) return;
  if (watching_) {
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
    watching_ = false;
  }
  phase_ = Phase::writing;
  parked_ = 0;
  ++context_.metrics.responsesByStatus[res.result_int()];
  const bool keepAlive = keepAliveRequested_ && !bodyLeftUnread_ && !context_.shuttingDown;
  res.keep_alive(keepAlive);
  // An HTTP/1.1 answer is persistent by default; an HTTP/1.0 client must be told it is.
  if (keepAlive && http10_) res.set(http::field::connection, "keep-alive");
  response_ = std::move(res);
  responseHead_.clear();
  responseHead_.reserve(256);  // a /sig answer's head in one allocation (none when kept)
  appendResponseHead(response_, responseHead_);
  const auto body = response_.body().view();
  const std::array<net::const_buffer, 2> buffers{net::buffer(responseHead_),
                                                  net::buffer(body.data(), body.size())};
  stream_.expires_after(std::chrono::milliseconds(context_.options.bodyTimeoutMs));
  net::async_write(stream_, buffers,
                   beast::bind_front_handler(&HttpSession::onWrite, shared_from_this()));
}

void HttpSession::onWrite(beast::error_code ec, std::size_t) {
  context_.log.write(client_, method_, target_, response_.result_int(), response_.body().size(),
                     context_.now() - startedAt_);
  if (ec) return closeNow();
  if (bodyLeftUnread_) return doLingeringClose();
  if (!response_.keep_alive() || context_.shuttingDown) return closeNow();

  response_ = {};
  http10_ = false;
  method_.clear();
  target_.clear();
  doAwaitRequest();
}

void HttpSession::doLingeringClose() {
  phase_ = Phase::closing;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kMaxDrainTime);
  stream_.async_read_some(net::buffer(drainBuffer),
                          beast::bind_front_handler(&HttpSession::onDrained, shared_from_this()));
}

void HttpSession::onDrained(beast::error_code ec, std::size_t bytes) {
  drainedBytes_ += bytes;
  if (ec || drainedBytes_ > kMaxDrainBytes) return closeNow();
  stream_.async_read_some(net::buffer(drainBuffer),
                          beast::bind_front_handler(&HttpSession::onDrained, shared_from_this()));
}

void HttpSession::closeNow() {
  phase_ = Phase::closing;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace webchat
