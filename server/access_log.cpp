#include "access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace webchat {

namespace {

constexpr std::size_t kMaxBatchBytes = 32 * 1024;

template <typename Number>
void appendNumber(std::string& out, Number value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

AccessLog::AccessLog(bool enabled, std::function<void()> scheduleFlush, int fd)
    : enabled_(enabled), scheduleFlush_(std::move(scheduleFlush)), fd_(fd) {
  if (enabled_) batch_.reserve(kMaxBatchBytes + 1024);
}

AccessLog::~AccessLog() { flush(); }

void AccessLog::write(std::string_view client, std::string_view method, std::string_view target,
                      unsigned status, std::size_t bodyBytes, std::int64_t millis) {
  if (!enabled_) return;
  const bool startsBatch = batch_.empty();
  batch_.append(client).append(" \"").append(method).append(" ");
  // Control characters in a target would let a client forge log lines: each becomes '?'.
  const auto start = batch_.size();
  batch_.append(target);
  for (char* c = batch_.data() + start; c != batch_.data() + batch_.size(); ++c) {
    if (static_cast<unsigned char>(*c) < 0x20 || *c == 0x7f) *c = '?';
  }
  batch_.append("\" ");
  appendNumber(batch_, status);
  batch_.push_back(' ');
  appendNumber(batch_, bodyBytes);
  batch_.append("B ");
  appendNumber(batch_, millis);
  batch_.append("ms\n");
  if (batch_.size() >= kMaxBatchBytes) return flush();
  if (startsBatch && scheduleFlush_) scheduleFlush_();
}

void AccessLog::flush() {
  std::size_t done = 0;
  while (done < batch_.size()) {
    const auto n = ::write(fd_, batch_.data() + done, batch_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // stderr closed or full beyond repair: drop rather than stall the server
    done += static_cast<std::size_t>(n);
  }
  batch_.clear();
}

}  // namespace webchat
