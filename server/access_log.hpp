// One line per request outcome on stderr, e.g.
//   127.0.0.1 "POST /sig?get=room1&timeoutms=30000" 200 12B 341ms
// Outcomes that are not responses use nginx's conventions: 499 when a parked request's client went
// away, 408/000 when a connection was cut for being too slow.
//
// Buffered: lines gather in memory and go out in one write per batch, at the latest 100 ms after the
// first line of the batch (the owner's timer calls flush()), when the batch reaches 32 KiB, and when
// the log is destroyed (the server's exit, SIGTERM included). A system call per line cost ~14% of
// the server's throughput.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace webchat {

class AccessLog final {
 public:
  static constexpr auto kFlushDelay = std::chrono::milliseconds(100);

  // `scheduleFlush` is called when a line starts a batch: the owner calls flush() within kFlushDelay.
  AccessLog(bool enabled, std::function<void()> scheduleFlush, int fd = 2);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(std::string_view client, std::string_view method, std::string_view target,
             unsigned status, std::size_t bodyBytes, std::int64_t millis);
  // Writes the batch out (blocking until the descriptor took all of it, or refused it).
  void flush();

 private:
  bool enabled_;
  std::function<void()> scheduleFlush_;
  int fd_;
  std::string batch_;
};

}  // namespace webchat
