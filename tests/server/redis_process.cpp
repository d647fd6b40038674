#include "redis_process.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace webchat::test {

int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

RedisProcess::RedisProcess(std::vector<std::string> extraArgs)
    : port_(freeLoopbackPort()), extraArgs_(std::move(extraArgs)) {
  char pattern[] = "/tmp/webchat-redis-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  start();
}

RedisProcess::~RedisProcess() {
  process_.reset();  // SIGKILL and reap
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void RedisProcess::start() {
  std::vector<std::string> argv{"redis-server", "--port", std::to_string(port_), "--bind",
                                "127.0.0.1", "--unixsocket", socketPath(), "--unixsocketperm",
                                "700", "--save", "", "--appendonly", "no", "--dir", dir_,
                                "--logfile", dir_ + "/redis.log"};
  argv.insert(argv.end(), extraArgs_.begin(), extraArgs_.end());
  process_ = std::make_unique<Subprocess>(argv);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (cli({"PING"}) != "PONG") {
    if (Clock::now() > deadline) throw std::runtime_error("redis-server did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void RedisProcess::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait(std::chrono::seconds(20));
  process_.reset();
}

std::string RedisProcess::cli(const std::vector<std::string>& args) const {
  std::string command = "redis-cli -s '" + socketPath() + "'";
  for (const auto& arg : args) command += " '" + arg + "'";
  command += " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {};
  std::string output;
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  ::pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

}  // namespace webchat::test
