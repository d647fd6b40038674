// Percent-decoding of URL paths and query components (RFC 3986), strict: a '%' must be followed by
// two hex digits, otherwise the whole input is rejected instead of being passed through half-decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace webchat {

// Decodes %XX escapes; returns nullopt on a malformed escape. '+' stays '+': in the query strings this
// server reads (IDs, numbers) a '+' is never valid either way, and in paths it is a plain character.
std::optional<std::string> percentDecode(std::string_view encoded);

}  // namespace webchat
