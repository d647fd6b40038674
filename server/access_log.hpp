// One line per request outcome on stderr, e.g.
//   127.0.0.1 "POST /sig?get=room1&timeoutms=30000" 200 12B 341ms
// Outcomes that are not responses use nginx's conventions: 499 when a parked request's client went
// away, 408/000 when a connection was cut for being too slow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace webchat {

class AccessLog final {
 public:
  explicit AccessLog(bool enabled) : enabled_(enabled) {}
  void write(std::string_view client, std::string_view method, std::string_view target,
             unsigned status, std::size_t bodyBytes, std::int64_t millis) const;

 private:
  bool enabled_;
};

}  // namespace webchat
