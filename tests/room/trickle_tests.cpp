// A joiner's ICE candidates trickle through the mailbox after its answer: the join no longer waits
// for gathering (a STUN server's round trip, or the whole cap when one never answers), and a joiner
// behind a NAT still gets in, through the candidates the host adds once they arrive.
#include <catch2/catch.hpp>

#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

std::optional<effect::SignalGet> getOn(const std::vector<Effect>& effects, const std::string& id) {
  for (const auto& effect : effects) {
    const auto* get = std::get_if<effect::SignalGet>(&effect);
    if (get && get->id == id) return *get;
  }
  return std::nullopt;
}

// How long a joiner takes to get into a room whose host waits between newcomers.
Millis joinTime(Simulation& sim) {
  auto host = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, host); }, 20000));
  sim.runFor(5000);  // the host's spare offer is described and waiting, as between newcomers
  Millis start = sim.now();
  auto joiner = sim.join("lobby", "bob");
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {host, joiner}); }, 20000));
  return sim.now() - start;
}

}  // namespace

TEST_CASE("a host fetches a trickle answer's candidates and hands them to the link") {
  HostAwaitingAnswer setup;
  auto effects = setup.answer(/*trickle=*/true);
  CHECK(first<effect::AcceptAnswer>(effects).link == setup.link);
  auto fetch = getOn(effects, candidatesSignalId("lobby", setup.offerId));
  REQUIRE(fetch);
  CHECK(fetch->timeout == kConnectTimeoutMs);

  std::vector<std::string> candidates{"candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host",
                                      "candidate:2 1 udp 1686052607 198.51.100.9 61000 typ srflx raddr 0.0.0.0 rport 0"};
  setup.host.onSignalDone(fetch->request, 200, encodeCandidates(CandidatesText{setup.offerId, "feedface00000001", candidates}), 50);
  auto added = first<effect::AddCandidates>(drain(setup.host));
  CHECK(added.link == setup.link);
  CHECK(added.candidates == candidates);
}

TEST_CASE("a host does not wait for candidates an answer did not promise") {
  HostAwaitingAnswer setup;
  auto effects = setup.answer(/*trickle=*/false);
  CHECK(first<effect::AcceptAnswer>(effects).link == setup.link);
  CHECK_FALSE(getOn(effects, candidatesSignalId("lobby", setup.offerId)));
}

TEST_CASE("candidates that are malformed, or for another offer or joiner, are dropped and counted") {
  const std::string joiner = "feedface00000001";
  for (int variant = 0; variant < 4; ++variant) {
    INFO("variant " << variant);
    HostAwaitingAnswer setup;
    auto fetch = getOn(setup.answer(/*trickle=*/true), candidatesSignalId("lobby", setup.offerId));
    REQUIRE(fetch);
    std::string text;
    switch (variant) {
      case 0: text = encodeCandidates(CandidatesText{"0000000000000bad", joiner, {"candidate:x"}}); break;
      case 1: text = encodeCandidates(CandidatesText{setup.offerId, "0000000000000bad", {"candidate:x"}}); break;
      case 2: text = R"({"v":2,"type":"candidates","offer":")" + setup.offerId + R"(","peer":")" + joiner + R"(","candidates":[7]})"; break;
      case 3: text = "not json"; break;
    }
    setup.host.onSignalDone(fetch->request, 200, text, 50);
    for (const auto& effect : drain(setup.host)) CHECK_FALSE(std::holds_alternative<effect::AddCandidates>(effect));
    CHECK(setup.host.droppedMessages() == 1);
    CHECK(setup.host.state() == RoomState::Host);  // and the newcomer's attempt goes on
  }
}

