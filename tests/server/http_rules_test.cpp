// Every rule of the signaling API over real HTTP: bad input gets its specific status and one-line
// error, limits hold, slow and idle clients are cut, operations endpoints, CORS allow-list, shutdown (the access log:
// http_log_test.cpp).
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "raw_connection.hpp"
#include "subprocess.hpp"

using namespace webchat::test;
using namespace std::chrono_literals;

namespace {

// An error answer: the status, and a body of exactly one line.
void checkOneLineError(const HttpResult& res, int status) {
  CHECK(res.status == status);
  REQUIRE_FALSE(res.body.empty());
  CHECK(res.body.back() == '\n');
  CHECK(std::count(res.body.begin(), res.body.end(), '\n') == 1);
  CHECK(res.header("access-control-allow-origin") == "*");
}

HttpResult post(const ServerProcess& server, const std::string& query,
                std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"-X", "POST"};
  args.insert(args.end(), extra.begin(), extra.end());
  return curl(args, server.url("/sig" + query));
}

std::string fileOfSize(std::size_t bytes) {
  const std::string path = "body-" + std::to_string(bytes) + "-" + std::to_string(getpid()) + ".txt";
  std::ofstream(path, std::ios::binary) << std::string(bytes, 'b');
  return path;
}

}  // namespace

TEST_CASE("400: neither or both of get/set, a parameter given twice") {
  ServerProcess server;
  checkOneLineError(post(server, ""), 400);
  checkOneLineError(post(server, "?timeoutms=5"), 400);
  checkOneLineError(post(server, "?get=a&set=a"), 400);
  checkOneLineError(post(server, "?get=a&get=b"), 400);
  checkOneLineError(post(server, "?set=a&set=a", {"-d", "x"}), 400);
  checkOneLineError(post(server, "?get=a&timeoutms=1&timeoutms=2"), 400);
  CHECK(post(server, "?get=a").body.empty());  // and a valid one is fine: 204, no body
  CHECK(post(server, "?get=a&cachebuster=1&cachebuster=2").status == 204);  // others are ignored
}

