// Hostile members and histories (issue #14): a signed line replayed into another room, and histories
// handed over truncated or reordered, by a host to a newcomer or by a member in an upload. What is
// refused is refused; what a host adopts is only what its authors signed; and the honest members'
// lines arrive at everyone exactly once.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "entries.hpp"
#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

// How many times each mid is in a member's history.
std::map<std::string, int> midCounts(const std::deque<Entry>& entries) {
  std::map<std::string, int> counts;
  for (const auto& e : entries) ++counts[e.mid];
  return counts;
}

// Every one of `lines` (mids) is in every member's history exactly once, and every member was shown it
// exactly once since its history was last replaced.
void eachExactlyOnce(Simulation& sim, const std::vector<std::size_t>& members, const std::vector<std::string>& lines) {
  for (auto m : members) {
    auto inHistory = midCounts(sim.room(m).history());
    std::map<std::string, int> shown;
    for (const auto& e : sim.observed(m).messages) ++shown[e.mid];
    for (const auto& mid : lines) {
      INFO("member " << sim.room(m).nick() << ", line " << mid);
      CHECK(inHistory[mid] == 1);
      CHECK(shown[mid] == 1);
    }
  }
}

}  // namespace

TEST_CASE("a member's signed line replayed into another room is refused: the signature covers the room") {
  Simulation sim;
  auto lobby = requireRoom(sim, {"alice", "bob"});
  REQUIRE(sim.send(lobby[1], "meet at noon") == "");
  REQUIRE(sim.send(lobby[1], "bring the keys") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(lobby[0]).history().size() == 2; }, kSettle));
  const std::string bobId = sim.room(lobby[1]).selfId();
  const Entry noon = sim.room(lobby[0]).history()[0];  // bob's lines, signed by him for "lobby"
  const Entry keys = sim.room(lobby[0]).history()[1];

  // Room "other": carol hosts. eve joins with a history holding bob's lobby line (as if she had seen
  // it there): asked to upload it, she carries it, and carol refuses it (bob is not in "other" yet,
  // so only the signature's room stops it).
  auto carol = sim.join("other", "carol");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, carol); }, kSettle));
  Entry replayed = noon;
  replayed.seq = 1;
  replayed.chain = chainAfter("", 1, replayed.mid);
  Room::Config eveConfig = restored("eve", "eeeeeeeeeeeeeeee", {replayed});
  eveConfig.room = "other";
  auto eve = sim.join(eveConfig);
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {carol, eve}); }, kSettle));
  CHECK(sim.room(carol).lastDropReason() == "carried entry: signature fails");
  CHECK(sim.room(carol).history().empty());
  CHECK(sim.room(eve).history().empty());  // her copy was replaced by the room's

  // bob comes to "other" too (another browser of his: the same key and member id), and his first line
  // there has the mid of the replayed one: it is not taken for a duplicate anywhere.
  Room::Config bobConfig = restored("bob", bobId, {});
  bobConfig.room = "other";
  auto bob = sim.join(bobConfig);
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {carol, eve, bob}); }, kSettle));
  REQUIRE(sim.send(bob, "hello other") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(eve).history().size() == 1 && sim.room(bob).unsequenced() == 0; }, kSettle));
  REQUIRE(sim.room(carol).history()[0].mid == noon.mid);
  eachExactlyOnce(sim, {carol, eve, bob}, {noon.mid});
  for (auto m : {carol, eve, bob}) CHECK(texts(sim.room(m).history()) == std::vector<std::string>{"hello other"});

  // carol's browser turns hostile and posts bob's other lobby line to eve: refused, reported, not shown.
  Entry posted = keys;
  posted.seq = 2;
  posted.chain = chainAfter(sim.room(eve).history()[0].chain, 2, posted.mid);
  sim.inject(eve, sim.linkTo(eve, carol), encodeMessage(Posted{posted}));
  CHECK(sim.observed(eve).warnings == std::vector<std::string>{"forged bob"});
  CHECK(texts(std::deque<Entry>(sim.observed(eve).messages.begin(), sim.observed(eve).messages.end())) ==
        std::vector<std::string>{"hello other"});
  // In its own room the line is fine: the replay failed for the room alone.
  CHECK(sim.observed(lobby[0]).warnings.empty());
}

