// A host's own probe (every 2–2.5 s it takes what is parked under its room's offer id, looking for
// another host) takes its own offer and parks it again. Issue #17: when the park's "taken" reply
// reached the host before the probe's, the host took the probe for a joiner, fetched an answer that
// never came for 5 s, and spent a new offer on it (18 times in 3 minutes in a browser).
#include <algorithm>
#include <catch2/catch.hpp>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

std::size_t answerFetches(const Simulation& sim, std::size_t member) {
  const auto& gets = sim.observed(member).gets;
  return std::count_if(gets.begin(), gets.end(), [](const std::string& id) { return id.find(".answer.") != std::string::npos; });
}

}  // namespace

TEST_CASE("a host's own probe never makes it wait for an answer or spend an offer") {
  constexpr Millis kThreeMinutes = 3 * 60 * 1000;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    INFO("seed " << seed);
    Simulation::Options options;
    options.seed = seed;
    Simulation sim(options);
    auto alice = sim.join("lobby", "alice");
    REQUIRE(sim.runUntil([&] { return sim.room(alice).state() == RoomState::Host; }, kSettle));
    // Alone: ~80 host probes, each taking alice's own offer (twice: it looks again behind it).
    sim.runFor(kThreeMinutes);
    CHECK(answerFetches(sim, alice) == 0);
    CHECK(sim.observed(alice).linksOpened == 2);  // the parked offer and its spare, kept all along
    // With a guest: the one answer fetched is bob's; his join spends the offer, the spare replaces it.
    auto bob = sim.join("lobby", "bob");
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, bob}); }, kSettle));
    sim.runFor(kThreeMinutes);
    CHECK(answerFetches(sim, alice) == 1);
    CHECK(sim.observed(alice).linksOpened == 3);
    // And the room is still found at once.
    auto carol = sim.join("lobby", "carol");
    const Millis joined = sim.now();
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, bob, carol}); }, kSettle));
    CHECK(sim.now() - joined < 1000);
  }
}
