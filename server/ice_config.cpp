#include "ice_config.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>

namespace webchat {

namespace {

// What an ICE server URL may hold (RFC 7064/7065: host, port, ?transport=...): nothing that would
// need escaping in JSON or could smuggle another field into the answer.
bool plainUrlChars(std::string_view url) {
  for (const char c : url) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view(".-_~:[]?=&%").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool hasScheme(std::string_view url, std::string_view scheme) {
  return url.size() > scheme.size() + 1 && url.substr(0, scheme.size()) == scheme &&
         url[scheme.size()] == ':';
}

std::string checkUrls(const std::vector<std::string>& urls, const char* flag, const char* plain,
                      const char* secure) {
  for (const auto& url : urls) {
    if ((!hasScheme(url, plain) && !hasScheme(url, secure)) || !plainUrlChars(url)) {
      return std::string(flag) + ": expected " + plain + ":HOST[:PORT] or " + secure +
             ":HOST[:PORT] (optionally ?transport=udp|tcp), got '" + url + "'";
    }
  }
  return {};
}

void appendUrls(std::string& out, const std::vector<std::string>& urls) {
  out += "\"urls\":[";
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (i) out += ',';
    out += '"' + urls[i] + '"';  // checked by plainUrlChars: nothing to escape
  }
  out += ']';
}

}  // namespace

std::string checkIceOptions(const IceOptions& options) {
  if (auto problem = checkUrls(options.stun, "--stun", "stun", "stuns"); !problem.empty()) {
    return problem;
  }
  if (auto problem = checkUrls(options.turn, "--turn", "turn", "turns"); !problem.empty()) {
    return problem;
  }
  if (!options.turn.empty() && options.turnSecret.empty()) {
    return "--turn needs --turn-secret (or WEBCHAT_TURN_SECRET): coturn's static-auth-secret";
  }
  if (options.turnTtlSeconds < 60 || options.turnTtlSeconds > 7 * 24 * 3600) {
    return "--turn-ttl: between 60 and 604800 seconds";
  }
  return {};
}

std::string turnPassword(std::string_view secret, std::string_view username) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(username.data()), username.size(), digest, &length);
  std::string base64(4 * ((length + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), digest, static_cast<int>(length));
  base64.resize(static_cast<std::size_t>(written));
  return base64;
}

std::string iceConfigJson(const IceOptions& options, std::int64_t nowUnixSeconds) {
  std::string out = "{\"iceServers\":[";
  bool first = true;
  if (!options.stun.empty()) {
    out += '{';
    appendUrls(out, options.stun);
    out += '}';
    first = false;
  }
  if (!options.turn.empty()) {
    // coturn accepts the credential until <expiry>; the name after the colon is only a label.
    const std::string username = std::to_string(nowUnixSeconds + options.turnTtlSeconds) + ":webchat";
    if (!first) out += ',';
    out += '{';
    appendUrls(out, options.turn);
    out += ",\"username\":\"" + username + "\",\"credential\":\"" +
           turnPassword(options.turnSecret, username) + "\"}";
  }
  out += "],\"ttl\":" + std::to_string(options.turnTtlSeconds) + '}';
  return out;
}

Response answerIceConfig(const IceOptions& options) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  Response res = plainTextResponse(http::status::ok, iceConfigJson(options, now));
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  return res;
}

}  // namespace webchat