TEST_CASE("400: an empty, too long or ill-formed ID, percent-decoding done right") {
  ServerProcess server;
  checkOneLineError(post(server, "?get="), 400);
  checkOneLineError(post(server, "?get"), 400);
  checkOneLineError(post(server, "?get=" + std::string(129, 'a')), 400);
  CHECK(post(server, "?get=" + std::string(128, 'a')).status == 204);
  checkOneLineError(post(server, "?get=a%20b"), 400);
  checkOneLineError(post(server, "?get=a+b"), 400);
  checkOneLineError(post(server, "?get=a/b"), 400);
  checkOneLineError(post(server, "?get=%zz"), 400);
  checkOneLineError(post(server, "?get=ab%4"), 400);
  checkOneLineError(post(server, "?get=%00"), 400);
  CHECK(post(server, "?get=A-Za-z0-9._~").status == 204);
  // 128 bytes once decoded is fine even when the encoded form is longer.
  CHECK(post(server, "?get=" + std::string(40, 'a') + std::string(88 * 1, 'b')).status == 204);
  checkOneLineError(post(server, "?get=%61" + std::string(128, 'a')), 400);

  // %41bc is the ID "Abc": a set on one spelling is taken by a get on the other.
  BackgroundCurl set({"-X", "POST", "-d", "decoded"}, server.url("/sig?set=%41bc"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  CHECK(post(server, "?get=Abc").body == "decoded");
  CHECK(set.finish().status == 200);
}

TEST_CASE("400: timeoutms must be a whole number from 0 to 1200000") {
  ServerProcess server;
  for (const std::string bad : {"-1", "1.5", "1200001", "abc", "", "+5", "%205", "5ms", "0x10",
                                "99999999999999999999999"}) {
    INFO("timeoutms=" << bad);
    checkOneLineError(post(server, "?get=t&timeoutms=" + bad), 400);
  }
  CHECK(post(server, "?get=t&timeoutms=0").status == 204);
  CHECK(post(server, "?get=t&timeoutms=007").status == 204);
  BackgroundCurl longest({"-X", "POST"}, server.url("/sig?get=t&timeoutms=1200000"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 1));
  CHECK(post(server, "?set=t&timeoutms=1200000", {"-d", "in time"}).status == 200);
  CHECK(longest.finish().body == "in time");
}

TEST_CASE("405 for methods other than POST and OPTIONS on /sig, with Allow") {
  ServerProcess server;
  for (const std::string method : {"GET", "PUT", "DELETE", "PATCH"}) {
    INFO(method);
    const auto res = curl({"-X", method}, server.url("/sig?get=a"));
    checkOneLineError(res, 405);
    CHECK(res.header("allow") == "POST, OPTIONS");
  }
  const auto head = curl({"-I"}, server.url("/sig?get=a"));
  CHECK(head.status == 405);
  CHECK(curl({"-X", "DELETE"}, server.url("/index.html")).status == 405);
}

TEST_CASE("413 for a body over 100,000 bytes, the flag changes the limit") {
  ServerProcess server;
  const auto exact = fileOfSize(100'000);
  const auto over = fileOfSize(100'001);
  BackgroundCurl atLimit({"-X", "POST", "--data-binary", "@" + exact}, server.url("/sig?set=big"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  CHECK(post(server, "?get=big").body.size() == 100'000);
  CHECK(atLimit.finish().status == 200);

  checkOneLineError(post(server, "?set=big", {"--data-binary", "@" + over}), 413);
  // Without a Content-Length (chunked), the limit is found while reading.
  checkOneLineError(
      post(server, "?set=big", {"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + over}),
      413);
  CHECK(server.metric("webchat_parked_sets") == 0);

  ServerProcess small({"--max-body-bytes", "10"});
  checkOneLineError(post(small, "?set=s", {"-d", "01234567890"}), 413);
  CHECK(post(small, "?set=s&timeoutms=0", {"-d", "0123456789"}).status == 204);
  std::remove(exact.c_str());
  std::remove(over.c_str());
}

TEST_CASE("431 for request headers over 8 KiB") {
  ServerProcess server;
  checkOneLineError(post(server, "?get=a", {"-H", "X-Big: " + std::string(9000, 'h')}), 431);
  CHECK(post(server, "?get=a", {"-H", "X-Fits: " + std::string(7000, 'h')}).status == 204);
  checkOneLineError(curl({}, server.url("/?" + std::string(9000, 'q'))), 431);
}

TEST_CASE("429 when one client address holds more parked requests than its cap") {
  ServerProcess server({"--max-parked-per-ip", "2"});
  BackgroundCurl one({"-X", "POST"}, server.url("/sig?get=one&timeoutms=60000"));
  BackgroundCurl two({"-X", "POST", "-d", "t"}, server.url("/sig?set=two"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 1));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  checkOneLineError(post(server, "?get=three&timeoutms=60000"), 429);
  CHECK(server.metric("webchat_rejections_total{status=\"429\"}") == 1);
  // Served ones give their slot back.
  CHECK(post(server, "?get=two").body == "t");
  CHECK(two.finish().status == 200);
  CHECK(post(server, "?set=one", {"-d", "u"}).status == 200);
  CHECK(one.finish().body == "u");
}

TEST_CASE("503 when the global cap on parked requests is reached") {
  ServerProcess server({"--max-parked", "2"});
  BackgroundCurl one({"-X", "POST"}, server.url("/sig?get=one&timeoutms=60000"));
  BackgroundCurl two({"-X", "POST"}, server.url("/sig?get=two&timeoutms=60000"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 2));
  checkOneLineError(post(server, "?set=three", {"-d", "x"}), 503);
  one.kill();
  REQUIRE(server.waitForMetric("webchat_parked_gets", 1));
  CHECK(post(server, "?set=two", {"-d", "x"}).status == 200);
  CHECK(two.finish().body == "x");
}

TEST_CASE("503 when the memory budget for parked texts is reached") {
  ServerProcess server({"--max-parked-bytes", "100"});
  BackgroundCurl first({"-X", "POST", "-d", std::string(60, 'a')}, server.url("/sig?set=m"));
  REQUIRE(server.waitForMetric("webchat_parked_bytes", 60));
  checkOneLineError(post(server, "?set=m", {"-d", std::string(60, 'b')}), 503);
  CHECK(post(server, "?set=m&timeoutms=0", {"-d", std::string(40, 'c')}).status == 204);
  CHECK(post(server, "?get=m").body == std::string(60, 'a'));
  CHECK(first.finish().status == 200);
}

TEST_CASE("slow clients: deadlines for the head and the body, an idle keep-alive timeout") {
  ServerProcess server({"--header-timeout-ms", "300", "--body-timeout-ms", "300",
                        "--idle-timeout-ms", "300"});
  // Like nginx, the connection is closed without an answer (logged as 408): the client is not
  // sending, and may well not be reading either.
  SECTION("a head that never ends: the connection is cut") {
    RawConnection slow(server.port());
    slow.send("POST /sig?get=a HTTP/1.1\r\nHost: x\r\n");
    REQUIRE(slow.readUntilClosed(10s));
    CHECK(slow.received().empty());
    CHECK(server.metric("webchat_connection_timeouts_total{phase=\"header\"}") == 1);
  }
  SECTION("a body that stalls: the connection is cut, nothing is parked") {
    RawConnection slow(server.port());
    slow.send("POST /sig?set=a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
    REQUIRE(slow.readUntilClosed(10s));
    CHECK(slow.received().empty());
    CHECK(server.metric("webchat_connection_timeouts_total{phase=\"body\"}") == 1);
    CHECK(server.metric("webchat_parked_sets") == 0);
  }
  SECTION("a kept-alive connection with no new request is closed") {
    RawConnection idle(server.port());
    idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(idle.readUntil("ok\n", 10s));
    REQUIRE(idle.readUntilClosed(10s));
    CHECK(server.metric("webchat_connection_timeouts_total{phase=\"idle\"}") == 1);
  }
  SECTION("a parked request is not cut by those deadlines") {
    BackgroundCurl get({"-X", "POST"}, server.url("/sig?get=p&timeoutms=60000"));
    REQUIRE(server.waitForMetric("webchat_parked_gets", 1));
    // Outlive the deadlines: wait for an event that takes longer than them (a get timing out).
    CHECK(post(server, "?get=other&timeoutms=900").status == 204);
    CHECK(server.metric("webchat_parked_gets") == 1);
    CHECK(post(server, "?set=p", {"-d", "late"}).status == 200);
    CHECK(get.finish().body == "late");
  }
}

TEST_CASE("keep-alive: many requests on one connection, answers in order") {
  ServerProcess server;
  RawConnection connection(server.port());
  connection.send("POST /sig?get=k HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  "POST /sig?set=k&timeoutms=0 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz"
                  "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(connection.readUntilClosed(10s));
  const auto& got = connection.received();
  const auto first204 = got.find("HTTP/1.1 204");
  const auto ok = got.find("HTTP/1.1 200", first204);
  const auto second204 = got.find("HTTP/1.1 204", ok);
  const auto lastOk = got.find("HTTP/1.1 200", second204);
  CHECK(first204 != std::string::npos);
  CHECK(ok != std::string::npos);
  CHECK(second204 != std::string::npos);
  CHECK(lastOk != std::string::npos);
}

TEST_CASE("malformed HTTP gets 400 and a closed connection, never a crash") {
  ServerProcess server;
  for (const std::string garbage :
       {std::string("HELLO\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("POST /sig?set=a HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
        std::string("POST /sig?set=a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
        std::string("\0\1\2\3\r\n\r\n", 8)}) {
    RawConnection connection(server.port());
    connection.send(garbage);
    REQUIRE(connection.readUntilClosed(10s));
    CHECK(connection.received().rfind("HTTP/1.1 400", 0) == 0);
  }
  CHECK(curl({}, server.url("/healthz")).status == 200);
}

TEST_CASE("GET /healthz and GET /metrics in Prometheus text format") {
  ServerProcess server;
  const auto health = curl({}, server.url("/healthz"));
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");

  post(server, "");                                   // a 400
  post(server, "?get=x");                             // a get timing out at once
  BackgroundCurl set({"-X", "POST", "-d", "abc"}, server.url("/sig?set=y"));
  REQUIRE(server.waitForMetric("webchat_parked_bytes", 3));
  post(server, "?get=y");                             // a delivery
  set.finish();

  const auto metrics = curl({}, server.url("/metrics"));
  CHECK(metrics.status == 200);
  CHECK(metrics.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  for (const std::string family :
       {"webchat_parked_gets", "webchat_parked_sets", "webchat_parked_bytes",
        "webchat_deliveries_total", "webchat_timeouts_total", "webchat_withdrawals_total",
        "webchat_rejections_total", "webchat_responses_total"}) {
    INFO(family);
    CHECK(metrics.body.find("# TYPE " + family + " ") != std::string::npos);
  }
  CHECK(server.metric("webchat_deliveries_total") == 1);
  CHECK(server.metric("webchat_timeouts_total{kind=\"get\"}") == 1);
  CHECK(server.metric("webchat_rejections_total{status=\"400\"}") == 1);
}

TEST_CASE("CORS allow-list: only listed origins get the header, preflight included") {
  ServerProcess server({"--cors-origin", "https://chat.example", "--cors-origin", "null"});
  const auto listed = post(server, "?get=c", {"-H", "Origin: https://chat.example"});
  CHECK(listed.header("access-control-allow-origin") == "https://chat.example");
  CHECK(listed.header("vary") == "Origin");
  CHECK(post(server, "?get=c", {"-H", "Origin: null"}).header("access-control-allow-origin") ==
        "null");
  // A call from another origin does not run at all (bug 6): its get would have taken the text.
  BackgroundCurl set({"-X", "POST", "-d", "for friends"}, server.url("/sig?set=c"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  const auto evil = post(server, "?get=c", {"-H", "Origin: https://evil.example"});
  CHECK(evil.status == 403);
  CHECK(evil.body == "origin not allowed: https://evil.example\n");
  CHECK(evil.header("access-control-allow-origin").empty());
  CHECK(post(server, "?set=c", {"-H", "Origin: https://evil.example", "-d", "x"}).status == 403);
  CHECK(server.metric("webchat_parked_sets") == 1);
  CHECK(post(server, "?get=c").body == "for friends");  // no Origin: not a browser, allowed
  CHECK(set.finish().status == 200);
  const auto preflight = curl({"-X", "OPTIONS", "-H", "Origin: https://evil.example",
                               "-H", "Access-Control-Request-Method: POST"},
                              server.url("/sig?get=c"));
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin").empty());
}

TEST_CASE("SIGTERM: stop accepting, answer every parked request 204, exit within 1 s") {
  for (const int sig : {SIGTERM, SIGINT}) {
    INFO("signal " << sig);
    ServerProcess server;
    BackgroundCurl get({"-X", "POST"}, server.url("/sig?get=a&timeoutms=600000"));
    BackgroundCurl set({"-X", "POST", "-d", "x"}, server.url("/sig?set=b"));
    RawConnection idle(server.port());  // a kept-alive connection between requests
    idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(idle.readUntil("ok\n", 10s));
    REQUIRE(server.waitForMetric("webchat_parked_gets", 1));
    REQUIRE(server.waitForMetric("webchat_parked_sets", 1));

    const auto signalled = Clock::now();
    server.process().signal(sig);
    const auto status = server.process().wait(5s);
    const auto took = Clock::now() - signalled;
    REQUIRE(status);
    CHECK(*status == 0);
    CHECK(took < 1s);
    CHECK(get.finish().status == 204);
    CHECK(set.finish().status == 204);
    CHECK(idle.readUntilClosed(1s));
  }
}
