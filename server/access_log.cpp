#include "access_log.hpp"

#include <cstdio>
#include <string>

namespace webchat {

void AccessLog::write(std::string_view client, std::string_view method, std::string_view target,
                      unsigned status, std::size_t bodyBytes, std::int64_t millis) const {
  if (!enabled_) return;
  // Control characters in a target would let a client forge log lines.
  std::string line;
  line.reserve(client.size() + method.size() + target.size() + 48);
  line.append(client).append(" \"").append(method).append(" ");
  for (char c : target) line.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  line.append("\" ")
      .append(std::to_string(status))
      .append(" ")
      .append(std::to_string(bodyBytes))
      .append("B ")
      .append(std::to_string(millis))
      .append("ms\n");
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line: lines never interleave
}

}  // namespace webchat
