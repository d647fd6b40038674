// A browser whose own network changes (issue #17): a new lease, a phone on another network. Its links
// die without a word, what it described names addresses nobody reaches, and what it parked at the
// server stays there with its reply lost. Simulation::move plays that; its driver notices a while
// later (onNetworkChanged: in browsers, web/network-watch.js sees an address of its own it had not
// had). tests/lab/sleep.test.mjs and nat.test.mjs do it to real Chromiums behind real NATs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

// Issue #17, seen in the lab: the renumbered guest that was next in line hosted with a new epoch and
// the healthy host merged under it. Noticed before its host's silence (the driver looks every second)
// and after it (it took over first, and steps down as nobody is back yet).
TEST_CASE("a guest whose network changes rejoins its host as a guest, even as the first successor") {
  for (Millis noticedAfter : {500, 1500, 3500}) {
    INFO("noticed after " << noticedAfter << " ms");
    Simulation sim;
    auto room = requireRoom(sim, {"alice", "bob", "carol"});
    auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
    REQUIRE(sim.send(carol, "before the move") == "");
    REQUIRE(sim.runUntil([&] { return sim.room(bob).history().size() == 1; }, 5000));
    const std::string bobId = sim.room(bob).selfId();

    Millis movedAt = sim.now();
    sim.move(bob, noticedAfter);  // bob is the first successor
    REQUIRE(sim.send(bob, "from the new network") == "");
    REQUIRE(sim.send(alice, "meanwhile") == "");
    REQUIRE(sim.runUntil([&] {
      return oneRoom(sim, room) && sim.room(bob).history().size() == 3 && sim.room(bob).unsequenced() == 0;
    }, 15000));
    CHECK(sim.now() - movedAt < 10000);
    CHECK(hostedThroughout(sim, alice));
    CHECK(sim.room(alice).hostRank().epoch == 1);
    CHECK(sim.room(bob).selfId() == bobId);
    CHECK(sim.room(bob).state() == RoomState::Guest);
    CHECK_FALSE(everHosted(sim, carol));
    if (noticedAfter < kHostSilenceMs) CHECK_FALSE(everHosted(sim, bob));
    CHECK(noDuplicates(sim.room(alice).history()));
    CHECK(mids(sim.room(bob).history()) == mids(sim.room(alice).history()));
    sim.runFor(10000);
    CHECK(oneRoom(sim, room));
    CHECK(sim.room(alice).state() == RoomState::Host);
  }
}

// Issue #17: a lone host's parked offer kept its old addresses after a move, so nobody could join it
// (a newcomer took the stale offer, its answer was never taken, and it ended up hosting a room of its
// own). Noticing the move, the host drains the stale offer and parks a fresh one.
TEST_CASE("a lone host whose network changes parks a fresh offer; a newcomer joins it") {
  for (Millis noticedAfter : {300, 1200}) {
    INFO("noticed after " << noticedAfter << " ms");
    Simulation sim;
    auto alice = sim.join("lobby", "alice");
    REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
    sim.runFor(5000);  // an offer parked long ago, and the spare behind it
    Millis movedAt = sim.now();
    sim.move(alice, noticedAfter);
    auto bob = sim.join("lobby", "bob");
    REQUIRE(sim.runUntil([&] { return sim.room(bob).state() == RoomState::Guest && oneRoom(sim, {alice, bob}); }, 15000));
    CHECK(sim.now() - movedAt < 10000);
    CHECK(hostedThroughout(sim, alice));
    CHECK_FALSE(everHosted(sim, bob));
  }
}

// The host moves while it has guests: they fail over to the first successor (they cannot tell a moved
// host from a dead one), and the moved host, looking for other hosts often meanwhile, joins it.
TEST_CASE("a host whose network changes joins the member that took over; one history, every line once") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
  REQUIRE(sim.send(bob, "before the move") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(alice).history().size() == 1; }, 5000));
  Millis movedAt = sim.now();
  sim.move(alice, 800);
  REQUIRE(sim.send(alice, "from the new network") == "");
  REQUIRE(sim.send(carol, "meanwhile") == "");
  REQUIRE(sim.runUntil([&] {
    return oneRoom(sim, room) && sim.room(alice).state() == RoomState::Guest && sim.room(alice).history().size() == 3 &&
           sim.room(alice).unsequenced() == 0 && sim.room(carol).unsequenced() == 0;
  }, 15000));
  CHECK(sim.now() - movedAt < 10000);
  CHECK(sim.room(bob).state() == RoomState::Host);
  CHECK(noDuplicates(sim.room(bob).history()));
  CHECK(mids(sim.room(alice).history()) == mids(sim.room(bob).history()));
  CHECK(mids(sim.room(carol).history()) == mids(sim.room(bob).history()));
}
