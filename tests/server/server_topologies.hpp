// The shapes the HTTP suite runs against: one server with its mailbox in memory, one server with
// the mailbox in a real redis-server, and two servers sharing one redis-server with every get sent
// to the first and every set to the second. Metrics are summed over the servers.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "redis_process.hpp"
#include "subprocess.hpp"

namespace webchat::test {

class Topology {
 public:
  std::string url(const std::string& pathAndQuery) const { return servers_[0]->url(pathAndQuery); }
  std::string getUrl(const std::string& pathAndQuery) const { return url(pathAndQuery); }
  std::string setUrl(const std::string& pathAndQuery) const {
    return servers_.back()->url(pathAndQuery);
  }
  int port() const { return servers_[0]->port(); }
  double metric(const std::string& nameWithLabels) const {
    double sum = 0;
    for (const auto& server : servers_) sum += server->metric(nameWithLabels);
    return sum;
  }
  bool waitForMetric(const std::string& name, double value,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    const auto deadline = Clock::now() + timeout;
    while (metric(name) != value) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  ServerProcess& server(std::size_t index) { return *servers_.at(index); }

 protected:
  void addServer(std::vector<std::string> args) {
    servers_.push_back(std::make_unique<ServerProcess>(std::move(args)));
    waitUntilHealthy(*servers_.back());
  }
  static void waitUntilHealthy(const ServerProcess& server) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (curl({}, server.url("/healthz")).status != 200) {
      if (Clock::now() > deadline) throw std::runtime_error("server never became healthy");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

struct MemoryServer : Topology {
  MemoryServer() { addServer({}); }
};

struct RedisServer : Topology {
  RedisProcess redis;
  RedisServer() { addServer({"--redis", redis.url()}); }
};

struct TwoRedisServers : Topology {
  RedisProcess redis;
  TwoRedisServers() {
    addServer({"--redis", redis.url()});
    addServer({"--redis", redis.socketUrl()});
  }
};

}  // namespace webchat::test
