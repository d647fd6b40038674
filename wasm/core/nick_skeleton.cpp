#include "nick_skeleton.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "nick_tables.hpp"

namespace webchat {

namespace {

using Text = std::vector<char32_t>;  // code points (std::u32string would cost more code in the module)

// --- The tables, decoded once from nick_tables::kData (format: tools/nick-tables/gen_nick_tables.cpp).

struct Mapping {
  char32_t first;       // first source code point
  std::uint16_t count;  // sources in the run (1 for a string)
  std::uint8_t stride;  // 1 or 2 between the sources of a run
  bool isString;        // targets are pool[value, value + length), else target = source + value
  std::int32_t value;
  std::uint8_t length;
};

struct Range {
  char32_t first, last;
  std::uint8_t value;
};

class Reader {
 public:
  std::uint32_t varint() {
    std::uint32_t v = 0;
    for (int shift = 0; pos_ < nick_tables::kSize; shift += 7) {
      std::uint8_t b = nick_tables::kData[pos_++];
      v |= static_cast<std::uint32_t>(b & 0x7F) << shift;
      if (b < 0x80) break;
    }
    return v;
  }
  std::int32_t zigzag() {
    std::uint32_t v = varint();
    return (v & 1) ? -static_cast<std::int32_t>((v + 1) / 2) : static_cast<std::int32_t>(v / 2);
  }
  std::uint8_t byte() { return pos_ < nick_tables::kSize ? nick_tables::kData[pos_++] : 0; }

 private:
  std::size_t pos_ = 0;
};

struct Tables {
  std::vector<Mapping> decompositions, folds, confusables;
  std::vector<Range> combiningClasses, ignorables;
  Text pool;  // the targets of string mappings
};

void readMappings(Reader& r, std::vector<Mapping>& out, Text& pool) {
  Text previous;
  char32_t end = 0;
  for (std::uint32_t n = r.varint(); n > 0; --n) {
    Mapping m{};
    m.first = end + r.varint();
    std::uint32_t head = r.varint();
    if ((head & 3) < 2) {
      m.count = static_cast<std::uint16_t>((head >> 2) + 1);
      m.stride = static_cast<std::uint8_t>((head & 3) + 1);
      m.value = r.zigzag();
      end = m.first + m.stride * (m.count - 1) + 1;
    } else {
      m.count = m.stride = 1;
      m.isString = true;
      m.length = static_cast<std::uint8_t>(head >> 2);
      Text targets;
      for (std::uint8_t i = 0; i < m.length; ++i) {
        char32_t base = i < previous.size() ? previous[i] : m.first;
        targets.push_back((head & 3) == 3 ? r.varint() : static_cast<char32_t>(base + r.zigzag()));
      }
      m.value = static_cast<std::int32_t>(pool.size());
      pool.insert(pool.end(), targets.begin(), targets.end());
      previous = targets;
      end = m.first + 1;
    }
    out.push_back(m);
  }
}

void readRanges(Reader& r, std::vector<Range>& out, bool withValue) {
  char32_t end = 0;
  for (std::uint32_t n = r.varint(); n > 0; --n) {
    Range range{};
    range.first = end + r.varint();
    range.last = range.first + r.varint();
    range.value = withValue ? r.byte() : 1;
    end = range.last + 1;
    out.push_back(range);
  }
}

const Tables& tables() {
  static const Tables decoded = [] {
    Tables t;
    Reader r;
    readMappings(r, t.decompositions, t.pool);
    readRanges(r, t.combiningClasses, true);
    readRanges(r, t.ignorables, false);
    readMappings(r, t.folds, t.pool);
    readMappings(r, t.confusables, t.pool);
    return t;
  }();
  return decoded;
}

// The mapping of c, or nullptr when c maps to itself.
const Mapping* find(const std::vector<Mapping>& mappings, char32_t c) {
  auto it = std::upper_bound(mappings.begin(), mappings.end(), c,
                             [](char32_t x, const Mapping& m) { return x < m.first; });
  if (it == mappings.begin()) return nullptr;
  const Mapping& m = *--it;
  char32_t offset = c - m.first;
  if (offset % m.stride != 0 || offset / m.stride >= m.count) return nullptr;
  return &m;
}

std::uint8_t rangeValue(const std::vector<Range>& ranges, char32_t c) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), c,
                             [](char32_t x, const Range& r) { return x < r.first; });
  if (it == ranges.begin()) return 0;
  --it;
  return c <= it->last ? it->value : 0;
}

