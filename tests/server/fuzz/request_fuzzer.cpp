// libFuzzer target over request parsing and handling, without sockets: the bytes are a stream of
// HTTP requests on one connection, interleaved with control bytes that advance the virtual clock
// (expiring parked requests) and withdraw parked requests (clients hanging up). It checks that every
// parked request is answered at most once, that the mailbox's byte count matches, and that the
// shutdown drain leaves nothing behind. ASan/UBSan/LeakSanitizer do the rest.
#include <utility>

#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "memory_mailbox.hpp"
#include "metrics.hpp"
#include "request_handler.hpp"
#include "server_options.hpp"

namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

// A small web root of this process's own, removed when the fuzzer exits (libFuzzer ends its runs with exit()).
struct WebRoot {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("webchat-fuzz-web-" + std::to_string(::getpid()));
  WebRoot() {
    std::filesystem::create_directories(path / "sub");
    std::ofstream(path / "index.html") << "<!doctype html>";
    std::ofstream(path / "app.js") << "export {};";
    std::ofstream(path / "sub" / "index.html") << "sub";
  }
  WebRoot(const WebRoot&) = delete;
  WebRoot& operator=(const WebRoot&) = delete;
  ~WebRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const WebRoot webRoot;
  webchat::ServerOptions options;
  options.webRoot = webRoot.path.string();
  options.maxBodyBytes = 1000;  // small limits: the fuzzer reaches them
  options.maxHeaderBytes = 512;
  options.maxParked = 8;
  options.maxParkedPerIp = 6;
  options.maxParkedBytes = 2000;
  if (size > 0 && data[0] & 1) options.corsOrigins = {"null", "https://a.example"};

  webchat::MemoryMailbox mailbox;
  webchat::ServerMetrics metrics;
  webchat::RequestHandler handler(options, mailbox, metrics, [] {});
  webchat::Millis now = 0;
  std::vector<webchat::MailboxBackend::Ticket> parked;
  int answers = 0;

  std::size_t pos = 0;
  for (int round = 0; pos < size && round < 64; ++round) {
    const std::uint8_t control = data[pos++];
    if (control % 8 == 0) {  // time passes
      now += control * 37;
      mailbox.expire(now);
      continue;
    }
    if (control % 8 == 1 && !parked.empty()) {  // a client hangs up
      handler.withdraw(parked[control % parked.size()]);
      continue;
    }

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.maxHeaderBytes));
    parser.body_limit(options.maxBodyBytes);
    parser.eager(false);
    boost::beast::error_code ec;
    while (!ec && !parser.is_header_done() && pos < size) {
      pos += parser.put(net::buffer(data + pos, size - pos), ec);
    }
    if (ec == http::error::need_more || !parser.is_header_done()) break;  // the input ended
    if (ec) {
      handler.answerParseError(ec);
      break;  // the session closes the connection
    }
    auto routed = handler.route(parser.get(), control % 8 == 2 ? "10.0.0.2" : "10.0.0.1");
    if (std::holds_alternative<webchat::Response>(routed)) {
      if (!parser.is_done()) break;  // refused on its head: the session closes the connection
      continue;
    }
    parser.eager(true);
    while (!ec && !parser.is_done() && pos < size) {
      pos += parser.put(net::buffer(data + pos, size - pos), ec);
    }
    if (ec == http::error::need_more || !parser.is_done()) break;  // client gone: slot given back
    if (ec) {
      handler.answerParseError(ec);
      break;
    }
    auto answered = std::make_shared<bool>(false);
    const auto ticket = handler.handle(
        std::get<webchat::RequestHandler::AcceptedCall>(std::move(routed)),
        std::move(parser.get().body()), now, [answered, &answers](webchat::Response res) {
          check(!*answered, "a request answered twice");
          *answered = true;
          ++answers;
          check(res.result_int() == 200 || res.result_int() == 204, "a /sig answer other than 200/204");
        });
    if (ticket) parked.push_back(*ticket);
  }

  check(mailbox.core().parkedCount() == mailbox.stats().parkedGets + mailbox.stats().parkedSets,
        "parked counts disagree");
  mailbox.drainAll();
  check(mailbox.core().parkedCount() == 0 && mailbox.core().activeIds() == 0, "drain left requests behind");
  check(mailbox.stats().bytesParked == 0, "bytes counted for nothing");
  check(answers <= static_cast<int>(metrics.connectionsAccepted) + 64, "more answers than requests");
  return 0;
}
