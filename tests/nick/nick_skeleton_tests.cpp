// Look-alike nicknames: what sameNick treats as one nickname, and what it keeps apart.
#include <catch2/catch.hpp>

#include "nick_skeleton.hpp"
#include "text.hpp"

using namespace webchat;

TEST_CASE("letters of other scripts that look Latin give the Latin skeleton") {
  CHECK(sameNick("alice", "\xD0\xB0lice"));                  // Cyrillic а
  CHECK(sameNick("alice", "\xD0\xB0l\xD1\x96\xD1\x81\xD0\xB5"));  // Cyrillic а, і, с, е
  CHECK(sameNick("bob", "b\xCE\xBF" "b"));                   // Greek omicron
  CHECK(sameNick("POPE", "\xCE\xA1\xCE\x9F\xD0\xA0\xCE\x95"));  // Greek Ρ Ο, Cyrillic Р, Greek Ε
  CHECK(sameNick("Hello", "\xD0\x9D" "ello"));               // Cyrillic Н, whose small form is no h
  CHECK(nickSkeleton("\xD0\xB0lice") == "alice");
  CHECK(confusableSkeleton("\xD0\xB0lice") == "alice");
}

TEST_CASE("fullwidth and mathematical forms give the plain skeleton") {
  CHECK(sameNick("alice", "\xEF\xBD\x81\xEF\xBD\x8C\xEF\xBD\x89\xEF\xBD\x83\xEF\xBD\x85"));  // ａｌｉｃｅ
  CHECK(sameNick("Bob", "\xEF\xBC\xA2\xEF\xBD\x8F\xEF\xBD\x82"));                            // Ｂｏｂ
  CHECK(sameNick("bob", "\xF0\x9D\x90\x9B\xF0\x9D\x90\xA8\xF0\x9D\x90\x9B"));                // 𝐛𝐨𝐛
}

TEST_CASE("a precomposed letter and its letter plus combining mark are one nickname") {
  CHECK(sameNick("zo\xC3\xAB", "zoe\xCC\x88"));               // ë vs e + U+0308
  CHECK(sameNick("Ren\xC3\xA9", "rene\xCC\x81"));             // and R vs r
  CHECK(nickSkeleton("\xC3\xA9") == nickSkeleton("e\xCC\x81"));
  // Marks in either order are canonically equivalent: a dot below and an acute on one letter.
  CHECK(sameNick("e\xCC\xA3\xCC\x81", "e\xCC\x81\xCC\xA3"));
  CHECK(sameNick("\xE1\xBA\xB9\xCC\x81", "e\xCC\x81\xCC\xA3"));  // ẹ + acute
  CHECK_FALSE(sameNick("rene", "ren\xC3\xA9"));               // the accent is visible: a different name
  // Hangul syllables decompose by arithmetic: 한 vs its jamo ᄒ ᅡ ᆫ.
  CHECK(sameNick("\xED\x95\x9C", "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"));
}

TEST_CASE("letter sequences that read as another letter share a skeleton") {
  CHECK(sameNick("modern", "rnodern"));
  CHECK(sameNick("m", "rn"));
  CHECK(sameNick("bill", "bi11"));   // digit one as l
  CHECK(sameNick("Ian", "lan"));     // capital I as small l, where case matters to the eye
  CHECK(confusableSkeleton("Ian") == confusableSkeleton("lan"));
  CHECK(nickSkeleton("Ian") != nickSkeleton("lan"));  // but "ian" and "lan" look different
  CHECK_FALSE(sameNick("ian", "lan"));
}

TEST_CASE("digit zero and letter O share a skeleton, in either case") {
  CHECK(sameNick("BOB", "B0B"));
  CHECK(sameNick("bob", "b0b"));
  CHECK(sameNick("0scar", "oscar"));
  CHECK(sameNick("0scar", "Oscar"));
}

TEST_CASE("case does not make a different nickname") {
  CHECK(sameNick("Alice", "alice"));
  CHECK(sameNick("ALICE", "alice"));
  CHECK(sameNick("Alice", "aLICE"));
  CHECK(sameNick("Stra\xC3\x9F" "e", "STRASSE"));           // full case folding: ß is ss
  CHECK(sameNick("\xCE\xA3\xCE\xA9\xCE\xA3", "\xCF\x83\xCF\x89\xCF\x82"));  // ΣΩΣ vs σως
  CHECK(nickSkeleton("Alice") == nickSkeleton("ALICE"));
}

TEST_CASE("invisible characters do not make a different nickname") {
  CHECK(sameNick("alice", "al\xE2\x80\x8B" "ice"));          // zero width space
  CHECK(sameNick("alice", "alice\xC2\xAD"));                 // soft hyphen
  CHECK(nickSkeleton("\xE2\x80\x8B\xE2\x80\x8D").empty());
  CHECK(nickProblem("\xE2\x80\x8B\xE2\x80\x8D") == "nickname has no visible character");
  CHECK(nickProblem("al\xE2\x80\x8B" "ice").empty());
}

TEST_CASE("ordinary distinct names stay distinct") {
  const char* names[] = {"alice", "alicia", "bob", "bobby", "carol", "dave", "eve", "mallory", "zoë",
                         "zoe", "anna", "ana", "rene", "mark", "marc", "Lan", "Dan", "ivan", "Иван",
                         "Ольга", "Ελένη", "田中", "김민준", "محمد", "li", "lin", "ming", "x", "xx"};
  for (const char* a : names) {
    for (const char* b : names) {
      INFO(a << " vs " << b);
      CHECK(sameNick(a, b) == (std::string_view(a) == b));
    }
  }
}

TEST_CASE("malformed UTF-8 never crashes and never matches a clean name") {
  CHECK(confusableSkeleton("ab\xFF") == "ab\xEF\xBF\xBD");
  CHECK(confusableSkeleton("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(confusableSkeleton("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(confusableSkeleton("\xF0\x9F") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
  CHECK_FALSE(sameNick("ab\xFF", "ab"));
}

TEST_CASE("the tables are from a stated Unicode version") {
  CHECK(std::string(nickDataUnicodeVersion()).find('.') != std::string::npos);
}
