#pragma once
// Internal to the codecs (protocol.cpp, messages.cpp): JSON helpers and a field reader whose errors
// name the field. Decoding never throws; encoding replaces invalid UTF-8 instead of throwing.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "limits.hpp"

namespace webchat::wire {

using json = nlohmann::json;

inline constexpr std::size_t kMaxTokenBytes = 32;
inline constexpr std::size_t kMaxSdpBytes = 32 * 1024;
inline constexpr std::size_t kMaxFieldBytes = 4 * kMaxTextChars;  // longest UTF-8 form of a chat line
inline constexpr std::size_t kMaxMidBytes = 2 * kMaxTokenBytes;

// Ids (member ids, offer ids) appear inside mailbox IDs, so they use a narrow alphabet.
inline bool isToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxTokenBytes) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

// A message id is "<member id>-<counter>".
inline bool isMid(std::string_view s) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos || s.size() > kMaxMidBytes) return false;
  auto counter = s.substr(dash + 1);
  if (counter.empty() || counter.size() > 15) return false;
  for (char c : counter) {
    if (c < '0' || c > '9') return false;
  }
  return isToken(s.substr(0, dash));
}

// Replacement, not an exception, for invalid UTF-8: dump() must never throw in the wasm build.
inline std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

inline json envelope(const char* type) { return json{{"v", kProtocolVersion}, {"type", type}}; }

// Readers: a missing field or one of the wrong type is an error naming the field.
class Reader {
 public:
  explicit Reader(const json& object) : object_(object) {}

  bool has(const char* key) const { return object_.contains(key); }
  bool string(const char* key, std::string& out, std::size_t maxBytes) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_string()) return fail(key, "missing or not a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > maxBytes) return fail(key, "too long");
    out = s;
    return true;
  }
  // An optional string: absent leaves `out` as it is.
  bool optionalString(const char* key, std::string& out, std::size_t maxBytes) {
    return !has(key) || string(key, out, maxBytes);
  }
  bool token(const char* key, std::string& out) {
    if (!string(key, out, kMaxTokenBytes)) return false;
    return isToken(out) || fail(key, "not an id");
  }
  bool mid(const char* key, std::string& out) {
    if (!string(key, out, kMaxMidBytes)) return false;
    return isMid(out) || fail(key, "not a message id");
  }
  bool unsignedNumber(const char* key, std::uint64_t& out) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_number_unsigned()) return fail(key, "missing or not a whole number");
    out = it->get<std::uint64_t>();
    return true;
  }
  bool integer(const char* key, std::int64_t& out) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_number_integer()) return fail(key, "missing or not a whole number");
    out = it->get<std::int64_t>();
    return true;
  }
  bool boolean(const char* key, bool& out) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_boolean()) return fail(key, "missing or not a boolean");
    out = it->get<bool>();
    return true;
  }
  const json* array(const char* key, std::size_t maxItems) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_array()) {
      fail(key, "missing or not an array");
      return nullptr;
    }
    if (it->size() > maxItems) {
      fail(key, "too many items");
      return nullptr;
    }
    return &*it;
  }
  // Reads an object-valued field with `read(Reader&)`, prefixing its errors with the field's name.
  template <typename Read>
  bool object(const char* key, Read read) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_object()) return fail(key, "missing or not an object");
    Reader inner(*it);
    if (read(inner)) return true;
    return fail(key, ("→ " + inner.error()).c_str());
  }
  bool fail(const std::string& key, const char* what) {
    if (error_.empty()) error_ = "field '" + key + "' " + what;
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  const json& object_;
  std::string error_;
};

// Parses and checks the envelope; on success `type` names the message kind.
inline bool parseEnvelope(std::string_view text, json& j, std::string& type, std::string& error) {
  if (text.size() > kMaxPeerMessageBytes) {
    error = "message larger than " + std::to_string(kMaxPeerMessageBytes) + " bytes";
    return false;
  }
  j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return false;
  }
  Reader r(j);
  std::int64_t version = 0;
  if (!r.integer("v", version) || !r.string("type", type, kMaxTokenBytes)) {
    error = r.error();
    return false;
  }
  if (version != kProtocolVersion) {
    error = "unsupported protocol version " + std::to_string(version);
    return false;
  }
  return true;
}

}  // namespace webchat::wire
