// The generated tables against their source: for every code point, and for random strings that mix
// letters, confusables, compatibility forms and combining marks, confusableSkeleton equals ICU's
// uspoof_getSkeleton of the NFKC form, in NFKD, except that default-ignorable code points (which ICU
// keeps) are dropped.
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>

#include "nick_skeleton.hpp"

using namespace webchat;

namespace {

std::string utf8(char32_t c) {
  UChar units[2];
  int32_t n = 0;
  U16_APPEND_UNSAFE(units, n, static_cast<UChar32>(c));
  char out[8];
  int32_t length = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strToUTF8(out, sizeof out, &length, units, n, &status);
  REQUIRE(U_SUCCESS(status));
  return std::string(out, static_cast<std::size_t>(length));
}

class IcuSkeleton {
 public:
  IcuSkeleton() {
    UErrorCode status = U_ZERO_ERROR;
    checker_ = uspoof_open(&status);
    REQUIRE(U_SUCCESS(status));
  }
  ~IcuSkeleton() { uspoof_close(checker_); }

  std::string operator()(const std::string& text) const {
    UErrorCode status = U_ZERO_ERROR;
    std::vector<UChar> in(text.size() + 1), nfkc(text.size() * 20 + 20), skeleton(nfkc.size() * 20);
    std::vector<UChar> nfkd(skeleton.size() * 20);
    int32_t length = 0;
    u_strFromUTF8(in.data(), static_cast<int32_t>(in.size()), &length, text.data(),
                  static_cast<int32_t>(text.size()), &status);
    length = unorm2_normalize(unorm2_getNFKCInstance(&status), in.data(), length, nfkc.data(),
                              static_cast<int32_t>(nfkc.size()), &status);
    length = uspoof_getSkeleton(checker_, 0, nfkc.data(), length, skeleton.data(),
                                static_cast<int32_t>(skeleton.size()), &status);
    length = unorm2_normalize(unorm2_getNFKDInstance(&status), skeleton.data(), length, nfkd.data(),
                              static_cast<int32_t>(nfkd.size()), &status);
    std::string result(static_cast<std::size_t>(length) * 3 + 1, '\0');
    u_strToUTF8(result.data(), static_cast<int32_t>(result.size()), &length, nfkd.data(), length, &status);
    REQUIRE(U_SUCCESS(status));
    result.resize(static_cast<std::size_t>(length));
    return result;
  }

 private:
  USpoofChecker* checker_ = nullptr;
};

bool ignorable(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_DEFAULT_IGNORABLE_CODE_POINT); }

}  // namespace

TEST_CASE("every code point's skeleton is ICU's") {
  IcuSkeleton icu;
  std::size_t mismatches = 0, mapped = 0;
  std::string firstMismatches;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string text = utf8(c);
    std::string ours = confusableSkeleton(text);
    std::string expected = ignorable(c) ? std::string() : icu(text);
    if (ours != text) ++mapped;
    if (ours != expected && ++mismatches <= 10) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
      firstMismatches += std::string(code) + ": " + ours + " vs ICU " + expected + "\n";
    }
  }
  INFO(firstMismatches);
  CHECK(mismatches == 0);
  CHECK(mapped > 10000);  // decompositions, Hangul and confusables all took part
}

TEST_CASE("skeletons of random mixed strings are ICU's") {
  // Letters, their look-alikes, precomposed letters, Hangul, and combining marks of several classes.
  const std::u32string pool = U"aAeEiIlLmnoOrsS01 \u00A0\u00BD\u00E9\uFB01\uFF22\u2460\u00C5\u01C6\u0430\u0435\u0456\u03BF\u0391\u1EB9\uFF41"
                              U"\U0001D41B\uAC00\uD55C\u0300\u0301\u0308\u0323\u0327\u0345\u05B0\u0F71\u0F72";
  IcuSkeleton icu;
  std::mt19937 random(14);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    std::size_t length = 1 + random() % 10;
    for (std::size_t i = 0; i < length; ++i) text += utf8(pool[random() % pool.size()]);
    INFO(text);
    REQUIRE(confusableSkeleton(text) == icu(text));
  }
}
