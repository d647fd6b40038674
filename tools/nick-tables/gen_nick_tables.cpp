// Writes the Unicode tables behind nickSkeleton (wasm/core/nick_skeleton.cpp) as a C++ source file.
//   gen_nick_tables OUTPUT.cpp
//
// Every table is taken from ICU (Debian's libicu), the reference implementation of UTS #39: its
// confusables are compiled from Unicode's security/confusables.txt, its normalization and case folding
// from the UCD of the same Unicode version. The core cannot link ICU (the browser module has none), so
// this tool asks ICU about every code point and writes what the skeleton needs:
//   - compatibility decompositions, for NFKD (one step each, applied recursively at run time; Hangul
//     syllables are decomposed by algorithm),
//   - canonical combining classes, for the canonical ordering that ends NFKD,
//   - Default_Ignorable_Code_Point ranges (invisible; dropped from skeletons),
//   - full case folding of each NFKD-stable code point,
//   - the confusable prototype of each NFKD-stable code point: ICU's own skeleton of it.
// The byte format is documented in nick_skeleton.cpp, which reads it; see writeMappings below.

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/uversion.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr UChar32 kMaxCodePoint = 0x10FFFF;
constexpr UChar32 kHangulFirst = 0xAC00, kHangulLast = 0xD7A3;

void check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) {
    std::cerr << "gen_nick_tables: " << what << ": " << u_errorName(status) << "\n";
    std::exit(1);
  }
}

std::u16string toUtf16(const std::u32string& s) {
  std::u16string out;
  for (char32_t c : s) {
    UChar units[2];
    int32_t n = 0;
    U16_APPEND_UNSAFE(units, n, static_cast<UChar32>(c));
    out.append(reinterpret_cast<const char16_t*>(units), n);
  }
  return out;
}

std::u32string toUtf32(const UChar* s, int32_t length) {
  std::u32string out;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U16_NEXT(s, i, length, c);
    out.push_back(static_cast<char32_t>(c));
  }
  return out;
}

struct Icu {
  const UNormalizer2* nfkd;
  USpoofChecker* spoof;

  Icu() {
    UErrorCode status = U_ZERO_ERROR;
    nfkd = unorm2_getNFKDInstance(&status);
    check(status, "NFKD");
    spoof = uspoof_open(&status);
    check(status, "uspoof_open");
  }
  ~Icu() { uspoof_close(spoof); }

  std::u32string normalize(const std::u32string& s) const {
    std::u16string in = toUtf16(s);
    UChar out[64];
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = unorm2_normalize(nfkd, reinterpret_cast<const UChar*>(in.data()), static_cast<int32_t>(in.size()),
                                 out, 64, &status);
    check(status, "unorm2_normalize");
    return toUtf32(out, n);
  }

  bool nfkdStable(UChar32 c) const { return normalize(std::u32string(1, c)) == std::u32string(1, c); }

  std::u32string rawDecomposition(UChar32 c) const {
    UChar out[64];
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = unorm2_getRawDecomposition(nfkd, c, out, 64, &status);
    check(status, "unorm2_getRawDecomposition");
    return n < 0 ? std::u32string() : toUtf32(out, n);
  }

  std::u32string foldCase(UChar32 c) const {
    std::u16string in = toUtf16(std::u32string(1, c));
    UChar out[64];
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = u_strFoldCase(out, 16, reinterpret_cast<const UChar*>(in.data()), static_cast<int32_t>(in.size()),
                              U_FOLD_CASE_DEFAULT, &status);
    check(status, "u_strFoldCase");
    return toUtf32(out, n);
  }

  std::u32string skeleton(UChar32 c) const {
    std::u16string in = toUtf16(std::u32string(1, c));
    UChar out[64];
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeleton(spoof, 0, reinterpret_cast<const UChar*>(in.data()),
                                   static_cast<int32_t>(in.size()), out, 64, &status);
    check(status, "uspoof_getSkeleton");
    return toUtf32(out, n);
  }
};

bool assigned(UChar32 c) { return u_charType(c) != U_UNASSIGNED && u_charType(c) != U_SURROGATE; }

