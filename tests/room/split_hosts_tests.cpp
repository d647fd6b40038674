// Issue #17's "two hosts that never merge": a host whose offer takes longer to describe than a
// joiner's probe waits (ICE gathering runs to its 2 s cap when a TURN server cannot be reached) lets
// the joiner find nobody and host too. The two must merge within seconds, without losing a line.
#include <catch2/catch.hpp>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

void splitAndMerge(bool natted, std::uint64_t seed) {
  Simulation::Options options;
  options.describeDelay = 2000;  // gathering at its cap, for offers and answers alike
  options.natted = natted;
  options.seed = seed;
  Simulation sim(options);
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return sim.room(alice).state() == RoomState::Host; }, 5000));
  // bob arrives while alice's first offer is still being described: his probe finds nothing.
  auto bob = sim.join("lobby", "bob");
  REQUIRE(sim.send(alice, "alice while alone") == "");
  REQUIRE(sim.send(bob, "bob while joining") == "");
  const Millis start = sim.now();
  INFO("natted " << natted << ", seed " << seed);
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, bob}) && sim.room(bob).history().size() == 2; }, 30000));
  CHECK(sim.now() - start < 15000);
  auto lines = texts(sim.room(bob).history());
  CHECK(std::set<std::string>(lines.begin(), lines.end()) == std::set<std::string>{"alice while alone", "bob while joining"});
  // And stays one room.
  sim.runFor(10000);
  CHECK(oneRoom(sim, {alice, bob}));
}

}  // namespace

TEST_CASE("a joiner that hosts while the first host is still describing its offer merges into one room") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    splitAndMerge(false, seed);
    splitAndMerge(true, seed);
  }
}