TEST_CASE("a joiner sends its answer before its candidates, and parks them once, where the host looks") {
  Room joiner(Room::Config{"lobby", "bob", 2});
  joiner.join(0);
  auto probe = first<effect::SignalGet>(drain(joiner));
  const HostRank rank{1, 0, "0123456789abcdef"};
  joiner.onSignalDone(probe.request, 200, encodeOffer(OfferText{"lobby", rank, "00112233aabbccdd", "v=0 offer"}), 10);
  auto link = first<effect::OpenLink>(drain(joiner)).link;

  joiner.onLinkDescribed(link, "v=0 answer", 20, IceCandidates::Follow);
  auto answerPark = first<effect::SignalSet>(drain(joiner));
  CHECK(answerPark.id == answerSignalId("lobby", "00112233aabbccdd"));
  auto answer = decodeAnswer(answerPark.text);
  REQUIRE(answer.value);
  CHECK(answer.value->trickle);

  joiner.onLinkCandidates(link, {"candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host"}, 30);
  auto candidatesPark = first<effect::SignalSet>(drain(joiner));
  CHECK(candidatesPark.id == candidatesSignalId("lobby", "00112233aabbccdd"));
  auto candidates = decodeCandidates(candidatesPark.text);
  REQUIRE(candidates.value);
  CHECK(candidates.value->peer == joiner.selfId());
  CHECK(candidates.value->candidates == std::vector<std::string>{"candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host"});

  joiner.onLinkCandidates(link, {"candidate:again"}, 40);  // a second report has nowhere to go
  CHECK(drain(joiner).empty());
}

TEST_CASE("a joiner parks each candidate once, within the bounds a host accepts") {
  Room joiner(Room::Config{"lobby", "bob", 2});
  joiner.join(0);
  auto probe = first<effect::SignalGet>(drain(joiner));
  joiner.onSignalDone(probe.request, 200, encodeOffer(OfferText{"lobby", HostRank{1, 0, "0123456789abcdef"}, "00112233aabbccdd", "v=0"}), 10);
  auto link = first<effect::OpenLink>(drain(joiner)).link;
  joiner.onLinkDescribed(link, "v=0 answer", 20, IceCandidates::Follow);
  drain(joiner);

  std::vector<std::string> gathered{"candidate:a", "candidate:a", std::string(kMaxCandidateBytes + 1, 'c'), ""};
  for (std::size_t i = 0; i < kMaxCandidates + 10; ++i) gathered.push_back("candidate:" + std::to_string(i));
  joiner.onLinkCandidates(link, gathered, 30);
  auto parked = decodeCandidates(first<effect::SignalSet>(drain(joiner)).text);
  REQUIRE(parked.value);  // a host would accept it
  const auto& sent = parked.value->candidates;
  REQUIRE(sent.size() == kMaxCandidates);
  CHECK(sent[0] == "candidate:a");
  CHECK(sent[1] == "candidate:0");  // the duplicate, the oversized and the empty one left out
  CHECK(sent.back() == "candidate:" + std::to_string(kMaxCandidates - 2));
}

TEST_CASE("joiners behind NATs get in through their trickled candidates, and chat") {
  Simulation::Options options;
  options.natted = true;  // no link opens unless the host added the joiner's candidates
  Simulation sim(options);
  auto room = formRoom(sim, {"alice", "bob", "carol"});
  REQUIRE(room.size() == 3);
  REQUIRE(sim.send(room[2], "through the NAT") == "");
  CHECK(sim.runUntil([&] { return sim.room(room[1]).history().size() == 1; }, 5000));
}

TEST_CASE("slow ICE gathering (a STUN server that never answers) no longer holds back a join") {
  Simulation::Options options;
  options.describeDelay = 2000;  // the browser module's gathering cap, reached
  options.trickle = false;
  Simulation whole(options);
  Millis waitingForGathering = joinTime(whole);
  options.trickle = true;
  Simulation trickled(options);
  Millis trickling = joinTime(trickled);
  CHECK(waitingForGathering >= 2000);
  CHECK(trickling < 1000);  // the answer leaves once created; the candidates follow, unneeded here
}
