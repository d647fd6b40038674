#include "request_handler.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace webchat {
namespace {

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Bytes to reserve for a body before reading it: its announced length, or the most it may grow to.
std::size_t expectedBodyBytes(const RequestHead& head, std::size_t maxBody) {
  const auto length = head[http::field::content_length];
  if (length.empty()) {
    return head[http::field::transfer_encoding].empty() ? 0 : maxBody;
  }
  // The parser has already checked it is a number; it may still exceed the limit (413 then).
  std::size_t value = 0;
  for (char c : length) {
    if (value > maxBody) break;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

// The transfer codings of a Transfer-Encoding value, in order, lower-cased, without parameters.
std::vector<std::string> transferCodings(std::string_view value) {
  std::vector<std::string> codings;
  while (!value.empty()) {
    const auto comma = value.find(',');
    auto item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty()) continue;
    std::string coding(item);
    for (auto& c : coding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    codings.push_back(std::move(coding));
  }
  return codings;
}

// A client's text quoted in a one-line error: printable ASCII only, and not too long.
std::string sanitizedForMessage(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

RequestHandler::RequestHandler(const ServerOptions& options, MailboxBackend& mailbox,
                               ServerMetrics& metrics, std::function<void()> onParked)
    : options_(options),
      mailbox_(mailbox),
      metrics_(metrics),
      quota_({options.maxParked, options.maxParkedPerIp, options.maxParkedBytes,
              options.maxParkedBytesPerIp}),
      onParked_(std::move(onParked)) {
  if (!options.webRoot.empty()) staticFiles_.emplace(options.webRoot);
}

RequestHandler::RouteResult RequestHandler::route(const RequestHead& head,
                                                  const std::string& client) {
  if (auto refused = checkFraming(head)) return std::move(*refused);
  const auto target = originForm(view(head.target()));
  const auto question = target.find('?');
  auto path = target.substr(0, question);
  if (path.empty()) path = "/";  // "http://host" or "http://host?q" in absolute form
  const auto query = question == std::string_view::npos ? std::string_view()
                                                         : target.substr(question + 1);
  const auto origin = view(head[http::field::origin]);
  const auto method = head.method();

  if (method == http::verb::options) {
    return answerPreflight(head);
  }
  if (path == "/sig") {
    if (method != http::verb::post) {
      Response res = answerMethodNotAllowed("POST, OPTIONS");
      addCors(res, origin);
      return res;
    }
    return routeSig(head, query, client);
  }

  Response res;
  if (method != http::verb::get && method != http::verb::head) {
    res = answerMethodNotAllowed("GET, HEAD, OPTIONS");
  } else if (path == "/healthz") {
    res = answerHealth();
  } else if (path == "/metrics") {
    res = answerMetrics();
  } else if (path == "/config") {
    res = answerIceConfig(options_.ice);
  } else if (staticFiles_) {
    res = staticFiles_->serve(head, path);
  } else {
    res = textResponse(http::status::not_found, "not found (this server has no --web-root)");
  }
  if (method == http::verb::head && res.has_content_length() && !res.body().empty()) {
    const auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  addCors(res, origin);
  return res;
}

RequestHandler::RouteResult RequestHandler::routeSig(const RequestHead& head,
                                                     std::string_view query,
                                                     const std::string& client) {
  const auto origin = view(head[http::field::origin]);
  auto refuse = [&](http::status status, std::string message) {
    Response res = textResponse(status, std::move(message));
    addCors(res, origin);
    return res;
  };

  // A browser sends any simple POST, whatever CORS later says about reading the answer: a call from
  // an origin outside the allow-list must not run at all. (No Origin: not a browser's CORS call.)
  if (!origin.empty() && !originAllowed(origin)) {
    return refuse(http::status::forbidden,
                  "origin not allowed: " + sanitizedForMessage(origin));
  }

  auto parsed = parseSigQuery(query);
  if (auto* error = std::get_if<SigQueryError>(&parsed)) {
    return refuse(http::status::bad_request, error->message);
  }
  const std::size_t bodyBytes = expectedBodyBytes(head, options_.maxBodyBytes);
  if (bodyBytes > options_.maxBodyBytes) {
    return refuse(http::status::payload_too_large,
                  "body larger than " + std::to_string(options_.maxBodyBytes) + " bytes");
  }

  // Whether it would park by the state seen now: only to refuse early a client already at a cap,
  // before its body is sent. Whether it parks is decided again once the body is in (handle()).
  const auto& command = std::get<SigCommand>(parsed);
  ParkingQuota::Refusal refusal;
  auto slot = quota_.admit(client, bodyBytes, wouldPark(command), mailbox_.stats().bytesParked,
                           refusal);
  if (refusal != ParkingQuota::Refusal::none) return answerRefusal(refusal, origin);
  return AcceptedCall{std::get<SigCommand>(std::move(parsed)), std::string(origin),
                      std::move(slot)};
}

bool RequestHandler::wouldPark(const SigCommand& command) const {
  return command.timeoutMs > 0 && (command.kind == SigCommand::Kind::get
                                       ? !mailbox_.hasParkedSet(command.id)
                                       : !mailbox_.hasParkedGet(command.id));
}

Response RequestHandler::answerRefusal(ParkingQuota::Refusal refusal, std::string_view origin) const {
  Response res;
  switch (refusal) {
    case ParkingQuota::Refusal::perClientCap:
      res = textResponse(http::status::too_many_requests,
                         "too many parked requests from your address (limit " +
                             std::to_string(options_.maxParkedPerIp) + ")");
      break;
    case ParkingQuota::Refusal::perClientBytes:
      res = textResponse(http::status::too_many_requests,
                         "your address holds too many bytes of texts (limit " +
                             std::to_string(options_.maxParkedBytesPerIp) + ")");
      break;
    case ParkingQuota::Refusal::globalCap:
      res = textResponse(http::status::service_unavailable,
                         "server busy: too many parked requests (limit " +
                             std::to_string(options_.maxParked) + ")");
      break;
    case ParkingQuota::Refusal::byteBudget:
    case ParkingQuota::Refusal::none:
      res = textResponse(http::status::service_unavailable,
                         "server busy: memory budget for parked texts is full");
      break;
  }
  addCors(res, origin);
  return res;
}

std::optional<MailboxBackend::Ticket> RequestHandler::handle(AcceptedCall call, std::string body,
                                                             Millis now, Respond respond) {
  // Whether it parks is decided now, from the state now: the partner seen on its head may be gone,
  // or one may have come, while its body was on the way.
  const bool isGet = call.command.kind == SigCommand::Kind::get;
  if (isGet) body.clear();  // a get's body is ignored
  if (const auto refusal = call.slot->park(wouldPark(call.command), body.size());
      refusal != ParkingQuota::Refusal::none) {
    respond(answerRefusal(refusal, call.origin));
    return std::nullopt;
  }

  // The slot rides in the callback: it is given back when the callback runs or, for a withdrawn
  // request, when the mailbox destroys the callback unseen.
  auto finish = [this, isGet, origin = std::move(call.origin), respond = std::move(respond),
                 slot = call.slot](MailboxBackend::Outcome outcome, std::string payload) {
    Response res;
    switch (outcome) {
      case MailboxBackend::Outcome::delivered:
        res = isGet ? plainTextResponse(http::status::ok, std::move(payload))
                    : textResponse(http::status::ok, "ok");
        break;
      case MailboxBackend::Outcome::timedOut:
        res = emptyResponse(http::status::no_content);
        break;
      case MailboxBackend::Outcome::failed:
        res = textResponse(http::status::service_unavailable, std::move(payload));
        break;
    }
    addCors(res, origin);
    respond(std::move(res));
  };

  MailboxBackend::Ticket ticket = 0;
  if (isGet) {
    ticket = mailbox_.get(call.command.id, now, call.command.timeoutMs, std::move(finish));
  } else {
    body.shrink_to_fit();  // the budget counts sizes; make the memory match
    ticket = mailbox_.set(call.command.id, std::move(body), now, call.command.timeoutMs,
                          std::move(finish));
  }
  if (!mailbox_.isParked(ticket)) return std::nullopt;
  onParked_();
  return ticket;
}

std::optional<Response> RequestHandler::checkFraming(const RequestHead& head) const {
  auto refuse = [this](http::status status, std::string message) {
    Response res = textResponse(status, std::move(message));
    res.keep_alive(false);  // where this request ends is unknown: nothing after it can be trusted
    addCors(res, {});
    return res;
  };
  // RFC 9112 section 3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0.
  const auto hosts = head.count(http::field::host);
  if (hosts > 1) return refuse(http::status::bad_request, "more than one Host header");
  if (hosts == 0 && head.version() >= 11) {
    return refuse(http::status::bad_request, "no Host header (required in HTTP/1.1)");
  }
  // RFC 9112 section 6.3: a body is framed by chunked as its final coding, or by Content-Length.
  if (head.count(http::field::transfer_encoding) == 0) return std::nullopt;
  std::vector<std::string> codings;
  for (auto field = head.find(http::field::transfer_encoding); field != head.end(); ++field) {
    if (field->name() != http::field::transfer_encoding) continue;
    auto more = transferCodings(view(field->value()));
    codings.insert(codings.end(), more.begin(), more.end());
  }
  if (head.version() < 11) {
    return refuse(http::status::bad_request, "Transfer-Encoding in an HTTP/1.0 request");
  }
  if (codings.empty() || codings.back() != "chunked") {
    return refuse(http::status::bad_request,
                  "Transfer-Encoding without chunked as its final coding: body length unknown");
  }
  if (head.count(http::field::content_length) > 0) {
    return refuse(http::status::bad_request, "both Transfer-Encoding and Content-Length");
  }
  if (codings.size() > 1) {
    return refuse(http::status::not_implemented,
                  "transfer codings other than chunked are not supported");
  }
  return std::nullopt;
}

std::string_view RequestHandler::originForm(std::string_view target) {
  // RFC 9112 section 3.2.2: a server accepts the absolute form (what a proxy is sent), and uses
  // its path and query.
  const auto scheme = target.find("://");
  if (scheme == std::string_view::npos || target.empty() || target.front() == '/') return target;
  for (char c : target.substr(0, scheme)) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return target;
    }
  }
  const auto authorityEnd = target.find_first_of("/?", scheme + 3);
  return authorityEnd == std::string_view::npos ? std::string_view() : target.substr(authorityEnd);
}

Response RequestHandler::answerParseError(boost::beast::error_code ec) const {
  Response res;
  if (ec == http::error::header_limit) {
    res = textResponse(http::status::request_header_fields_too_large,
                       "request head larger than " + std::to_string(options_.maxHeaderBytes) +
                           " bytes");
  } else if (ec == http::error::body_limit) {
    res = textResponse(http::status::payload_too_large,
                       "body larger than " + std::to_string(options_.maxBodyBytes) + " bytes");
  } else {
    res = textResponse(http::status::bad_request, "malformed HTTP request: " + ec.message());
  }
  addCors(res, {});
  return res;
}

Response RequestHandler::answerTooManyConnections() const {
  Response res = textResponse(http::status::too_many_requests,
                              "too many connections from your address (limit " +
                                  std::to_string(options_.maxConnectionsPerIp) + ")");
  addCors(res, {});
  return res;
}

Response RequestHandler::answerPreflight(const RequestHead& head) const {
  Response res = emptyResponse(http::status::no_content);
  addCors(res, view(head[http::field::origin]));
  if (res.find(http::field::access_control_allow_origin) == res.end()) return res;
  res.set(http::field::access_control_allow_methods, "GET, HEAD, POST, OPTIONS");
  const auto asked = head[http::field::access_control_request_headers];
  res.set(http::field::access_control_allow_headers, asked.empty() ? "Content-Type" : asked);
  res.set(http::field::access_control_max_age, "86400");
  // Chromium asks before a public page may call a server on a private address (e.g. localhost).
  if (head["Access-Control-Request-Private-Network"] == "true") {
    res.set("Access-Control-Allow-Private-Network", "true");
  }
  return res;
}

Response RequestHandler::answerMethodNotAllowed(const char* allow) const {
  Response res = textResponse(http::status::method_not_allowed,
                              std::string("method not allowed here; use ") + allow);
  res.set(http::field::allow, allow);
  return res;
}

Response RequestHandler::answerHealth() const {
  const auto reason = mailbox_.unavailableReason();
  if (reason.empty()) return textResponse(http::status::ok, "ok");
  return textResponse(http::status::service_unavailable, reason);
}

Response RequestHandler::answerMetrics() const {
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = renderPrometheus(metrics_, mailbox_, quota_.reservedBytes());
  res.prepare_payload();
  return res;
}

void RequestHandler::addCors(Response& res, std::string_view origin) const {
  if (options_.corsOrigins.empty()) {
    res.set(http::field::access_control_allow_origin, "*");
    return;
  }
  // With an allow-list the answer depends on the Origin header: caches must know.
  res.set(http::field::vary, "Origin");
  if (!origin.empty() && originAllowed(origin)) {
    res.set(http::field::access_control_allow_origin, std::string(origin));
  }
}

bool RequestHandler::originAllowed(std::string_view origin) const {
  const auto& allowed = options_.corsOrigins;
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
}

}  // namespace webchat
