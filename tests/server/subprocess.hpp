// Child processes for the server tests: the real server binary, curl as the real HTTP client, and
// the load tool. Every wait has a generous deadline; nothing sleeps a fixed time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace webchat::test {

using Clock = std::chrono::steady_clock;

// The loopback address ServerProcess::metric() asks from; tests play clients from 127.0.0.1 (and
// other 127.0.0.x addresses).
inline constexpr const char* kObserverAddress = "127.0.0.254";

// A child whose stdout is captured through a pipe (stderr goes to `stderrPath`, or is inherited).
class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& argv, const std::string& stderrPath = "");
  ~Subprocess();  // kills (SIGKILL) and reaps a child still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads stdout until the child exits; its exit status, or nullopt if `timeout` passed first.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Reads stdout until a full line arrives; nullopt on EOF or timeout.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }
  void signal(int sig);

 private:
  enum class Pump { data, idle, closed };
  Pump pump(Clock::time_point deadline);  // reads what arrives before `deadline`
  pid_t pid_ = -1;
  int stdoutFd_ = -1;
  std::string output_;
  std::size_t consumed_ = 0;  // of output_, by readLine
  std::optional<int> status_;
};

// The real webchat-server, started on a free loopback port. At the end it is stopped as in
// production (SIGTERM), and its stderr is checked: a sanitizer's report there fails the test.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extraArgs = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  std::string url(const std::string& pathAndQuery) const;
  int port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  Subprocess& process() { return process_; }
  std::string stderrPath() const { return stderrPath_; }
  // VmRSS of the server, in bytes.
  std::size_t residentBytes() const;
  // The value of one line of /metrics, e.g. metric("webchat_parked_gets").
  double metric(const std::string& nameWithLabels) const;
  // Polls /metrics until `metric(name) == value`; false after `timeout`.
  bool waitForMetric(const std::string& name, double value,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

 private:
  std::string stderrPath_;
  Subprocess process_;
  int port_ = 0;
};

// The lines of an AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report in a log
// ("==PID==ERROR: ..." and "SUMMARY: ...Sanitizer..."); empty when there is none.
std::string sanitizerReport(const std::string& log);

struct HttpResult {
  int status = 0;  // 0: curl failed (see error)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;
  // The value of a header (name in lower case), or "" when absent.
  std::string header(const std::string& name) const {
    const auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
};

// Runs curl once: `curl -s -S -i <args> <url>`; a curl failure gives status 0.
HttpResult curl(const std::vector<std::string>& args, const std::string& url,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));
// Parses curl -i output (skipping interim 1xx answers).
HttpResult parseCurlOutput(const std::string& output);

// curl started in the background (e.g. a long-poll that parks); finish() collects its answer.
class BackgroundCurl {
 public:
  BackgroundCurl(const std::vector<std::string>& args, const std::string& url);
  HttpResult finish(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void kill();  // the client goes away
 private:
  Subprocess process_;
};

}  // namespace webchat::test
