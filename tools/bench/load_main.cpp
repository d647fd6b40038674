// webchat-load: the load generator of tools/bench-signal and of the server's heavy tests.
// Single-threaded and asynchronous (Beast), so one core drives thousands of connections.
#include <sys/resource.h>

#include <CLI/CLI.hpp>

#include "scenarios.hpp"

int main(int argc, char** argv) {
  CLI::App app{"webchat-load: load scenarios against webchat-server (or any HTTP server)"};
  app.require_subcommand(1);
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  app.add_option("--host", host, "Server address")->capture_default_str();
  app.add_option("--port", port, "Server port")->required();
  unsigned short setPort = 0;
  app.add_option("--set-port", setPort,
                 "Send the sets to this port instead (another instance sharing the mailbox)");
  std::string idPrefix = "park-";

  int pairs = 64, count = 1000, intervalMs = 200, giveUpMs = 30000;
  std::size_t bytes = 2048;
  double seconds = 5, rate = 0;
  bool hold = false;

  auto* exchange = app.add_subcommand("exchange", "Parked get + set pairs: throughput and latency");
  exchange->add_option("--pairs", pairs)->capture_default_str();
  exchange->add_option("--bytes", bytes, "Text size")->capture_default_str();
  exchange->add_option("--seconds", seconds, "Measured duration")->capture_default_str();
  exchange->add_option("--rate", rate, "Exchanges/s in total; 0: closed loop")->capture_default_str();

  auto* park = app.add_subcommand("park-gets", "Park N gets on distinct IDs, then serve them all");
  park->add_option("--count", count)->capture_default_str();
  park->add_flag("--hold", hold, "After parking, wait for a line on stdin before serving");
  park->add_option("--id-prefix", idPrefix, "Prefix of the IDs (several runs side by side)")
      ->capture_default_str();

  auto* flood = app.add_subcommand("flood", "N sets of BYTES on random IDs at once; runs until killed");
  flood->add_option("--count", count)->capture_default_str();
  flood->add_option("--bytes", bytes)->capture_default_str();

  auto* slow = app.add_subcommand("slowloris", "N connections trickling a never-ending request head");
  slow->add_option("--count", count)->capture_default_str();
  slow->add_option("--interval-ms", intervalMs)->capture_default_str();
  slow->add_option("--give-up-ms", giveUpMs)->capture_default_str();

  std::string path = "/index.html";
  auto* holdStatic = app.add_subcommand("hold-static", "N connections GET a file and never read it");
  holdStatic->add_option("--count", count)->capture_default_str();
  holdStatic->add_option("--path", path)->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  // Thousands of connections: use the whole hard limit of open files.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }

  const webchat::load::Endpoint server(boost::asio::ip::make_address(host), port);
  const webchat::load::Endpoint setServer(server.address(), setPort ? setPort : port);
  try {
    if (*exchange) {
      return webchat::load::runExchange(server, setServer, pairs, bytes, seconds, rate);
    }
    if (*park) return webchat::load::runParkGets(server, setServer, count, hold, idPrefix);
    if (*flood) return webchat::load::runFlood(server, count, bytes);
    if (*holdStatic) return webchat::load::runHoldStatic(server, count, path);
    if (*slow) return webchat::load::runSlowloris(server, count, intervalMs, giveUpMs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webchat-load: %s\n", e.what());
    return 2;
  }
  return 2;
}
