#include "messages.hpp"

#include <nlohmann/json.hpp>

namespace webchat::transfer {

using json = nlohmann::json;

namespace {

// Reasons are shown to people and logged: a narrow alphabet.
bool isReason(std::string_view s) {
  if (s.empty() || s.size() > kMaxReasonBytes) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || c == '-')) return false;
  }
  return true;
}

// Type checks before every read: the wasm build has no exceptions (docs/building.md).
struct Fields {
  const json& object;
  std::string error;

  bool number(const char* key, std::uint64_t& out, std::uint64_t max) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_unsigned()) return fail(key, "missing or not a whole number");
    out = it->get<std::uint64_t>();
    return out <= max || fail(key, "too large");
  }
  bool request(RequestNo& out) {
    std::uint64_t value = 0;
    if (!number("request", value, UINT32_MAX)) return false;
    out = static_cast<RequestNo>(value);
    return out != 0 || fail("request", "zero");
  }
  bool text(const char* key, std::string& out, bool (*valid)(std::string_view)) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return fail(key, "missing or not a string");
    out = it->get<std::string>();
    return valid(out) || fail(key, "malformed");
  }
  bool fail(const char* key, const char* why) {
    error = std::string(key) + ": " + why;
    return false;
  }
};

struct Encoder {
  json operator()(const Get& m) const {
    return {{"type", "get"}, {"request", m.request}, {"hash", m.hash}, {"size", m.size}, {"from", m.from}};
  }
  json operator()(const Ack& m) const { return {{"type", "ack"}, {"request", m.request}, {"upto", m.upto}}; }
  json operator()(const Cancel& m) const { return {{"type", "cancel"}, {"request", m.request}}; }
  json operator()(const None& m) const { return {{"type", "none"}, {"request", m.request}, {"reason", m.reason}}; }
  json operator()(const End& m) const { return {{"type", "end"}, {"request", m.request}, {"reason", m.reason}}; }
};

}  // namespace

bool isFileHash(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string encode(const Control& message) {
  return std::visit(Encoder{}, message).dump(-1, ' ', false, json::error_handler_t::replace);
}

Decoded decode(std::string_view text) {
  if (text.size() > kMaxControlBytes) return {std::nullopt, "too long"};
  const json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return {std::nullopt, "not a JSON object"};
  Fields f{parsed, {}};
  std::string type;
  if (!f.text("type", type, [](std::string_view s) { return !s.empty(); })) return {std::nullopt, f.error};
  Decoded out;
  bool ok = false;
  if (type == "get") {
    Get m;
    ok = f.request(m.request) && f.text("hash", m.hash, isFileHash) && f.number("size", m.size, kMaxFileBytes) &&
         f.number("from", m.from, kMaxFileBytes);
    out.message = m;
  } else if (type == "ack") {
    Ack m;
    ok = f.request(m.request) && f.number("upto", m.upto, kMaxFileBytes);
    out.message = m;
  } else if (type == "cancel") {
    Cancel m;
    ok = f.request(m.request);
    out.message = m;
  } else if (type == "none") {
    None m;
    ok = f.request(m.request) && f.text("reason", m.reason, isReason);
    out.message = m;
  } else if (type == "end") {
    End m;
    ok = f.request(m.request) && f.text("reason", m.reason, isReason);
    out.message = m;
  } else {
    return {std::nullopt, "unknown type"};
  }
  if (!ok) return {std::nullopt, f.error};
  return out;
}

}  // namespace webchat::transfer
