#include "request_handler.hpp"

#include <algorithm>

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

}  // namespace

RequestHandler::RequestHandler(const ServerOptions& options, MailboxBackend& mailbox,
                               ServerMetrics& metrics, std::function<void()> onParked)
    : options_(options),
      mailbox_(mailbox),
      metrics_(metrics),
      quota_(options.maxParked, options.maxParkedPerIp, options.maxParkedBytes),
      onParked_(std::move(onParked)) {
  if (!options.webRoot.empty()) staticFiles_.emplace(options.webRoot);
}

RequestHandler::RouteResult RequestHandler::route(const RequestHead& head,
                                                  const std::string& client) {
  const auto target = view(head.target());
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
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
  } else if (staticFiles_) {
    res = staticFiles_->serve(head);
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

  auto parsed = parseSigQuery(query);
  if (auto* error = std::get_if<SigQueryError>(&parsed)) {
    return refuse(http::status::bad_request, error->message);
  }
  const std::size_t bodyBytes = expectedBodyBytes(head, options_.maxBodyBytes);
  if (bodyBytes > options_.maxBodyBytes) {
    return refuse(http::status::payload_too_large,
                  "body larger than " + std::to_string(options_.maxBodyBytes) + " bytes");
  }

  // Whether it will park, as far as can be told before its body arrives.
  const auto& command = std::get<SigCommand>(parsed);
  const bool parks = command.timeoutMs > 0 && (command.kind == SigCommand::Kind::get
                                                   ? !mailbox_.hasParkedSet(command.id)
                                                   : !mailbox_.hasParkedGet(command.id));
  ParkingQuota::Refusal refusal;
  auto slot = quota_.admit(client, bodyBytes, parks, mailbox_.stats().bytesParked, refusal);
  switch (refusal) {
    case ParkingQuota::Refusal::perClientCap:
      return refuse(http::status::too_many_requests,
                    "too many parked requests from your address (limit " +
                        std::to_string(options_.maxParkedPerIp) + ")");
    case ParkingQuota::Refusal::globalCap:
      return refuse(http::status::service_unavailable,
                    "server busy: too many parked requests (limit " +
                        std::to_string(options_.maxParked) + ")");
    case ParkingQuota::Refusal::byteBudget:
      return refuse(http::status::service_unavailable,
                    "server busy: memory budget for parked texts is full");
    case ParkingQuota::Refusal::none:
      break;
  }
  return AcceptedCall{std::get<SigCommand>(std::move(parsed)), std::string(origin),
                      std::move(slot)};
}

std::optional<MailboxBackend::Ticket> RequestHandler::handle(AcceptedCall call, std::string body,
                                                             Millis now, Respond respond) {
  // The slot rides in the callback: it is given back when the callback runs or, for a withdrawn
  // request, when the mailbox destroys the callback unseen.
  const bool isGet = call.command.kind == SigCommand::Kind::get;
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
    call.slot->releaseBytes();  // a get's body is ignored
    ticket = mailbox_.get(call.command.id, now, call.command.timeoutMs, std::move(finish));
  } else {
    body.shrink_to_fit();  // the budget counts sizes; make the memory match
    call.slot->releaseBytes();  // from here on the mailbox counts the text
    ticket = mailbox_.set(call.command.id, std::move(body), now, call.command.timeoutMs,
                          std::move(finish));
  }
  if (!mailbox_.isParked(ticket)) return std::nullopt;
  onParked_();
  return ticket;
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
  const auto& allowed = options_.corsOrigins;
  if (!origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
    res.set(http::field::access_control_allow_origin, std::string(origin));
  }
}

}  // namespace webchat
