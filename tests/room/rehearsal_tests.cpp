// The warm-up rehearsal the browser module runs at load: it must really carry a join through, or the
// first real join pays the compilation it was meant to take off the critical path.
#include <catch2/catch.hpp>

#include "rehearsal.hpp"

TEST_CASE("the warm-up rehearsal plays a whole join: probe, offer, answer, candidates, welcome, a line each way") {
  REQUIRE(webchat::rehearseJoin());
  REQUIRE(webchat::rehearseJoin());  // and again: it leaves nothing behind that a second run trips on
}
