// The caps against a determined client, over real sockets: whether a request parks is decided once its
// body is in (not from its head), what one address may reserve is bounded, and so are its
// connections. Several client addresses are played from 127.0.0.x.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "raw_connection.hpp"
#include "subprocess.hpp"

using namespace webchat::test;
using namespace std::chrono_literals;

namespace {

using Connections = std::vector<std::unique_ptr<RawConnection>>;

// `count` connections from `from`, each sending `head` (and nothing more yet).
Connections openWithHead(const ServerProcess& server, int count, const std::string& head,
                         const char* from = "127.0.0.1") {
  Connections connections;
  for (int i = 0; i < count; ++i) {
    connections.push_back(std::make_unique<RawConnection>(server.port(), from));
    connections.back()->send(head);
  }
  return connections;
}

// How many of `connections` have received an answer starting with `statusLine` within `timeout`.
int countAnswered(Connections& connections, const std::string& statusLine,
                  std::chrono::milliseconds timeout) {
  int answered = 0;
  for (auto& connection : connections) {
    if (connection->received().empty()) connection->readUntil("\r\n", timeout);
    if (connection->received().rfind(statusLine, 0) == 0) ++answered;
  }
  return answered;
}

std::string metricOf(const char* name, int status) {
  return std::string(name) + "{status=\"" + std::to_string(status) + "\"}";
}

}  // namespace

TEST_CASE("caps: a get whose partner is taken while its body arrives still counts (bug 1)") {
  ServerProcess server({"--max-parked", "10", "--max-parked-per-ip", "5"});
  BackgroundCurl set({"-X", "POST", "-d", "only one"}, server.url("/sig?set=X"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));

  // Thirty heads: each sees a parked set, so none would park by its head alone.
  auto gets = openWithHead(
      server, 30,
      "POST /sig?get=X&timeoutms=60000 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n");
  REQUIRE(server.waitForMetric("webchat_arriving_bytes", 30));
  for (auto& get : gets) get->send("z");

  // One takes the text; five park (the cap of the address); the other 24 are refused.
  REQUIRE(server.waitForMetric(metricOf("webchat_rejections_total", 429), 24));
  CHECK(set.finish().status == 200);
  CHECK(server.metric("webchat_parked_gets") == 5);
  CHECK(countAnswered(gets, "HTTP/1.1 200", 100ms) == 1);
  CHECK(countAnswered(gets, "HTTP/1.1 429", 100ms) == 24);
  // The address is at its cap: a fresh get is refused too, another address still parks.
  CHECK(curl({"-X", "POST"}, server.url("/sig?get=fresh&timeoutms=60000")).status == 429);
  BackgroundCurl other({"-X", "POST", "--interface", "127.0.0.2"},
                       server.url("/sig?get=other&timeoutms=60000"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 6));
  CHECK(curl({"-X", "POST", "-d", "t"}, server.url("/sig?set=other")).status == 200);
  CHECK(other.finish().body == "t");
}

TEST_CASE("caps: a set whose get is taken while its body arrives still counts (bug 1)") {
  ServerProcess server({"--max-parked", "10", "--max-parked-per-ip", "5"});
  BackgroundCurl get({"-X", "POST"}, server.url("/sig?get=Y&timeoutms=60000"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 1));

  auto sets = openWithHead(server, 30,
                           "POST /sig?set=Y HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n");
  REQUIRE(server.waitForMetric("webchat_arriving_bytes", 30));
  for (auto& set : sets) set->send("s");

  REQUIRE(server.waitForMetric(metricOf("webchat_rejections_total", 429), 24));
  CHECK(get.finish().body == "s");
  CHECK(server.metric("webchat_parked_sets") == 5);
  CHECK(server.metric("webchat_parked_bytes") == 5);
  CHECK(countAnswered(sets, "HTTP/1.1 200", 100ms) == 1);
  CHECK(countAnswered(sets, "HTTP/1.1 429", 100ms) == 24);
}

TEST_CASE("caps: the global cap holds too when bodies arrive after their heads (bug 1)") {
  ServerProcess server({"--max-parked", "4", "--max-parked-per-ip", "100"});
  BackgroundCurl set({"-X", "POST", "-d", "x"}, server.url("/sig?set=Z"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  auto gets = openWithHead(
      server, 10, "POST /sig?get=Z&timeoutms=60000 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n",
      "127.0.0.3");
  REQUIRE(server.waitForMetric("webchat_arriving_bytes", 10));
  for (auto& get : gets) get->send("z");
  // One takes the text, four park, five are refused.
  REQUIRE(server.waitForMetric(metricOf("webchat_rejections_total", 503), 5));
  CHECK(server.metric("webchat_parked_gets") == 4);
  CHECK(set.finish().status == 200);
}

TEST_CASE("caps: three addresses holding heads without bodies block only themselves (bug 3)") {
  ServerProcess server({"--max-parked-bytes", "2000000", "--max-parked-bytes-per-ip", "500000"});
  const std::string head =
      "POST /sig?set=hog HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
  std::vector<Connections> hogs;
  for (const char* from : {"127.0.0.1", "127.0.0.2", "127.0.0.3"}) {
    hogs.push_back(openWithHead(server, 8, head, from));
  }
  // Each address may reserve five bodies; the sixth and later are refused, for that address only.
  REQUIRE(server.waitForMetric(metricOf("webchat_rejections_total", 429), 9));
  CHECK(server.metric("webchat_arriving_bytes") == 1'500'000);
  for (auto& hog : hogs) {
    const int refused = countAnswered(hog, "HTTP/1.1 429", 100ms);
    CHECK(refused == 3);
  }
  CHECK(hogs[0][7]->received().find("your address holds too many bytes") != std::string::npos);

  // Anyone else still parks a set and gets a timeoutms=0 answer.
  BackgroundCurl parked({"-X", "POST", "--interface", "127.0.0.4", "-d", "fine"},
                        server.url("/sig?set=ok"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  CHECK(curl({"-X", "POST", "--interface", "127.0.0.5", "-d", "1"},
             server.url("/sig?set=now&timeoutms=0"))
            .status == 204);
  CHECK(curl({"-X", "POST", "--interface", "127.0.0.5"}, server.url("/sig?get=ok")).body == "fine");
  CHECK(parked.finish().status == 200);
}

TEST_CASE("caps: connections per address are capped, other addresses are not") {
  ServerProcess server({"--max-connections-per-ip", "3"});
  auto idle = openWithHead(server, 3, "");
  REQUIRE(server.waitForMetric("webchat_connections_open", 4));  // and the observer's own
  RawConnection fourth(server.port());
  REQUIRE(fourth.readUntilClosed(10s));
  CHECK(fourth.received().rfind("HTTP/1.1 429", 0) == 0);
  CHECK(fourth.received().find("too many connections from your address (limit 3)\n") !=
        std::string::npos);
  CHECK(curl({"--interface", "127.0.0.2"}, server.url("/healthz")).status == 200);

  idle.pop_back();  // one goes: its place is free again
  REQUIRE(server.waitForMetric("webchat_connections_open", 3));
  CHECK(curl({}, server.url("/healthz")).status == 200);
}
