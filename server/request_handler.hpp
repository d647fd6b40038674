// What the server answers, decided without sockets: routing, validation, admission, CORS, the
// mailbox calls. The socket session (http_session) only moves bytes and enforces deadlines, so this
// class is what the unit tests and the fuzzer drive directly.
//
// A request passes in two steps, so that nothing is read that will be refused:
//  1. route(head): with only the request head, either answers (static files, health, metrics, every
//     error) or accepts a /sig call and reserves its admission slot; only then is the body read.
//  2. handle(call, body): runs the accepted /sig call against the mailbox; it answers at once or
//     parks until a partner, a timeout, a withdrawal (client gone) or the shutdown drain.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <boost/beast/core/error.hpp>

#include "http_types.hpp"
#include "mailbox_backend.hpp"
#include "metrics.hpp"
#include "parking_quota.hpp"
#include "server_options.hpp"
#include "sig_query.hpp"
#include "static_files.hpp"

namespace webchat {

class RequestHandler final {
 public:
  using Respond = std::function<void(Response)>;

  // A /sig call accepted on its head; its body may be read now.
  struct AcceptedCall {
    SigCommand command;
    std::string origin;  // the request's Origin header, for the CORS headers of the late answer
    std::shared_ptr<ParkingQuota::Slot> slot;  // held until the call completes or is withdrawn
  };
  using RouteResult = std::variant<Response, AcceptedCall>;

  // `onParked` is called after each request that parks, so the owner can re-arm its deadline timer.
  RequestHandler(const ServerOptions& options, MailboxBackend& mailbox, ServerMetrics& metrics,
                 std::function<void()> onParked);

  // Step 1; `client` is the client's address (the key of the per-client cap).
  RouteResult route(const RequestHead& head, const std::string& client);

  // Step 2. Calls `respond` exactly once, unless the call is withdrawn first; maybe before returning.
  // Returns the mailbox ticket while the call is parked, nullopt if it was answered already.
  std::optional<MailboxBackend::Ticket> handle(AcceptedCall call, std::string body, Millis now,
                                        Respond respond);

  const ParkingQuota& quota() const { return quota_; }

  // The client of a parked call went away: it is dropped unanswered, a set's text is never delivered.
  void withdraw(MailboxBackend::Ticket ticket) { mailbox_.withdraw(ticket); }

  // The path and query of a request target in origin form or absolute form ("http://host/p?q").
  static std::string_view originForm(std::string_view target);

  // The answer to a request the HTTP parser refused (431 for a too large head, 413 for a too large
  // body, 400 for anything malformed); the connection closes after it.
  Response answerParseError(boost::beast::error_code ec) const;
  // 429 for a connection beyond --max-connections-per-ip; the connection closes after it.
  Response answerTooManyConnections() const;

 private:
  // A 400 (or 501) for a head whose framing cannot be trusted: Host missing or repeated, a
  // Transfer-Encoding that does not end in chunked, or both it and Content-Length. Closes after.
  std::optional<Response> checkFraming(const RequestHead& head) const;
  RouteResult routeSig(const RequestHead& head, std::string_view query, const std::string& client);
  Response answerHealth() const;
  bool wouldPark(const SigCommand& command) const;  // by the mailbox's state now
  Response answerRefusal(ParkingQuota::Refusal refusal, std::string_view origin) const;
  Response answerMetrics() const;
  Response answerPreflight(const RequestHead& head) const;
  Response answerMethodNotAllowed(const char* allow) const;
  void addCors(Response& res, std::string_view origin) const;
  bool originAllowed(std::string_view origin) const;  // always, without an allow-list

  const ServerOptions& options_;
  MailboxBackend& mailbox_;
  ServerMetrics& metrics_;
  ParkingQuota quota_;
  std::optional<StaticFiles> staticFiles_;
  std::function<void()> onParked_;
};

}  // namespace webchat
