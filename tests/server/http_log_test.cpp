// The access log over real HTTP: one line per request outcome, written in batches that reach stderr
// within 100 ms of a line (the deadline here is generous: time is the benchmark's business) and
// that a SIGTERM never cuts short.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "raw_connection.hpp"
#include "subprocess.hpp"

using namespace webchat::test;
using namespace std::chrono_literals;

namespace {

std::string logOf(const ServerProcess& server) {
  std::ifstream log(server.stderrPath());
  return {std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>()};
}

// Polls the server's stderr until it holds `text`, without stopping the server.
bool waitForLogLine(const ServerProcess& server, const std::string& text) {
  const auto deadline = Clock::now() + 10s;
  while (logOf(server).find(text) == std::string::npos) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);  // polling interval
  }
  return true;
}

std::size_t countOf(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

}  // namespace

TEST_CASE("one access log line per request outcome, written while the server runs") {
  ServerProcess server;
  curl({"-X", "POST"}, server.url("/sig?get=logged"));
  curl({"-X", "POST"}, server.url("/sig?get="));
  BackgroundCurl gone({"-X", "POST"}, server.url("/sig?get=gone&timeoutms=60000"));
  REQUIRE(server.waitForMetric("webchat_parked_gets", 1));
  gone.kill();
  REQUIRE(server.waitForMetric("webchat_withdrawals_total", 1));

  // The batch timer writes them out; nothing else happens meanwhile.
  CHECK(waitForLogLine(server, "\"POST /sig?get=logged\" 204"));
  CHECK(waitForLogLine(server, "\"POST /sig?get=\" 400"));
  CHECK(waitForLogLine(server, "\"POST /sig?get=gone&timeoutms=60000\" 499"));
}

TEST_CASE("SIGTERM right after a burst of requests: every access log line is written") {
  ServerProcess server;
  constexpr int kRequests = 3000;  // a few batches' worth, the last one still in memory
  RawConnection client(server.port());
  std::string burst;
  for (int i = 0; i < kRequests; ++i) burst += "GET /healthz?n=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  client.send(burst);
  const auto answers = [&] { return countOf(client.received(), "HTTP/1.1 200 OK"); };
  const auto deadline = Clock::now() + 30s;
  while (answers() < kRequests && Clock::now() < deadline) {
    client.readUntil("text that never comes", 100ms);  // reads what arrives for 100 ms
  }
  REQUIRE(answers() == kRequests);

  server.process().signal(SIGTERM);
  const auto status = server.process().wait(5s);
  REQUIRE(status);
  CHECK(*status == 0);
  const auto log = logOf(server);
  CHECK(countOf(log, "\"GET /healthz?n=") == kRequests);
  CHECK(log.find("\"GET /healthz?n=" + std::to_string(kRequests - 1) + "\" 200") != std::string::npos);
}
