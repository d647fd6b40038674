// webchat-server: the signaling mailbox over HTTP, plus the static files of the web app.
// See docs/server.md for the API, the flags and the limits.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "signaling_server.hpp"

namespace {

// "HOST:PORT", "[v6]:PORT"; the port may be 0 (the kernel picks one; we print which).
bool splitHostPort(const std::string& text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    std::size_t used = 0;
    const unsigned long value = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// Every parked request holds a socket: allow as many as the hard limit lets us.
void raiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  webchat::ServerOptions options;
  std::string listen = "127.0.0.1:8080";
  bool quiet = false;

  CLI::App app{"webchat-server: signaling mailbox (POST /sig) and static files for webchat"};
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  app.add_option("--web-root", options.webRoot, "Folder of the built web app to serve")
      ->check(CLI::ExistingDirectory);
  app.add_option("--max-body-bytes", options.maxBodyBytes, "Largest request body (else 413)")
      ->capture_default_str();
  app.add_option("--max-header-bytes", options.maxHeaderBytes, "Largest request head (else 431)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{256}, std::size_t{1} << 20));
  app.add_option("--max-parked", options.maxParked,
                 "Most requests parked at once, all clients together (else 503)")
      ->capture_default_str();
  app.add_option("--max-parked-per-ip", options.maxParkedPerIp,
                 "Most requests parked at once by one client address (else 429)")
      ->capture_default_str();
  app.add_option("--max-parked-bytes", options.maxParkedBytes,
                 "Memory budget for parked and arriving texts, in bytes (else 503)")
      ->capture_default_str();
  app.add_option("--max-parked-bytes-per-ip", options.maxParkedBytesPerIp,
                 "Budget for the parked and arriving texts of one client address, in bytes (else 429)")
      ->capture_default_str();
  app.add_option("--max-connections-per-ip", options.maxConnectionsPerIp,
                 "Most connections open at once from one client address (else 429 and close)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--header-timeout-ms", options.headerTimeoutMs,
                 "Deadline for a request head to arrive (else 408 and close)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--body-timeout-ms", options.bodyTimeoutMs,
                 "Deadline for a request body to arrive, and for an answer to be written")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--idle-timeout-ms", options.idleTimeoutMs,
                 "Close a kept-alive connection after this long without a new request")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--cors-origin", options.corsOrigins,
                 "Allow only this origin (repeat for several; 'null' for file:// pages); "
                 "default: every origin (*)");
  auto* redis = app.add_option("--redis", options.redisUrl,
                               "Share the mailbox with other instances through Redis: "
                               "redis://[:PASSWORD@]HOST:PORT[/DB] or unix:///path/to/socket "
                               "(default: in this process's memory). The password may come from "
                               "the environment variable WEBCHAT_REDIS_PASSWORD instead");
  app.add_option("--redis-prefix", options.redisPrefix,
                 "Prefix of every Redis key and channel (instances sharing a mailbox use the same)")
      ->capture_default_str()
      ->needs(redis);
  app.add_option("--redis-lease-ms", options.redisLeaseMs,
                 "How long what an instance parked in Redis outlives the instance if it dies")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{300}, std::int64_t{600'000}))
      ->needs(redis);
  app.add_option("--redis-timeout-ms", options.redisTimeoutMs,
                 "Redis silent this long counts as unreachable (requests then get 503)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{50}, std::int64_t{60'000}))
      ->needs(redis);
  app.add_flag("--quiet", quiet, "No access log line per request");
  webchat::addIceFlags(app, options.ice);
  CLI11_PARSE(app, argc, argv);
  if (const auto problem = webchat::checkIceOptions(options.ice); !problem.empty()) {
    std::cerr << problem << '\n';
    return 2;
  }

  if (!splitHostPort(listen, options.listenHost, options.listenPort)) {
    std::cerr << "--listen: expected HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  options.accessLog = !quiet;
  if (const char* password = std::getenv("WEBCHAT_REDIS_PASSWORD"); password && *password) {
    options.redisPassword = password;
  }
  raiseOpenFileLimit();

  try {
    // One thread touches everything (docs/server.md, Design): no locks in Asio's scheduler and
    // reactor either (uncontended, they still cost ~3% of a request's instructions).
    boost::asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
    webchat::SignalingServer server(ioc, options);
    const auto endpoint = server.localEndpoint();
    const auto address = endpoint.address();
    std::cout << "listening on http://"
              << (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) << ':'
              << endpoint.port() << std::endl;  // flushes: tests and scripts wait for this line
    server.start();
    ioc.run();
  } catch (const std::exception& e) {
    std::cerr << "webchat-server: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
