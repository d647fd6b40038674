#include "redis_url.hpp"

#include <charconv>

namespace webchat {
namespace {

bool parseNumber(std::string_view text, int max, int& value) {
  const auto* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  return !text.empty() && result.ec == std::errc() && result.ptr == end && value >= 0 &&
         value <= max;
}

}  // namespace

std::string RedisEndpoint::describe() const {
  if (!socketPath.empty()) return "unix://" + socketPath;
  const bool v6 = host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" +
         std::to_string(db);
}

std::optional<RedisEndpoint> parseRedisUrl(const std::string& url, std::string& error) {
  RedisEndpoint endpoint;
  std::string_view rest(url);
  if (rest.substr(0, 7) == "unix://") {
    rest.remove_prefix(7);
    const auto query = rest.find('?');
    endpoint.socketPath = std::string(rest.substr(0, query));
    if (query != std::string_view::npos) {
      const auto param = rest.substr(query + 1);
      if (param.substr(0, 3) != "db=" || !parseNumber(param.substr(3), 1 << 20, endpoint.db)) {
        error = "expected unix:///path/to/socket or unix:///path?db=N";
        return std::nullopt;
      }
    }
    if (endpoint.socketPath.empty() || endpoint.socketPath.front() != '/') {
      error = "expected an absolute socket path after unix://";
      return std::nullopt;
    }
    return endpoint;
  }
  if (rest.substr(0, 8) != "redis://") {
    error = "expected redis://[:PASSWORD@]HOST:PORT[/DB] or unix:///path/to/socket";
    return std::nullopt;
  }
  rest.remove_prefix(8);
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto credentials = rest.substr(0, at);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      error = "expected :PASSWORD@ or USER:PASSWORD@ before the host";
      return std::nullopt;
    }
    endpoint.user = std::string(credentials.substr(0, colon));
    endpoint.password = std::string(credentials.substr(colon + 1));
    rest.remove_prefix(at + 1);
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (!parseNumber(rest.substr(slash + 1), 1 << 20, endpoint.db)) {
      error = "the database after '/' must be a number";
      return std::nullopt;
    }
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest;
  if (const auto colon = rest.rfind(':');
      colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    if (!parseNumber(rest.substr(colon + 1), 65535, endpoint.port) || endpoint.port == 0) {
      error = "the port must be a number in 1..65535";
      return std::nullopt;
    }
    host = rest.substr(0, colon);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    error = "no host in the Redis URL";
    return std::nullopt;
  }
  endpoint.host = std::string(host);
  return endpoint;
}

}  // namespace webchat
