#include "sig_query.hpp"

#include <charconv>
#include <optional>

#include "percent_decode.hpp"

namespace webchat {
namespace {

bool isIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '~' || c == '-';
}

std::optional<std::string> validateId(std::string_view raw, std::string& error) {
  auto id = percentDecode(raw);
  if (!id) {
    error = "malformed percent-encoding in the ID";
    return std::nullopt;
  }
  if (id->empty()) {
    error = "empty ID";
    return std::nullopt;
  }
  if (id->size() > kMaxIdBytes) {
    error = "ID longer than " + std::to_string(kMaxIdBytes) + " bytes";
    return std::nullopt;
  }
  for (char c : *id) {
    if (!isIdChar(c)) {
      error = "ID may hold only A-Z a-z 0-9 . _ ~ -";
      return std::nullopt;
    }
  }
  return id;
}

std::optional<std::int64_t> parseTimeout(std::string_view raw) {
  auto decoded = percentDecode(raw);
  if (!decoded || decoded->empty()) return std::nullopt;
  for (char c : *decoded) {
    if (c < '0' || c > '9') return std::nullopt;  // no sign, no space, no fraction
  }
  std::int64_t value = 0;
  const auto* end = decoded->data() + decoded->size();
  const auto [ptr, ec] = std::from_chars(decoded->data(), end, value);
  if (ec != std::errc() || ptr != end || value > kMaxTimeoutMs) return std::nullopt;
  return value;
}

}  // namespace

std::variant<SigCommand, SigQueryError> parseSigQuery(std::string_view query) {
  std::optional<std::string_view> get, set, timeout;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto name = pair.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::optional<std::string_view>* slot = name == "get"         ? &get
                                            : name == "set"       ? &set
                                            : name == "timeoutms" ? &timeout
                                                                  : nullptr;
    if (!slot) continue;
    if (*slot) return SigQueryError{"parameter \"" + std::string(name) + "\" given twice"};
    *slot = value;
  }

  if (get && set) return SigQueryError{"give either get=ID or set=ID, not both"};
  if (!get && !set) return SigQueryError{"missing get=ID or set=ID"};

  std::string error;
  auto id = validateId(get ? *get : *set, error);
  if (!id) return SigQueryError{error};

  const auto kind = get ? SigCommand::Kind::get : SigCommand::Kind::set;
  std::int64_t timeoutMs = kind == SigCommand::Kind::get ? 0 : kMaxTimeoutMs;
  if (timeout) {
    const auto parsed = parseTimeout(*timeout);
    if (!parsed) {
      return SigQueryError{"timeoutms must be a whole number from 0 to " +
                           std::to_string(kMaxTimeoutMs)};
    }
    timeoutMs = *parsed;
  }
  return SigCommand{kind, std::move(*id), timeoutMs};
}

}  // namespace webchat
