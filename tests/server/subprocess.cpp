#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

#ifndef WEBCHAT_SERVER_BINARY
#error "WEBCHAT_SERVER_BINARY must name the server under test"
#endif

namespace webchat::test {

Subprocess::Subprocess(const std::vector<std::string>& argv, const std::string& stderrPath) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!stderrPath.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  stdoutFd_ = fds[0];
}

Subprocess::~Subprocess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  if (stdoutFd_ >= 0) close(stdoutFd_);
}

void Subprocess::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

Subprocess::Pump Subprocess::pump(Clock::time_point deadline) {
  if (stdoutFd_ < 0) return Pump::closed;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  pollfd pfd{stdoutFd_, POLLIN, 0};
  if (poll(&pfd, 1, static_cast<int>(std::max<long long>(0, left.count()))) <= 0) return Pump::idle;
  char chunk[65536];
  const auto n = read(stdoutFd_, chunk, sizeof chunk);
  if (n <= 0) {
    close(stdoutFd_);
    stdoutFd_ = -1;
    return Pump::closed;
  }
  output_.append(chunk, static_cast<std::size_t>(n));
  return Pump::data;
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (!status_ && waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (status_) {
      while (pump(Clock::now()) == Pump::data) {
      }
      return status_;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    // Returns as soon as output arrives; after EOF, wake up now and then to reap the child.
    if (pump(std::min(deadline, Clock::now() + std::chrono::milliseconds(20))) == Pump::closed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

std::optional<std::string> Subprocess::readLine(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto newline = output_.find('\n', consumed_);
    if (newline != std::string::npos) {
      std::string line = output_.substr(consumed_, newline - consumed_);
      consumed_ = newline + 1;
      return line;
    }
    if (Clock::now() >= deadline || pump(deadline) == Pump::closed) return std::nullopt;
  }
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs)
    : stderrPath_("server-" + std::to_string(getpid()) + "-" +
                  std::to_string(Clock::now().time_since_epoch().count()) + ".log"),
      process_(
          [&] {
            // WEBCHAT_SERVER_BINARY in the environment: the same tests against another build of the
            // server (tools/test runs them against an ASan+UBSan build too).
            const char* binary = std::getenv("WEBCHAT_SERVER_BINARY");
            std::vector<std::string> argv{binary && *binary ? binary : WEBCHAT_SERVER_BINARY,
                                          "--listen", "127.0.0.1:0"};
            argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
            return argv;
          }(),
          stderrPath_) {
  const auto line = process_.readLine(std::chrono::seconds(20));
  const std::string prefix = "listening on http://127.0.0.1:";
  if (!line || line->rfind(prefix, 0) != 0) {
    throw std::runtime_error("server did not announce its port: " + line.value_or("<nothing>"));
  }
  port_ = std::stoi(line->substr(prefix.size()));
}

ServerProcess::~ServerProcess() {
  // A clean exit is when a sanitized build reports leaks; a SIGKILL (the Subprocess's) would hide them.
  process_.signal(SIGTERM);
  process_.wait(std::chrono::seconds(10));
  std::ifstream in(stderrPath_);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto report = sanitizerReport(log);
  if (!report.empty()) FAIL_CHECK("the server's sanitizer reported (" << stderrPath_ << "):\n" << report);
}

std::string sanitizerReport(const std::string& log) {
  // Access log lines begin with the client's address, so a client cannot forge these.
  std::istringstream lines(log);
  std::string line, report;
  while (std::getline(lines, line)) {
    const bool error = line.rfind("==", 0) == 0 && line.find("ERROR:") != std::string::npos;
    const bool summary = line.rfind("SUMMARY: ", 0) == 0 && line.find("Sanitizer") != std::string::npos;
    if (error || summary) report += line + "\n";
  }
  return report;
}

std::string ServerProcess::url(const std::string& pathAndQuery) const {
  return "http://127.0.0.1:" + std::to_string(port_) + pathAndQuery;
}

std::size_t ServerProcess::residentBytes() const {
  std::ifstream status("/proc/" + std::to_string(pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

double ServerProcess::metric(const std::string& nameWithLabels) const {
  // From an address of its own, so that watching never counts against the per-address caps tested.
  const auto res = curl({"--interface", kObserverAddress}, url("/metrics"));
  std::istringstream lines(res.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(nameWithLabels + " ", 0) == 0) return std::stod(line.substr(nameWithLabels.size()));
  }
  return -1;
}

bool ServerProcess::waitForMetric(const std::string& name, double value,
                                  std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (metric(name) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling interval, not a wait
  }
  return false;
}

HttpResult parseCurlOutput(const std::string& output) {
  HttpResult result;
  std::size_t pos = 0;
  for (;;) {
    const auto headEnd = output.find("\r\n\r\n", pos);
    if (headEnd == std::string::npos) {
      result.error = "no HTTP head in curl output";
      return result;
    }
    std::istringstream head(output.substr(pos, headEnd - pos));
    std::string statusLine;
    std::getline(head, statusLine);
    result.status = std::stoi(statusLine.substr(statusLine.find(' ') + 1, 3));
    result.headers.clear();
    std::string line;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    pos = headEnd + 4;
    if (result.status >= 200) break;  // skip "100 Continue"
  }
  result.body = output.substr(pos);
  return result;
}

namespace {
std::vector<std::string> curlArgv(const std::vector<std::string>& args, const std::string& url) {
  std::vector<std::string> argv{"curl", "-s", "-S", "-i"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  return argv;
}
}  // namespace

HttpResult curl(const std::vector<std::string>& args, const std::string& url,
                std::chrono::milliseconds timeout) {
  Subprocess process(curlArgv(args, url));
  const auto status = process.wait(timeout);
  if (!status) return HttpResult{0, {}, {}, "curl timed out"};
  if (*status != 0) return HttpResult{0, {}, process.output(), "curl exit " + std::to_string(*status)};
  return parseCurlOutput(process.output());
}

BackgroundCurl::BackgroundCurl(const std::vector<std::string>& args, const std::string& url)
    : process_(curlArgv(args, url)) {}

HttpResult BackgroundCurl::finish(std::chrono::milliseconds timeout) {
  const auto status = process_.wait(timeout);
  if (!status) return HttpResult{0, {}, {}, "curl timed out"};
  if (*status != 0) return HttpResult{0, {}, process_.output(), "curl exit " + std::to_string(*status)};
  return parseCurlOutput(process_.output());
}

void BackgroundCurl::kill() {
  process_.signal(SIGKILL);
  process_.wait(std::chrono::seconds(10));
}

}  // namespace webchat::test
