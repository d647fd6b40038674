// Request handling without sockets: the same RequestHandler the session drives, fed request heads
// directly, with a virtual clock. Shows the two-step flow (route on the head, handle with the body).
#include <catch2/catch.hpp>
#include <optional>

#include "memory_mailbox.hpp"
#include "request_handler.hpp"

using namespace webchat;

namespace {

RequestHead head(http::verb method, const std::string& target) {
  RequestHead h;
  h.method(method);
  h.target(target);
  h.version(11);
  h.set(http::field::host, "x");
  return h;
}

struct Fixture {
  ServerOptions options;
  MemoryMailbox mailbox;
  ServerMetrics metrics;
  int parkedNotices = 0;
  std::optional<RequestHandler> handler;
  Fixture() { reset(); }
  void reset() { handler.emplace(options, mailbox, metrics, [this] { ++parkedNotices; }); }

  // Routes and, if accepted, handles with `body`; the answer (if any yet) lands in `answer`.
  std::optional<MailboxBackend::Ticket> call(const std::string& target, std::string body,
                                             std::optional<Response>& answer, Millis now = 0) {
    auto routed = handler->route(head(http::verb::post, target), "192.0.2.1");
    if (auto* res = std::get_if<Response>(&routed)) {
      answer = std::move(*res);
      return std::nullopt;
    }
    return handler->handle(std::get<RequestHandler::AcceptedCall>(std::move(routed)),
                           std::move(body), now, [&answer](Response res) { answer = std::move(res); });
  }
};

}  // namespace

TEST_CASE("handler: a set parks, a get takes it, both answers carry CORS") {
  Fixture f;
  std::optional<Response> setAnswer, getAnswer;
  const auto ticket = f.call("/sig?set=a", "text", setAnswer);
  CHECK(ticket);
  CHECK_FALSE(setAnswer);
  CHECK(f.parkedNotices == 1);
  CHECK_FALSE(f.call("/sig?get=a", "", getAnswer));
  REQUIRE(getAnswer);
  CHECK(getAnswer->body() == "text");
  REQUIRE(setAnswer);
  CHECK(setAnswer->body() == "ok\n");
  CHECK((*setAnswer)[http::field::access_control_allow_origin] == "*");
}

TEST_CASE("handler: refusals are decided on the head, before any body") {
  Fixture f;
  f.options.maxParkedPerIp = 1;
  f.reset();
  std::optional<Response> answer, first;
  f.call("/sig?get=x&get=y", "", answer);
  CHECK(answer->result() == http::status::bad_request);
  CHECK(answer->body() == "parameter \"get\" given twice\n");

  CHECK(f.call("/sig?get=a&timeoutms=1000", "", first));
  f.call("/sig?get=b&timeoutms=1000", "", answer);
  CHECK(answer->result() == http::status::too_many_requests);
  // A request that completes at once takes no slot.
  f.call("/sig?get=b", "", answer);
  CHECK(answer->result() == http::status::no_content);

  auto tooBig = head(http::verb::post, "/sig?set=a");
  tooBig.set(http::field::content_length, "100001");
  auto routed = f.handler->route(tooBig, "192.0.2.2");
  REQUIRE(std::holds_alternative<Response>(routed));
  CHECK(std::get<Response>(routed).result() == http::status::payload_too_large);
}

TEST_CASE("handler: a withdrawn call gives its slot back and is never answered") {
  Fixture f;
  f.options.maxParkedPerIp = 1;
  f.reset();
  std::optional<Response> gone, next;
  const auto ticket = f.call("/sig?set=w", "secret", gone);
  REQUIRE(ticket);
  f.handler->withdraw(*ticket);
  CHECK_FALSE(gone);
  CHECK(f.call("/sig?get=w&timeoutms=5", "", next));  // the slot is free again; nothing to take
  f.mailbox.expire(5);
  CHECK(next->result() == http::status::no_content);
}

TEST_CASE("handler: the byte budget counts parked texts") {
  Fixture f;
  f.options.maxParkedBytes = 10;
  f.reset();
  std::optional<Response> a, b;
  auto withLength = [&](const std::string& body) {
    auto h = head(http::verb::post, "/sig?set=m");
    h.set(http::field::content_length, std::to_string(body.size()));
    return f.handler->route(h, "192.0.2.1");
  };
  auto routed = withLength("123456");
  REQUIRE(std::holds_alternative<RequestHandler::AcceptedCall>(routed));
  f.handler->handle(std::get<RequestHandler::AcceptedCall>(std::move(routed)), "123456", 0,
                    [&](Response r) { a = std::move(r); });
  auto refused = withLength("123456");
  REQUIRE(std::holds_alternative<Response>(refused));
  CHECK(std::get<Response>(refused).result() == http::status::service_unavailable);
}

TEST_CASE("handler: parse errors map to 431, 413 and 400") {
  Fixture f;
  CHECK(f.handler->answerParseError(http::error::header_limit).result() ==
        http::status::request_header_fields_too_large);
  CHECK(f.handler->answerParseError(http::error::body_limit).result() ==
        http::status::payload_too_large);
  CHECK(f.handler->answerParseError(http::error::bad_method).result() == http::status::bad_request);
}
