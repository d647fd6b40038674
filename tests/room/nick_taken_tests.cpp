// Look-alike nicknames in whole rooms: the host refuses a hello whose nickname passes for a member's.
#include <catch2/catch.hpp>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

TEST_CASE("a look-alike of a member's nickname is refused as taken; a distinct one joins") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto bob = sim.join("lobby", "bob");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, bob); }, kSettle));

  // Cyrillic а; fullwidth letters; digit zero for o; an invisible space; the host's and a joiner's nick.
  for (const std::string nick : {"\xD0\xB0lice", "\xEF\xBD\x81lice", "b0b", "B\xE2\x80\x8Bob"}) {
    INFO(nick);
    auto imposter = sim.join("lobby", nick);
    REQUIRE(sim.runUntil([&] { return sim.room(imposter).state() == RoomState::Closed; }, kSettle));
    CHECK(sim.observed(imposter).statuses.back().error == "nick-taken");
    CHECK(sim.room(alice).members().size() == 2);
  }

  auto alicia = sim.join("lobby", "alicia");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alicia); }, kSettle));
  CHECK(sim.room(alice).members().size() == 3);
}
