#pragma once
// Look-alike nicknames: confusable skeletons as defined by Unicode's UTS #39 (section 4), from the
// tables that tools/nick-tables generates out of ICU's data at build time (see docs/protocol.md).

#include <string>
#include <string_view>

namespace webchat {

// The UTS #39 skeleton of the NFKC form of UTF-8 text, in NFKD, as UTF-8: compatibility decomposition
// (so fullwidth and other compatibility forms, which confusables.txt mostly leaves to NFKC, count as
// their plain letters), each character replaced by its confusable prototype, NFKD again.
// Default-ignorable (invisible) code points are dropped; malformed UTF-8 bytes count as U+FFFD.
// Case matters: "Ian" and "lan" share a skeleton, "Alice" and "alice" do not.
std::string confusableSkeleton(std::string_view utf8);

// The skeleton of the case-folded text: NFKD, full case folding, NFKD, the prototypes and NFKD, twice
// over (some prototypes are capitals: "0" maps to "O"). "Alice", "ALICE", "аlice" (Cyrillic а),
// "ａｌｉｃｅ" and "a1ice" all share one; "Ian" and "lan" do not (compare confusableSkeleton too).
std::string nickSkeleton(std::string_view utf8);

// The Unicode version of the tables, e.g. "15.0".
const char* nickDataUnicodeVersion();

}  // namespace webchat
