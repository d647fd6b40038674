// Pages that stop running and come back (issue #17): a phone freezes a background tab, a laptop
// sleeps. Nothing the page does runs meanwhile, and what reaches it waits; its links stay open (the
// browser's network stack keeps them). Simulation::pause plays that; tests/lab/sleep.test.mjs does it
// to a real Chromium page (Page Lifecycle `frozen`).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

// The first successor is the case that broke: it takes over at once when its host falls silent, and
// coming back from a pause it found 20 s of silence (issue #17: the healthy room moved under it).
TEST_CASE("a guest back from a pause rejoins the same host as the same member; it takes nothing over") {
  for (Millis pausedFor : {3500, 20000, 65000}) {
    INFO("paused for " << pausedFor << " ms");
    Simulation sim;
    auto room = formRoom(sim, {"alice", "bob", "carol"});
    REQUIRE(room.size() == 3);
    auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
    REQUIRE(sim.send(bob, "before the nap") == "");
    REQUIRE(sim.runUntil([&] { return sim.room(carol).history().size() == 1; }, 5000));
    const std::string bobId = sim.room(bob).selfId();

    sim.pause(bob, pausedFor);
    sim.runFor(1000);
    REQUIRE(sim.send(alice, "while bob slept") == "");
    sim.runFor(pausedFor - 1000);
    REQUIRE(sim.send(bob, "just woke up") == "");  // typed as the page runs again, before it is back

    Millis resumed = sim.now();
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, room) && sim.room(bob).history().size() == 3; }, 10000));
    CHECK(sim.now() - resumed < 10000);
    CHECK(sim.room(alice).state() == RoomState::Host);
    CHECK(sim.room(bob).hostRank().epoch == 1);
    CHECK(sim.room(bob).selfId() == bobId);
    CHECK(hostedThroughout(sim, alice));
    CHECK_FALSE(everHosted(sim, bob));
    CHECK_FALSE(everHosted(sim, carol));
    CHECK(texts(sim.room(bob).history()) ==
          std::vector<std::string>{"before the nap", "while bob slept", "just woke up"});
    CHECK(noDuplicates(sim.room(alice).history()));
    CHECK(sim.room(bob).unsequenced() == 0);
    // And it stays one room.
    sim.runFor(10000);
    CHECK(oneRoom(sim, room));
  }
}

// The host's pause: its guests fail over at +3 s, and lines sent as it froze sit in its channels. It
// comes back holding them in its own order while the new host ordered them otherwise (issue #17: two
// lines stayed swapped for good). It must join the new host, and take that history.
TEST_CASE("a host back from a pause joins the host that took over; one history everywhere, every line once") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    INFO("seed " << seed);
    Simulation::Options options;
    options.seed = seed;
    Simulation sim(options);
    auto room = formRoom(sim, {"alice", "bob", "carol"});
    REQUIRE(room.size() == 3);
    auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
    REQUIRE(sim.send(alice, "before the nap") == "");
    REQUIRE(sim.runUntil([&] { return sim.room(carol).history().size() == 1; }, 5000));

    const Millis resumesAt = sim.now() + 20000;
    sim.pause(alice, 20000);
    REQUIRE(sim.send(carol, "carol as alice froze") == "");
    REQUIRE(sim.send(bob, "bob as alice froze") == "");
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {bob, carol}); }, 10000));
    CHECK(sim.room(bob).hostRank().epoch == 2);
    REQUIRE(sim.send(carol, "while alice slept") == "");
    sim.runFor(resumesAt - sim.now());
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, room) && sim.room(alice).history().size() == 4; }, 15000));
    CHECK(sim.room(bob).state() == RoomState::Host);
    CHECK(sim.room(alice).state() == RoomState::Guest);
    CHECK(mids(sim.room(alice).history()) == mids(sim.room(bob).history()));
    CHECK(noDuplicates(sim.room(bob).history()));
    CHECK(sim.room(bob).history().front().text == "before the nap");
    sim.runFor(10000);
    CHECK(oneRoom(sim, room));
    CHECK(sim.room(bob).state() == RoomState::Host);
  }
}
