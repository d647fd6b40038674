#pragma once
// The Unicode data behind nickSkeleton, generated at build time from ICU by
// tools/nick-tables/gen_nick_tables.cpp (never edited by hand; the format is described there).

#include <cstddef>

namespace webchat::nick_tables {

extern const char kUnicodeVersion[];  // of the data, e.g. "15.0"
extern const std::size_t kSize;
extern const unsigned char kData[];

}  // namespace webchat::nick_tables
