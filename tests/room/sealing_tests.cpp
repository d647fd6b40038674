// Signaling texts the driver could not open (Room::onSignalUnreadable): a wrong password ends a join
// at once, repeated tampering in a link-secret room ends it, and anything else is dropped and counted
// while the room goes on.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

// A joiner whose first probe is under way; returns the probe.
effect::SignalGet probing(Room& joiner) {
  joiner.join(0);
  return first<effect::SignalGet>(drain(joiner));
}

std::optional<effect::StatusChanged> lastStatus(const std::vector<Effect>& effects) {
  std::optional<effect::StatusChanged> last;
  for (const auto& effect : effects) {
    if (const auto* status = std::get_if<effect::StatusChanged>(&effect)) last = *status;
  }
  return last;
}

}  // namespace

TEST_CASE("a joiner that cannot open the room's offer in a password room ends the join: wrong password") {
  Room joiner{Room::Config{"lobby", "bob", 7, Sealing::Password}};
  auto probe = probing(joiner);
  joiner.onSignalUnreadable(probe.request, 40);
  auto effects = drain(joiner);
  REQUIRE(lastStatus(effects));
  CHECK(lastStatus(effects)->state == RoomState::Closed);
  CHECK(lastStatus(effects)->error == "wrong-password");
  CHECK(joiner.droppedMessages() == 1);
  CHECK_FALSE(joiner.nextDeadline());  // nothing left to wait for
}

TEST_CASE("in a link-secret room one unreadable offer is skipped, a second ends the join as tampered") {
  Room joiner{Room::Config{"lobby", "bob", 7, Sealing::Secret}};
  auto probe = probing(joiner);
  joiner.onSignalUnreadable(probe.request, 40);
  auto again = drain(joiner);
  CHECK_FALSE(lastStatus(again));  // still joining: it looks again
  auto second = first<effect::SignalGet>(again);
  CHECK(second.id == probe.id);
  CHECK(joiner.droppedMessages() == 1);
  CHECK(joiner.lastDropReason() == "unreadable signaling text");
  joiner.onSignalUnreadable(second.request, 80);
  auto effects = drain(joiner);
  REQUIRE(lastStatus(effects));
  CHECK(lastStatus(effects)->error == "signal-tampered");
  CHECK(joiner.state() == RoomState::Closed);
}

TEST_CASE("an unreadable answer is dropped and counted, and the host closes that link and stays the host") {
  HostAwaitingAnswer setup;  // only a joiner's probe ends a join; a host's sealing changes nothing here
  Room& host = setup.host;
  host.onSignalUnreadable(setup.answerFetch.request, 40);
  auto effects = drain(host);
  CHECK_FALSE(lastStatus(effects));
  CHECK(host.state() == RoomState::Host);
  CHECK(host.droppedMessages() == 1);
  CHECK(host.lastDropReason() == "unreadable signaling text");
  CHECK(std::any_of(effects.begin(), effects.end(), [&](const Effect& e) {
    const auto* close = std::get_if<effect::CloseLink>(&e);
    return close && close->link == setup.link;
  }));
}

TEST_CASE("an unreadable text for a request already gone changes nothing") {
  Room joiner{Room::Config{"lobby", "bob", 7, Sealing::Password}};
  auto probe = probing(joiner);
  joiner.onSignalUnreadable(probe.request + 100, 40);
  CHECK(drain(joiner).empty());
  CHECK(joiner.state() == RoomState::Joining);
  CHECK(joiner.droppedMessages() == 0);
}
