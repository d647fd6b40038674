// How the room logic takes its driver's reports that this browser's network changed
// (onNetworkChanged; in browsers web/network-watch.js): one move reported again while the rejoin it
// began is under way, and a report of a change that did not happen. moved_tests.cpp plays the moves.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <string>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

// Review finding: a guest's second report of one move (a watch sees the new host address a look
// before the new public one) restarted the rejoin the first one began: its probe and its answer, made
// from the new network, were thrown away and made again. Only the browser module's rate limit kept
// that from happening; the room logic now takes a report within kMovedWindowMs of the rejoin as the
// same move. The second report is tried at every stage of the rejoin (probing, answering, connecting).
TEST_CASE("a second report of the same move does not restart the rejoin under way") {
  for (std::size_t mover : {1, 2}) {
    int tried = 0;
    for (Millis secondAfter : {0, 5, 10, 15, 20, 30, 40, 60, 80, 120}) {
      INFO("member " << mover << ", second report " << secondAfter << " ms into the rejoin");
      Simulation sim;
      auto room = requireRoom(sim, {"alice", "bob", "carol"});
      const auto alice = room[0];
      const auto linksBefore = sim.observed(room[mover]).linksOpened;
      sim.move(room[mover], 500);
      REQUIRE(sim.runUntil([&] { return sim.room(room[mover]).state() == RoomState::Reconnecting; }, 2000));
      sim.runFor(secondAfter);
      if (sim.room(room[mover]).state() != RoomState::Reconnecting) continue;  // back already
      ++tried;
      reportNetworkChange(sim, room[mover]);
      REQUIRE(sim.send(room[mover], "from the new network") == "");
      REQUIRE(sim.runUntil([&] {
        return oneRoom(sim, room) && sim.room(alice).history().size() == 1 && sim.room(room[mover]).unsequenced() == 0;
      }, 15000));
      sim.runFor(kMovedWindowMs);
      CHECK(oneRoom(sim, room));
      CHECK(sim.observed(room[mover]).linksOpened - linksBefore == 1);  // one answer: the rejoin's
      CHECK(rejoins(sim, room[mover]) == 1);
      CHECK(hostedThroughout(sim, alice));
      CHECK_FALSE(everHosted(sim, room[1]));
      CHECK_FALSE(everHosted(sim, room[2]));
    }
    CHECK(tried >= 6);
  }
}

// A watch can be wrong (a carrier NAT handing out addresses from a pool, an address it had not seen in
// the last minute). A report in a healthy room, to the host or to either guest, as lines are said all
// around: the room stays one room under the same host, every line once in one order, and it costs at
// most the reported guest's rejoin, which nobody else sees (it says bye{back} on its live link, so its
// host keeps it listed: no "left" and "joined").
TEST_CASE("a report of a network change that did not happen costs a healthy room at most one rejoin") {
  for (std::size_t reported : {0, 1, 2}) {
    INFO("reported to member " << reported);
    Simulation sim;
    auto room = requireRoom(sim, {"alice", "bob", "carol"});
    auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
    REQUIRE(sim.send(bob, "before") == "");
    REQUIRE(sim.runUntil([&] { return sim.room(carol).history().size() == 1; }, 5000));
    const auto noticesBefore = sim.observed(alice).notices.size();
    const Millis reportedAt = sim.now();
    reportNetworkChange(sim, room[reported]);
    for (auto m : room) REQUIRE(sim.send(m, "as it is reported, from " + sim.room(m).nick()) == "");
    sim.runFor(100);
    for (auto m : room) REQUIRE(sim.send(m, "a moment later, from " + sim.room(m).nick()) == "");
    auto settled = [&] {
      bool sent = true;
      for (auto m : room) sent = sent && sim.room(m).unsequenced() == 0;
      return sent && oneRoom(sim, room) && sim.room(carol).history().size() == 7;
    };
    REQUIRE(sim.runUntil(settled, 15000));
    CHECK(sim.now() - reportedAt < 10000);
    sim.runFor(kMovedWindowMs + 5000);
    CHECK(settled());
    CHECK(hostedThroughout(sim, alice));
    CHECK(sim.room(alice).hostRank().epoch == 1);
    CHECK_FALSE(everHosted(sim, bob));
    CHECK_FALSE(everHosted(sim, carol));
    for (auto m : room) CHECK(rejoins(sim, m) == (m == room[reported] && m != alice ? 1 : 0));
    const auto& notices = sim.observed(alice).notices;
    CHECK(std::vector<std::string>(notices.begin() + static_cast<std::ptrdiff_t>(noticesBefore), notices.end()).empty());
    CHECK(noDuplicates(sim.room(alice).history()));
    for (auto m : room) CHECK(mids(sim.room(m).history()) == mids(sim.room(alice).history()));
    // Each member's lines in the order it said them.
    auto lines = texts(sim.room(alice).history());
    for (auto m : room) {
      const auto& nick = sim.room(m).nick();
      auto first = std::find(lines.begin(), lines.end(), "as it is reported, from " + nick);
      auto second = std::find(lines.begin(), lines.end(), "a moment later, from " + nick);
      CHECK(first < second);
    }
  }
}

// Review finding: any channel that closed under a guest began "a move" for 10 s, so a real move of its
// own reported within 10 s of a real host loss was taken for that one and ignored (the guest back with
// the new host over a link made after the close): it came back only when that link fell silent. A close
// that ends with another host was no move of ours: the report starts a rejoin at once.
TEST_CASE("a move reported soon after a host loss that closed the guest's channel is a move of its own") {
  Simulation::Options options;
  options.networkCheck = 0;  // bob, next in line, hosts on the silence (before carol's turn, counted from her close)
  Simulation sim(options);
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
  const LinkId toHost = sim.linkTo(carol, alice);
  REQUIRE(toHost != 0);
  sim.crash(alice);  // bob hears silence; carol's channel closes
  sim.input(carol, [&](Room& r, Millis now) {
    r.onLinkClosed(toHost, now);
    return std::string();
  });
  const std::string bobId = sim.room(bob).selfId();
  REQUIRE(sim.runUntil([&] {
    return sim.room(carol).state() == RoomState::Guest && sim.room(carol).hostRank().host == bobId && oneRoom(sim, {bob, carol});
  }, 15000));
  sim.runFor(500);
  REQUIRE(rejoins(sim, carol) == 1);
  const Millis movedAt = sim.now();
  sim.move(carol, 300);
  REQUIRE(sim.send(carol, "from the new network") == "");
  REQUIRE(sim.runUntil([&] {
    return rejoins(sim, carol) == 2 && oneRoom(sim, {bob, carol}) && sim.room(bob).history().size() == 1;
  }, 10000));
  CHECK(sim.now() - movedAt < 1500);  // on the report, not once its link fell silent (2-3 s after the move)
  CHECK(hostedThroughout(sim, bob));
}
