// The edges of HTTP/1.1 as RFC 9110 and 9112 draw them, over a raw socket: framing that cannot be
// trusted (smuggling), Host, the absolute form, bodiless statuses, Expect on HTTP/1.0, HTTP/1.0
// keep-alive, and the exact head limit.
#include <catch2/catch.hpp>
#include <string>

#include "raw_connection.hpp"
#include "subprocess.hpp"

using namespace webchat::test;
using namespace std::chrono_literals;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The head of the first answer in `received`, lower-cased (header names are case-insensitive).
std::string firstHead(const std::string& received) {
  std::string head = received.substr(0, received.find("\r\n\r\n"));
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head;
}

// Sends `request` on a fresh connection and reads until the server closes it.
std::string roundTrip(const ServerProcess& server, const std::string& request) {
  RawConnection connection(server.port());
  connection.send(request);
  REQUIRE(connection.readUntilClosed(10s));
  return connection.received();
}

}  // namespace

TEST_CASE("edges: a Transfer-Encoding not ending in chunked is a 400 and a close, nothing smuggled") {
  ServerProcess server;
  for (const std::string coding : {"gzip", "identity", "chunked, gzip", "gzip, chunked"}) {
    INFO("Transfer-Encoding: " << coding);
    const auto got = roundTrip(server, "POST /sig?set=a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " +
                                          coding + "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const bool unsupported = coding == "gzip, chunked";  // framed, but a coding we do not decode
    CHECK(got.rfind(unsupported ? "HTTP/1.1 501" : "HTTP/1.1 400", 0) == 0);
    CHECK(firstHead(got).find("\r\nconnection: close") != std::string::npos);
    CHECK(count(got, "HTTP/1.1 ") == 1);  // the smuggled GET /healthz is never answered
  }
  const auto both = roundTrip(server, "POST /sig?set=a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  CHECK(both.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(server.metric("webchat_parked_sets") == 0);
}

TEST_CASE("edges: HTTP/1.1 needs exactly one Host, HTTP/1.0 may omit it") {
  ServerProcess server;
  const auto none = roundTrip(server, "GET /healthz HTTP/1.1\r\n\r\n");
  CHECK(none.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(none.find("no Host header") != std::string::npos);
  const auto two = roundTrip(server, "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  CHECK(two.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(two.find("more than one Host header") != std::string::npos);
  CHECK(roundTrip(server, "GET /healthz HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("edges: a target in absolute form is accepted") {
  ServerProcess server;
  const auto health = roundTrip(
      server, "GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(health.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(health.substr(health.find("\r\n\r\n") + 4) == "ok\n");
  const auto get = roundTrip(server, "POST HTTP://x:80/sig?get=abs&timeoutms=0 HTTP/1.1\r\nHost: x\r\n"
                                    "Connection: close\r\nContent-Length: 0\r\n\r\n");
  CHECK(get.rfind("HTTP/1.1 204", 0) == 0);
}

TEST_CASE("edges: a 204 carries no Content-Length") {
  ServerProcess server;
  const auto timedOut = roundTrip(server, "POST /sig?get=n HTTP/1.1\r\nHost: x\r\n"
                                         "Connection: close\r\nContent-Length: 0\r\n\r\n");
  CHECK(timedOut.rfind("HTTP/1.1 204", 0) == 0);
  CHECK(firstHead(timedOut).find("content-length") == std::string::npos);
  const auto preflight = roundTrip(server, "OPTIONS /sig HTTP/1.1\r\nHost: x\r\nOrigin: https://a\r\n"
                                          "Connection: close\r\n\r\n");
  CHECK(preflight.rfind("HTTP/1.1 204", 0) == 0);
  CHECK(firstHead(preflight).find("content-length") == std::string::npos);
}

TEST_CASE("edges: Expect: 100-continue on an HTTP/1.0 request is ignored") {
  ServerProcess server;
  const auto got = roundTrip(server, "POST /sig?set=e&timeoutms=0 HTTP/1.0\r\nContent-Length: 1\r\n"
                                    "Expect: 100-continue\r\n\r\nx");
  CHECK(got.rfind("HTTP/1.1 204", 0) == 0);
  CHECK(got.find("100 Continue") == std::string::npos);
}

TEST_CASE("edges: an HTTP/1.0 keep-alive answer says Connection: keep-alive, and keeps it") {
  ServerProcess server;
  RawConnection connection(server.port());
  connection.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  REQUIRE(connection.readUntil("ok\n", 10s));
  CHECK(firstHead(connection.received()).find("\r\nconnection: keep-alive") != std::string::npos);
  connection.send("GET /healthz HTTP/1.0\r\n\r\n");  // no keep-alive: answered, then closed
  REQUIRE(connection.readUntilClosed(10s));
  CHECK(count(connection.received(), "HTTP/1.1 200") == 2);
}

TEST_CASE("edges: the head limit is exactly --max-header-bytes") {
  ServerProcess server;
  auto headOf = [](std::size_t bytes) {
    const std::string start = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ";
    return start + std::string(bytes - start.size() - 4, 'p') + "\r\n\r\n";
  };
  REQUIRE(headOf(8192).size() == 8192);
  CHECK(roundTrip(server, headOf(8192)).rfind("HTTP/1.1 200", 0) == 0);
  CHECK(roundTrip(server, headOf(8193)).rfind("HTTP/1.1 431", 0) == 0);
  CHECK(roundTrip(server, headOf(8224)).rfind("HTTP/1.1 431", 0) == 0);
}
