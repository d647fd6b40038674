// A real redis-server for one test, on a free loopback port and a unix socket in its own temporary
// folder, with no persistence (a restart starts empty). Stopped and removed by the destructor,
// whether the test passed or not.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "subprocess.hpp"

namespace webchat::test {

// A TCP port on 127.0.0.1 that nobody listens on right now.
int freeLoopbackPort();

class RedisProcess {
 public:
  explicit RedisProcess(std::vector<std::string> extraArgs = {});
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  std::string socketPath() const { return dir_ + "/redis.sock"; }
  std::string socketUrl() const { return "unix://" + socketPath(); }

  // Runs redis-cli against it: its output, trimmed ("" when the server is down).
  std::string cli(const std::vector<std::string>& args) const;
  // Stops it (SIGTERM: connections close, data is gone); start() brings it back, empty, on the
  // same port and socket.
  void stop();
  void start();
  pid_t pid() const { return process_ ? process_->pid() : -1; }

 private:
  std::string dir_;
  int port_ = 0;
  std::vector<std::string> extraArgs_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace webchat::test