class ByteWriter {
 public:
  void varint(std::uint32_t v) {
    while (v >= 0x80) {
      bytes.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes.push_back(static_cast<std::uint8_t>(v));
  }
  std::vector<std::uint8_t> bytes;
};

struct Mapping {
  UChar32 from;
  std::u32string to;
};

std::size_t varintSize(std::uint32_t v) {
  std::size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

std::uint32_t zigzag(std::int64_t v) { return static_cast<std::uint32_t>(v < 0 ? (-v * 2 - 1) : v * 2); }

// Mappings, sorted by source. Runs of single-code-point mappings with a constant offset (stride 1, or
// stride 2 as in case pairs) become one record; other mappings are one record each, their code points
// written either as offsets from the previous such record's (neighbouring precomposed letters share a
// base letter or a mark) or as plain code points (most prototypes are ASCII), whichever is shorter.
//   record := varint(gap) varint(head) payload;   source = end of the previous record + gap
//   head & 3 == 0 or 1: run of (head >> 2) + 1 sources, stride 1 or 2; payload: zigzag(target - source)
//   head & 3 == 2: one source, (head >> 2) targets; payload: zigzag(target[i] - previous[i]) each
//   head & 3 == 3: one source, (head >> 2) targets; payload: varint(target[i]) each
// where previous[i] is the i-th target of the previous record of kind 2 or 3, or the source if none.
void writeMappings(ByteWriter& w, const std::vector<Mapping>& mappings) {
  std::u32string previous;
  UChar32 end = 0;  // one past the last source covered by the previous record
  std::size_t records = 0;
  ByteWriter body;
  for (std::size_t i = 0; i < mappings.size();) {
    const Mapping& m = mappings[i];
    body.varint(static_cast<std::uint32_t>(m.from - end));
    ++records;
    std::int64_t delta = static_cast<std::int64_t>(m.to[0]) - m.from;
    auto extends = [&](std::size_t j, UChar32 stride) {
      return j < mappings.size() && mappings[j].to.size() == 1 &&
             mappings[j].from == mappings[j - 1].from + stride &&
             static_cast<std::int64_t>(mappings[j].to[0]) - mappings[j].from == delta;
    };
    std::vector<std::uint32_t> relative, absolute;
    for (std::size_t k = 0; k < m.to.size(); ++k) {
      std::int64_t base = k < previous.size() ? previous[k] : m.from;
      relative.push_back(zigzag(static_cast<std::int64_t>(m.to[k]) - base));
      absolute.push_back(m.to[k]);
    }
    auto cost = [](const std::vector<std::uint32_t>& values) {
      std::size_t n = 0;
      for (auto v : values) n += varintSize(v);
      return n;
    };
    bool run = m.to.size() == 1 && (extends(i + 1, 1) || extends(i + 1, 2) ||
                                    varintSize(zigzag(delta)) <= std::min(cost(relative), cost(absolute)));
    if (run) {
      UChar32 stride = extends(i + 1, 1) ? 1 : extends(i + 1, 2) ? 2 : 1;
      std::size_t j = i + 1;
      while (extends(j, stride)) ++j;
      body.varint(static_cast<std::uint32_t>(((j - i - 1) << 2) | (stride == 2 ? 1 : 0)));
      body.varint(zigzag(delta));
      end = mappings[j - 1].from + 1;
      i = j;
      continue;
    }
    bool useAbsolute = cost(absolute) < cost(relative);
    body.varint(static_cast<std::uint32_t>((m.to.size() << 2) | (useAbsolute ? 3 : 2)));
    for (auto v : useAbsolute ? absolute : relative) body.varint(v);
    previous = m.to;
    end = m.from + 1;
    ++i;
  }
  w.varint(static_cast<std::uint32_t>(records));
  w.bytes.insert(w.bytes.end(), body.bytes.begin(), body.bytes.end());
}

struct Range {
  UChar32 first, last;
  std::uint8_t value;
};

//   ranges := varint(count) { varint(gap) varint(length - 1) [value byte, when withValue] }
void writeRanges(ByteWriter& w, const std::vector<Range>& ranges, bool withValue) {
  w.varint(static_cast<std::uint32_t>(ranges.size()));
  UChar32 end = 0;
  for (const Range& r : ranges) {
    w.varint(static_cast<std::uint32_t>(r.first - end));
    w.varint(static_cast<std::uint32_t>(r.last - r.first));
    if (withValue) w.bytes.push_back(r.value);
    end = r.last + 1;
  }
}

void addToRanges(std::vector<Range>& ranges, UChar32 c, std::uint8_t value) {
  if (!ranges.empty() && ranges.back().last == c - 1 && ranges.back().value == value) {
    ranges.back().last = c;
  } else {
    ranges.push_back({c, c, value});
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gen_nick_tables OUTPUT.cpp\n";
    return 2;
  }
  Icu icu;
  std::vector<Mapping> decompositions, folds, confusables;
  std::vector<Range> combiningClasses, ignorables;
  for (UChar32 c = 0; c <= kMaxCodePoint; ++c) {
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {  // unassigned ones too
      addToRanges(ignorables, c, 0);
      continue;
    }
    if (!assigned(c)) continue;
    if (std::uint8_t ccc = u_getCombiningClass(c)) addToRanges(combiningClasses, c, ccc);
    if (c >= kHangulFirst && c <= kHangulLast) continue;
    if (std::u32string d = icu.rawDecomposition(c); !d.empty()) {
      decompositions.push_back({c, d});
      continue;
    }
    if (!icu.nfkdStable(c)) continue;
    if (std::u32string f = icu.foldCase(c); f != std::u32string(1, c)) folds.push_back({c, f});
    if (std::u32string s = icu.skeleton(c); s != std::u32string(1, c)) confusables.push_back({c, s});
  }

  ByteWriter w;
  writeMappings(w, decompositions);
  writeRanges(w, combiningClasses, true);
  writeRanges(w, ignorables, false);
  writeMappings(w, folds);
  writeMappings(w, confusables);

  std::ofstream out(argv[1], std::ios::binary);
  out << "// Generated by tools/nick-tables/gen_nick_tables.cpp from ICU " << U_ICU_VERSION << " (Unicode "
      << U_UNICODE_VERSION << "). Do not edit.\n"
      << "// " << decompositions.size() << " decompositions, " << combiningClasses.size()
      << " combining class ranges, " << ignorables.size() << " ignorable ranges, " << folds.size()
      << " case foldings, " << confusables.size() << " confusable prototypes: " << w.bytes.size()
      << " bytes.\n"
      << "#include \"nick_tables.hpp\"\n\nnamespace webchat::nick_tables {\n\n"
      << "const char kUnicodeVersion[] = \"" << U_UNICODE_VERSION << "\";\n"
      << "const std::size_t kSize = " << w.bytes.size() << ";\n"
      << "const unsigned char kData[] = {";
  for (std::size_t i = 0; i < w.bytes.size(); ++i) {
    out << (i % 24 == 0 ? "\n  " : "") << static_cast<unsigned>(w.bytes[i]) << ",";
  }
  out << "\n};\n\n}  // namespace webchat::nick_tables\n";
  if (!out) {
    std::cerr << "gen_nick_tables: cannot write " << argv[1] << "\n";
    return 1;
  }
  std::cout << "gen_nick_tables: " << w.bytes.size() << " bytes of tables from ICU " << U_ICU_VERSION << "\n";
  return 0;
}