TEST_CASE("a truncated or reordered history uploaded by a member changes no line: every honest line arrives once") {
  // bob and carol wrote five lines in a room that emptied. mallory kept a doctored copy: two lines
  // dropped, two swapped (re-chained, so the copy is consistent in itself), and one line of hers.
  const std::string b = "bbbbbbbbbbbbbbbb", c = "cccccccccccccccc", m = "dddddddddddddddd";
  const std::map<std::string, std::string> nicks{{b, "bob"}, {c, "carol"}, {m, "mallory"}};
  auto truth = storedHistory({{b + "-1", "one"}, {c + "-1", "two"}, {b + "-2", "three"}, {c + "-2", "four"}, {b + "-3", "five"}}, nicks);
  auto doctored = storedHistory({{c + "-1", "two"}, {b + "-1", "one"}, {c + "-2", "four"}, {m + "-1", "mallory's"}}, nicks);
  const std::vector<std::string> honest{b + "-1", c + "-1", b + "-2", c + "-2", b + "-3", m + "-1"};

  SECTION("uploaded first, to a host that holds nothing: bob's and carol's uploads complete it") {
    Simulation sim;
    auto hank = sim.join("lobby", "hank");
    REQUIRE(sim.runUntil([&] { return inRoom(sim, hank); }, kSettle));
    auto mallory = sim.join(restored("mallory", m, doctored));
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {hank, mallory}); }, kSettle));
    auto bob = sim.join(restored("bob", b, truth));
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {hank, mallory, bob}); }, kSettle));
    auto carol = sim.join(restored("carol", c, truth));
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {hank, mallory, bob, carol}); }, kSettle));
    sim.runFor(1000);
    CHECK(oneRoom(sim, {hank, mallory, bob, carol}));
    CHECK(sim.room(hank).history().size() == honest.size());
    eachExactlyOnce(sim, {hank, mallory, bob, carol}, honest);
    // Whatever order the host adopted, each line is the one its author signed.
    for (const auto& e : sim.room(carol).history()) {
      auto original = std::find_if(truth.begin(), truth.end(), [&](const Entry& t) { return t.mid == e.mid; });
      if (original != truth.end()) CHECK(e.text == original->text);
    }
  }

  SECTION("uploaded to a host that holds the true history: the copy is replaced, only her own line is added") {
    Simulation sim;
    auto bob = sim.join(restored("bob", b, truth));
    REQUIRE(sim.runUntil([&] { return inRoom(sim, bob); }, kSettle));
    auto carol = sim.join(restored("carol", c, truth));
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {bob, carol}); }, kSettle));
    auto mallory = sim.join(restored("mallory", m, doctored));
    REQUIRE(sim.runUntil([&] { return oneRoom(sim, {bob, carol, mallory}); }, kSettle));
    sim.runFor(1000);
    std::vector<std::string> expected = texts(std::deque<Entry>(truth.begin(), truth.end()));
    expected.push_back("mallory's");
    for (auto member : {bob, carol, mallory}) CHECK(texts(sim.room(member).history()) == expected);
    eachExactlyOnce(sim, {bob, carol, mallory}, honest);
  }
}

TEST_CASE("a history handed to a newcomer with a line missing or out of order is refused where it breaks") {
  // A hostile host hands its newcomer the room's lines with the second left out, then the second
  // after the third: every entry that does not follow from the newest the newcomer holds (its seq,
  // its chain) is dropped and counted; none of them is shown.
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob"});
  auto [alice, bob] = std::pair{room[0], room[1]};
  const std::string a = sim.room(alice).selfId();
  auto lines = storedHistory({{a + "-7", "one"}, {a + "-8", "two"}, {a + "-9", "three"}}, {{a, "alice"}});
  // bob's history is empty: the first line is taken, then the third (seq 3 after seq 1) is not.
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{lines[0]}));
  auto dropped = sim.room(bob).droppedMessages();
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{lines[2]}));
  CHECK(sim.room(bob).droppedMessages() == dropped + 1);
  CHECK(sim.room(bob).lastDropReason() == "entry out of sequence");
  // The third re-numbered to follow the first: its chain names another predecessor.
  Entry third = lines[2];
  third.seq = 2;
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{third}));
  CHECK(sim.room(bob).droppedMessages() == dropped + 2);
  CHECK(sim.room(bob).lastDropReason() == "entry's chain does not follow");
  CHECK(texts(sim.room(bob).history()) == std::vector<std::string>{"one"});
  CHECK(sim.observed(bob).messages.size() == 1);
}
