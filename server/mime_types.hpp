// Content-Type of a static file, chosen by its extension (case-insensitive).
#pragma once

#include <string_view>

namespace webchat {

// Falls back to application/octet-stream, so a browser never sniffs an unknown file into a script.
std::string_view mimeTypeForPath(std::string_view path);

}  // namespace webchat
