// Whole rooms in the simulation: roles, relay, history, refusal, leaving.
#include <catch2/catch.hpp>

#include <set>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

std::vector<std::string> texts(const std::vector<Entry>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.nick + ": " + m.text);
  return out;
}

std::vector<std::string> nicks(const std::vector<Member>& members) {
  std::vector<std::string> out;
  for (const auto& m : members) out.push_back(m.nick + (m.host ? " (host)" : ""));
  return out;
}

}  // namespace

TEST_CASE("a host welcomes a joiner the moment the channel opens when the joiner's hello came with its answer") {
  for (bool helloInAnswer : {true, false}) {
    INFO("hello in the answer: " << helloInAnswer);
    HostAwaitingAnswer setup;
    AnswerText answer{setup.offerId, "feedface00000001", "v=0 answer"};
    if (helloInAnswer) answer.hello = Hello{answer.peer, "bob", 0, ""};
    setup.host.onSignalDone(setup.answerFetch.request, 200, encodeAnswer(answer), 40);
    drain(setup.host);
    setup.host.onLinkOpen(setup.link, 50);
    bool welcomed = false;
    for (const auto& effect : drain(setup.host)) {
      const auto* send = std::get_if<effect::Send>(&effect);
      if (send && send->link == setup.link) welcomed |= std::holds_alternative<Welcome>(*decodeMessage(send->text).value);
    }
    CHECK(welcomed == helloInAnswer);  // without it, the host waits for the hello on the channel
  }
}

TEST_CASE("while a newcomer connects, the host parks its next offer only once the newcomer is in, or after kSpareHoldMs") {
  // (kSpareAfterAdmitMs after the newcomer's welcome, not with it: its end of the channel opens first)
  auto offersParked = [](const std::vector<Effect>& effects) {
    return std::count_if(effects.begin(), effects.end(), [](const Effect& effect) {
      const auto* set = std::get_if<effect::SignalSet>(&effect);
      return set && set->id == offerSignalId("lobby");
    });
  };
  for (bool newcomerGetsIn : {true, false}) {
    INFO("the newcomer gets in: " << newcomerGetsIn);
    HostAwaitingAnswer setup;  // the offer was taken at 30
    setup.host.onLinkDescribed(setup.nextOffer, "v=0 next offer", 35);
    CHECK(offersParked(drain(setup.host)) == 0);
    CHECK(offersParked(setup.answer(false)) == 0);
    if (newcomerGetsIn) {
      setup.host.onLinkOpen(setup.link, 60);  // the hello came with the answer: welcomed now
      CHECK(offersParked(drain(setup.host)) == 0);  // not in the input that sends the welcome
      setup.host.tick(60 + kSpareAfterAdmitMs - 1);
      CHECK(offersParked(drain(setup.host)) == 0);
      REQUIRE(setup.host.nextDeadline() <= 60 + kSpareAfterAdmitMs);
      setup.host.tick(60 + kSpareAfterAdmitMs);
      CHECK(offersParked(drain(setup.host)) == 1);
    } else {
      setup.host.tick(30 + kSpareHoldMs - 1);
      CHECK(offersParked(drain(setup.host)) == 0);
      REQUIRE(setup.host.nextDeadline() <= 30 + kSpareHoldMs);
      setup.host.tick(30 + kSpareHoldMs);
      CHECK(offersParked(drain(setup.host)) == 1);
    }
  }
}

TEST_CASE("the first to join an empty room becomes its host") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  CHECK(sim.room(alice).state() == RoomState::Host);
  CHECK(nicks(sim.room(alice).members()) == std::vector<std::string>{"alice (host)"});
  // It keeps an offer parked for newcomers.
  sim.runFor(1000);
  CHECK(sim.mailbox().stats().parkedSets == 1);
}

TEST_CASE("a joiner answers the host's offer and becomes a guest") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto bob = sim.join("lobby", "bob");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, bob) && sim.room(alice).members().size() == 2; }, kSettle));
  CHECK(sim.room(bob).state() == RoomState::Guest);
  std::vector<std::string> expected{"alice (host)", "bob"};
  CHECK(nicks(sim.room(alice).members()) == expected);
  CHECK(nicks(sim.room(bob).members()) == expected);
  // The host parks a fresh offer for the next newcomer.
  sim.runFor(1000);
  CHECK(sim.mailbox().stats().parkedSets == 1);
}

