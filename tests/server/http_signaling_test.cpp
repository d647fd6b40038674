// The signaling API over real loopback HTTP: the real server binary, curl as the client; with the
// mailbox in memory, in Redis, and in Redis shared by two servers (gets on one, sets on the other).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "server_topologies.hpp"

using namespace webchat::test;
using namespace std::chrono_literals;

TEMPLATE_TEST_CASE("the README's curl pair: a parked get prints the text the set sends", "[http]", MemoryServer, RedisServer, TwoRedisServers) {
  TestType server;
  BackgroundCurl get({"-X", "POST"}, server.getUrl("/sig?get=someidentifier&timeoutms=600000"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 1));

  const auto set = curl({"-X", "POST", "-d", "hello world\n"}, server.setUrl("/sig?set=someidentifier"));
  CHECK(set.status == 200);
  CHECK(set.body == "ok\n");

  const auto got = get.finish();
  CHECK(got.status == 200);
  CHECK(got.body == "hello world\n");
  CHECK(got.header("content-type") == "text/plain; charset=utf-8");
  CHECK(got.header("access-control-allow-origin") == "*");
}

TEMPLATE_TEST_CASE("a set parks until a get takes it, sets on one ID are taken oldest first", "[http]", MemoryServer, RedisServer, TwoRedisServers) {
  TestType server;
  BackgroundCurl first({"-X", "POST", "--data-binary", "first"}, server.setUrl("/sig?set=q"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  BackgroundCurl second({"-X", "POST", "--data-binary", "second"}, server.setUrl("/sig?set=q"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 2));

  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=q")).body == "first");
  CHECK(first.finish().body == "ok\n");
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=q")).body == "second");
  CHECK(second.finish().status == 200);
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=q")).status == 204);  // each text once
}

TEMPLATE_TEST_CASE("bodies are delivered byte for byte, whatever their content type", "[http]", MemoryServer, RedisServer, TwoRedisServers) {
  TestType server;
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  const std::string path = "body-" + std::to_string(server.port()) + ".bin";
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(binary.data(), 1, binary.size(), f);
    std::fclose(f);
  }
  BackgroundCurl set({"-X", "POST", "-H", "Content-Type: application/octet-stream",
                      "--data-binary", "@" + path},
                     server.setUrl("/sig?set=bin"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=bin")).body == binary);
  CHECK(set.finish().status == 200);
  std::remove(path.c_str());
}

TEMPLATE_TEST_CASE("timeouts: a get with none answers 204 at once or after timeoutms, an untaken set 204s", "[http]", MemoryServer, RedisServer, TwoRedisServers) {
  TestType server;
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=nothing")).status == 204);
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=nothing&timeoutms=50")).status == 204);

  const auto set = curl({"-X", "POST", "-d", "lost"}, server.setUrl("/sig?set=drop&timeoutms=50"));
  CHECK(set.status == 204);
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=drop")).status == 204);  // the text was dropped
  CHECK(curl({"-X", "POST", "-d", "x"}, server.setUrl("/sig?set=drop&timeoutms=0")).status == 204);
}

TEMPLATE_TEST_CASE("a parked set whose client disconnects is withdrawn and never delivered", "[http]", MemoryServer, RedisServer, TwoRedisServers) {
  TestType server;
  BackgroundCurl set({"-X", "POST", "-d", "never"}, server.setUrl("/sig?set=gone"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  set.kill();
  REQUIRE(server.waitForMetric("webchat_withdrawals_total", 1));
  CHECK(server.metric("webchat_parked_sets") == 0);
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=gone")).status == 204);
}

TEMPLATE_TEST_CASE("a parked get whose client disconnects takes nothing", "[http]", MemoryServer, RedisServer, TwoRedisServers) {
  TestType server;
  BackgroundCurl get({"-X", "POST"}, server.getUrl("/sig?get=gone&timeoutms=600000"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 1));
  get.kill();
  REQUIRE(server.waitForMetric("webchat_withdrawals_total", 1));
  // With no get parked, a set with timeoutms=0 finds no taker; the text then waits for the next get.
  CHECK(curl({"-X", "POST", "-d", "x"}, server.setUrl("/sig?set=gone&timeoutms=0")).status == 204);
  BackgroundCurl set({"-X", "POST", "-d", "kept"}, server.setUrl("/sig?set=gone"));
  REQUIRE(server.waitForMetric("webchat_parked_sets", 1));
  CHECK(curl({"-X", "POST"}, server.getUrl("/sig?get=gone")).body == "kept");
  CHECK(set.finish().status == 200);
}

TEMPLATE_TEST_CASE("CORS: every answer allows any origin, preflights are answered", "[http]", MemoryServer, RedisServer, TwoRedisServers) {
  TestType server;
  const auto preflight =
      curl({"-X", "OPTIONS", "-H", "Origin: null", "-H", "Access-Control-Request-Method: POST",
            "-H", "Access-Control-Request-Headers: content-type"},
           server.getUrl("/sig?get=x"));
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin") == "*");
  CHECK(preflight.header("access-control-allow-methods").find("POST") != std::string::npos);
  CHECK(preflight.header("access-control-allow-headers") == "content-type");

  const auto error = curl({"-X", "POST"}, server.url("/sig"));
  CHECK(error.status == 400);
  CHECK(error.header("access-control-allow-origin") == "*");
}