// Appends what c maps to in mappings, or c itself.
void appendMapped(const std::vector<Mapping>& mappings, char32_t c, Text& out) {
  const Mapping* m = find(mappings, c);
  if (!m) {
    out.push_back(c);
  } else if (m->isString) {
    auto first = tables().pool.begin() + m->value;
    out.insert(out.end(), first, first + m->length);
  } else {
    out.push_back(static_cast<char32_t>(static_cast<std::int32_t>(c) + m->value));
  }
}

// --- UTF-8 --------------------------------------------------------------------------------------

Text decodeUtf8(std::string_view s) {
  Text out;
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t length = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    char32_t c = length == 1 ? b : length == 2 ? (b & 0x1F) : length == 3 ? (b & 0x0F) : (b & 0x07);
    bool valid = length != 0 && i + length <= s.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      valid = (next & 0xC0) == 0x80;
      c = (c << 6) | (next & 0x3F);
    }
    static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && c >= kMinForLength[length] && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
    out.push_back(valid ? c : U'\uFFFD');
    i += valid ? length : 1;
  }
  return out;
}

std::string encodeUtf8(const Text& s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// --- Normalization ------------------------------------------------------------------------------

// Hangul syllables decompose by arithmetic (Unicode chapter 3.12), not through the tables.
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kVCount = 21, kTCount = 28, kSCount = 11172;

void appendDecomposed(char32_t c, Text& out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    char32_t index = c - kSBase;
    out.push_back(kLBase + index / (kVCount * kTCount));
    out.push_back(kVBase + (index % (kVCount * kTCount)) / kTCount);
    if (index % kTCount != 0) out.push_back(kTBase + index % kTCount);
    return;
  }
  if (rangeValue(tables().ignorables, c)) return;
  Text once;
  appendMapped(tables().decompositions, c, once);
  if (once.size() == 1 && once[0] == c) {
    out.push_back(c);
  } else {
    for (char32_t part : once) appendDecomposed(part, out);
  }
}

// The canonical ordering algorithm: a stable sort by combining class of each run of non-starters
// (insertion sort: runs are a few marks long).
void reorder(Text& s) {
  auto ccc = [](char32_t c) { return rangeValue(tables().combiningClasses, c); };
  for (std::size_t i = 1; i < s.size(); ++i) {
    std::uint8_t cls = ccc(s[i]);
    if (cls == 0) continue;
    for (std::size_t j = i; j > 0 && ccc(s[j - 1]) > cls; --j) std::swap(s[j - 1], s[j]);
  }
}

// NFKD: compatibility decomposition, then canonical ordering; invisible code points are dropped.
Text nfkd(const Text& s) {
  Text out;
  for (char32_t c : s) appendDecomposed(c, out);
  reorder(out);
  return out;
}

Text mapEach(const std::vector<Mapping>& mappings, const Text& s) {
  Text out;
  for (char32_t c : s) appendMapped(mappings, c, out);
  return out;
}

}  // namespace

std::string confusableSkeleton(std::string_view utf8) {
  return encodeUtf8(nfkd(mapEach(tables().confusables, nfkd(decodeUtf8(utf8)))));
}

std::string nickSkeleton(std::string_view utf8) {
  const Tables& t = tables();
  Text s = nfkd(decodeUtf8(utf8));
  // Twice over: some prototypes are capitals ("0" looks like "O"), and "O" is the same nick as "o".
  for (int pass = 0; pass < 2; ++pass) s = nfkd(mapEach(t.confusables, nfkd(mapEach(t.folds, s))));
  return encodeUtf8(s);
}

const char* nickDataUnicodeVersion() { return nick_tables::kUnicodeVersion; }

}  // namespace webchat