TEST_CASE("rooms with different names are separate") {
  Simulation sim;
  auto alice = sim.join("one", "alice");
  auto bob = sim.join("two", "bob");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice) && inRoom(sim, bob); }, kSettle));
  CHECK(sim.room(alice).state() == RoomState::Host);
  CHECK(sim.room(bob).state() == RoomState::Host);
}

TEST_CASE("the host relays every line to everyone, in one order") {
  Simulation sim;
  auto room = formRoom(sim, {"alice", "bob", "carol"});
  REQUIRE(room.size() == 3);
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};

  CHECK(sim.send(bob, "hello from bob") == "");
  CHECK(sim.send(alice, "hello from alice") == "");
  CHECK(sim.send(carol, "hello from carol") == "");
  REQUIRE(sim.runUntil([&] { return sim.observed(carol).messages.size() == 3 && sim.observed(bob).messages.size() == 3; }, kSettle));

  const auto& atHost = sim.observed(alice).messages;
  REQUIRE(atHost.size() == 3);
  for (std::size_t i = 0; i < atHost.size(); ++i) CHECK(atHost[i].seq == i + 1);
  CHECK(sim.observed(bob).messages == atHost);
  CHECK(sim.observed(carol).messages == atHost);
  // The host's own line is sequenced at once; the guests' lines arrive after a trip over their links.
  CHECK(atHost[0].nick == "alice");
  CHECK(atHost[0].from == sim.room(alice).selfId());
  std::set<std::string> guests{atHost[1].from, atHost[2].from};
  CHECK(guests == std::set<std::string>{sim.room(bob).selfId(), sim.room(carol).selfId()});
}

TEST_CASE("a newcomer receives the whole history in order") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto bob = sim.join("lobby", "bob");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, bob); }, kSettle));
  for (int i = 0; i < 5; ++i) {
    REQUIRE(sim.send(i % 2 ? alice : bob, "line " + std::to_string(i)) == "");
  }
  REQUIRE(sim.runUntil([&] { return sim.observed(alice).messages.size() == 5; }, kSettle));

  auto carol = sim.join("lobby", "carol");
  REQUIRE(sim.runUntil([&] { return sim.observed(carol).messages.size() == 5; }, kSettle));
  CHECK(texts(sim.observed(carol).messages) == texts(sim.observed(alice).messages));
  CHECK(std::vector<Entry>(sim.room(carol).history().begin(), sim.room(carol).history().end()) ==
        sim.observed(alice).messages);
  // Its status said where that history ends (what a driver needs to tell it from live entries): 0
  // for those who joined the empty room.
  CHECK(sim.observed(carol).statuses.back().state == RoomState::Guest);
  CHECK(sim.observed(carol).statuses.back().historyEnd == 5);
  CHECK(sim.observed(alice).statuses.back().historyEnd == 0);
  CHECK(sim.observed(bob).statuses.back().historyEnd == 0);
  REQUIRE(sim.send(alice, "live") == "");
  REQUIRE(sim.runUntil([&] { return sim.observed(carol).messages.size() == 6; }, kSettle));
  CHECK(sim.observed(carol).messages.back().seq == 6);
}

TEST_CASE("the host keeps at most kMaxHistory lines and hands on the newest") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  for (std::size_t i = 0; i < kMaxHistory + 5; ++i) {
    REQUIRE(sim.send(alice, "line " + std::to_string(i)) == "");
    if (i % 50 == 49) sim.runFor(10);  // each line waits in the outbox for its signature
  }
  REQUIRE(sim.runUntil([&] { return sim.room(alice).unsequenced() == 0; }, kSettle));
  CHECK(sim.room(alice).history().size() == kMaxHistory);
  CHECK(sim.room(alice).history().front().seq == 6);

  auto bob = sim.join("lobby", "bob");
  REQUIRE(sim.runUntil([&] { return sim.observed(bob).messages.size() == kMaxHistory; }, kSettle));
  CHECK(sim.observed(bob).messages.front().seq == 6);
  CHECK(sim.observed(bob).messages.back().seq == kMaxHistory + 5);
}

TEST_CASE("a taken nickname is refused with a reason, not a hang") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto imposter = sim.join("lobby", "ALICE");
  REQUIRE(sim.runUntil([&] { return sim.room(imposter).state() == RoomState::Closed; }, kSettle));
  CHECK(sim.observed(imposter).statuses.back().error == "nick-taken");
  CHECK(sim.room(alice).members().size() == 1);
}

TEST_CASE("invalid nicknames and room names are refused before joining") {
  Simulation sim;
  auto blank = sim.join("lobby", "");
  auto spaced = sim.join("lobby", " bob");
  auto longNick = sim.join("lobby", std::string(kMaxNickChars + 1, 'x'));
  auto badRoom = sim.join("no spaces here", "carol");
  for (auto member : {blank, spaced, longNick}) {
    CHECK(sim.room(member).state() == RoomState::Closed);
    CHECK(sim.observed(member).statuses.back().error == "nick-invalid");
  }
  CHECK(sim.observed(badRoom).statuses.back().error == "room-invalid");
}

TEST_CASE("a guest that leaves disappears from everyone's member list") {
  Simulation sim;
  auto room = formRoom(sim, {"alice", "bob", "carol"});
  REQUIRE(room.size() == 3);
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};

  sim.leave(bob);
  CHECK(sim.room(bob).state() == RoomState::Closed);
  REQUIRE(sim.runUntil([&] { return sim.room(carol).members().size() == 2; }, kSettle));
  CHECK(nicks(sim.room(alice).members()) == std::vector<std::string>{"alice (host)", "carol"});
  // Joins and leaves are announced to those who were there; a newcomer is not told who was.
  CHECK(sim.observed(alice).notices == std::vector<std::string>{"joined bob", "joined carol", "left bob"});
  CHECK(sim.observed(carol).notices == std::vector<std::string>{"left bob"});
}

TEST_CASE("messages a guest cannot send are refused locally") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  CHECK(sim.send(alice, "") == "message is empty");
  CHECK(sim.send(alice, std::string(kMaxTextChars + 1, 'x')) == "message is longer than 4000 characters");
  CHECK(sim.send(alice, std::string(kMaxTextChars, 'x')) == "");
}

TEST_CASE("hostile peer messages are dropped and counted, and the room carries on") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto bob = sim.join("lobby", "bob");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, bob) && sim.room(alice).members().size() == 2; }, kSettle));
  auto hostLinks = sim.openLinks(alice);
  REQUIRE(hostLinks.size() == 1);

  const std::vector<std::string> hostile = {
      "", "not json", "[]", R"({"v":2})", R"({"v":1,"type":"say","text":"x"})", R"({"v":2,"type":"nope"})",
      R"({"v":2,"type":"say","entry":{"text":42}})", R"({"v":2,"type":"say"})",
      R"({"v":2,"type":"posted","entry":{"seq":"x"}})",  // out of turn for a host, and malformed
      R"({"v":2,"type":"welcome","members":[]})",        // only hosts send welcome
      R"({"v":2,"type":"hello","peer":"abc","nick":"again"})",  // already admitted
      R"({"v":2,"type":"relay","to":"0000000000000bad","data":"x"})",  // to nobody
      R"({"v":2,"type":"moved","rank":{"epoch":9,"since":0,"host":"ab"}})",  // only hosts move
      std::string(kMaxPeerMessageBytes + 1, ' '),
  };
  for (const auto& text : hostile) sim.inject(alice, hostLinks[0], text);
  CHECK(sim.room(alice).droppedMessages() == hostile.size());
  CHECK(sim.room(alice).state() == RoomState::Host);
  CHECK(sim.room(alice).members().size() == 2);

  REQUIRE(sim.send(bob, "still here") == "");
  REQUIRE(sim.runUntil([&] { return sim.observed(alice).messages.size() == 1; }, kSettle));
  CHECK(sim.observed(alice).messages[0].text == "still here");
}

TEST_CASE("lines typed while joining are delivered once the member is in") {
  Simulation sim;
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto bob = sim.join("lobby", "bob");
  CHECK(sim.send(bob, "typed before the welcome") == "");
  REQUIRE(sim.runUntil([&] { return sim.observed(alice).messages.size() == 1; }, kSettle));
  CHECK(sim.observed(alice).messages[0].text == "typed before the welcome");
  CHECK(sim.observed(alice).messages[0].nick == "bob");
}

TEST_CASE("a joiner whose channel opens before the mailbox confirms its answer still says hello") {
  Simulation::Options options;
  options.signalLatency = 200;  // the mailbox's "ok" for the answer arrives long after the channel opens
  options.linkLatency = 2;
  Simulation sim(options);
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto bob = sim.join("lobby", "bob");
  Millis started = sim.now();
  REQUIRE(sim.runUntil([&] { return inRoom(sim, bob); }, kSettle));
  CHECK(sim.now() - started < kConnectTimeoutMs);  // not after a connect timeout and a second try
}
