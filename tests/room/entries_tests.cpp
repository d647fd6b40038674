// Protocol v2's entries in whole rooms: replies, edits, deletes and reactions reach everyone in one
// order and through history; the authorship rules hold at the host and at every member, whoever
// breaks them (a hostile guest, a hostile host); and the chain replaces any history that differs
// from the host's anywhere, not only at its last entry.
#include <catch2/catch.hpp>

#include <algorithm>

#include "entries.hpp"
#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

constexpr Millis kSettle = 30000;

std::vector<std::size_t> requireRoom(Simulation& sim, const std::vector<std::string>& nicks) {
  auto members = formRoom(sim, nicks);
  REQUIRE(members.size() == nicks.size());
  return members;
}

// "kind:text" of each entry, in order.
std::vector<std::string> kinds(const std::deque<Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(std::string(toString(e.kind)) + ":" + e.text);
  return out;
}

bool settled(Simulation& sim, const std::vector<std::size_t>& members) {
  for (auto m : members) {
    if (sim.room(m).unsequenced() != 0) return false;
  }
  return oneRoom(sim, members);
}

// A history as a member held it before a reload: entries by `from`, in this order, chained.
std::vector<Entry> storedHistory(const std::vector<std::pair<std::string, std::string>>& midsAndTexts) {
  History history;
  std::vector<Entry> out;
  for (const auto& [mid, text] : midsAndTexts) {
    Entry e;
    e.mid = mid;
    e.from = mid.substr(0, mid.find('-'));
    e.nick = "n" + e.from.substr(0, 4);
    e.text = text;
    e.seq = history.lastSeq() + 1;
    e.chain = history.nextChain(mid);
    REQUIRE(history.accept(e).empty());
    out.push_back(e);
  }
  return out;
}

Room::Config restored(const std::string& nick, const std::string& id, std::vector<Entry> history) {
  Room::Config config;
  config.room = "lobby";
  config.nick = nick;
  config.selfId = id;
  config.history = std::move(history);
  return config;
}

}  // namespace

TEST_CASE("replies, edits, deletes and reactions reach everyone in one order, newcomers through history") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob"});
  auto [alice, bob] = std::pair{room[0], room[1]};
  REQUIRE(sim.send(bob, "helo") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(alice).history().size() == 1; }, kSettle));
  const std::string line = sim.room(alice).history()[0].mid;
  CHECK(sim.input(bob, [&](Room& r, Millis now) { return r.edit(line, "hello", now); }) == "");
  CHECK(sim.input(alice, [&](Room& r, Millis now) { return r.send("hi bob", now, line); }) == "");
  CHECK(sim.input(alice, [&](Room& r, Millis now) { return r.react(line, "👍", true, now); }) == "");
  CHECK(sim.input(bob, [&](Room& r, Millis now) { return r.remove(line, now); }) == "");
  // Only the author edits or deletes: refused locally for anyone else.
  CHECK(sim.input(alice, [&](Room& r, Millis now) { return r.edit(line, "mine now", now); }) == "not a line of yours");
  CHECK(sim.input(alice, [&](Room& r, Millis now) { return r.react("ffffffffffffffff-9", "👍", true, now); }) == "no such line");
  CHECK(sim.input(alice, [&](Room& r, Millis now) { return r.react(line, std::string(17, 'x'), true, now); }) ==
        "a reaction is one emoji of at most 16 bytes");
  REQUIRE(sim.runUntil([&] { return settled(sim, room); }, kSettle));

  auto carol = sim.join("lobby", "carol");
  REQUIRE(sim.runUntil([&] { return settled(sim, {alice, bob, carol}); }, kSettle));
  // One order everywhere (the host's own entries may overtake bob's in flight); each author's in its order.
  auto order = kinds(sim.room(alice).history());
  for (auto m : {bob, carol}) CHECK(kinds(sim.room(m).history()) == order);
  auto sorted = order;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::string>{"delete:", "edit:hello", "react:👍", "text:helo", "text:hi bob"});
  auto position = [&](const std::string& k) { return std::find(order.begin(), order.end(), k) - order.begin(); };
  CHECK(position("edit:hello") < position("delete:"));
  for (const auto& e : sim.room(carol).history()) {
    if (e.kind != EntryKind::Text || e.mid != line) CHECK((e.target == line || e.reply == line));
    if (e.kind == EntryKind::React) CHECK(e.from == sim.room(alice).selfId());
  }
  CHECK(sim.observed(carol).messages.size() == 5);  // each shown once, as an entry
}

TEST_CASE("a guest cannot edit, delete or write in another's name, nor replay another's mids") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
  REQUIRE(sim.send(bob, "bob's line") == "");
  REQUIRE(sim.runUntil([&] { return settled(sim, room) && sim.room(carol).history().size() == 1; }, kSettle));
  const std::string line = sim.room(alice).history()[0].mid;
  const std::string bobId = sim.room(bob).selfId(), carolId = sim.room(carol).selfId();

  // carol's browser is hostile: it crafts what the API would refuse, straight onto its channel.
  LinkId carolLink = sim.linkTo(alice, carol);
  auto before = sim.room(alice).droppedMessages();
  sim.inject(alice, carolLink, craftedSay(carolId + "-1", "carol", "forged", sim.now(), EntryKind::Edit, line));
  sim.inject(alice, carolLink, craftedSay(carolId + "-2", "carol", "", sim.now(), EntryKind::Delete, line));
  sim.inject(alice, carolLink, craftedSay(bobId + "-2", "carol", "in bob's name", sim.now()));
  sim.inject(alice, carolLink, craftedSay(line, "carol", "bob's mid replayed", sim.now()));
  sim.inject(alice, carolLink, craftedSay(carolId + "-3", "bob", "under bob's nick", sim.now()));
  sim.inject(alice, carolLink, craftedSay(carolId + "-4", "carol", "from the future", sim.now() + kMaxClockSkewMs + 1));
  sim.runFor(2000);
  CHECK(sim.room(alice).droppedMessages() - before == 5);  // the replayed mid is a known one: ignored
  for (auto m : room) CHECK(kinds(sim.room(m).history()) == std::vector<std::string>{"text:bob's line"});

  // bob's own line still goes through under its next mid, once.
  REQUIRE(sim.send(bob, "still mine") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(carol).history().size() == 2; }, kSettle));
  CHECK(sim.room(carol).history()[1].from == bobId);
}

TEST_CASE("the host tells an author why its entry is refused, and the author stops resending it") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob"});
  auto [alice, bob] = std::pair{room[0], room[1]};
  REQUIRE(sim.send(alice, "alice's line") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(bob).history().size() == 1; }, kSettle));
  // bob's clock is 11 minutes fast: its line is refused with a reason, not resent for ever.
  CHECK(sim.input(bob, [&](Room& r, Millis now) { return r.send("from the future", now + kMaxClockSkewMs + 60000); }) == "");
  REQUIRE(sim.runUntil([&] { return !sim.observed(bob).denied.empty(); }, kSettle));
  CHECK(sim.observed(bob).denied[0].what == "say");
  CHECK(sim.observed(bob).denied[0].reason == "clock-skew");
  CHECK(sim.room(bob).unsequenced() == 0);
  CHECK(sim.room(alice).history().size() == 1);
}

TEST_CASE("a member refuses a forged entry its host relays, warns, and keeps the order going") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
  REQUIRE(sim.send(carol, "carol's line") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(bob).history().size() == 1; }, kSettle));
  const Entry original = sim.room(bob).history()[0];

  // alice's browser is hostile: it posts an edit of carol's line in its own name.
  Entry forged;
  forged.seq = 2;
  forged.mid = sim.room(alice).selfId() + "-77";
  forged.from = sim.room(alice).selfId();
  forged.nick = "alice";
  forged.kind = EntryKind::Edit;
  forged.target = original.mid;
  forged.text = "carol says something she never said";
  forged.chain = chainAfter(original.chain, 2, forged.mid);
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{forged}));
  CHECK(sim.observed(bob).warnings == std::vector<std::string>{"forged alice"});
  CHECK(sim.observed(bob).messages.size() == 1);  // never shown
  // The order goes on: the next real entry (seq 3 at bob) is accepted and shown.
  Entry next;
  next.seq = 3;
  next.mid = sim.room(carol).selfId() + "-2";
  next.from = sim.room(carol).selfId();
  next.nick = "carol";
  next.text = "next";
  next.chain = chainAfter(forged.chain, 3, next.mid);
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{next}));
  CHECK(sim.observed(bob).messages.size() == 2);
  CHECK(sim.room(bob).history().size() == 3);

  // A posted entry whose chain does not follow is dropped and counted.
  auto before = sim.room(bob).droppedMessages();
  Entry broken = next;
  broken.seq = 4;
  broken.mid = sim.room(carol).selfId() + "-3";
  broken.chain = "0000000000000000";
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{broken}));
  CHECK(sim.room(bob).droppedMessages() == before + 1);
  CHECK(sim.room(bob).lastDropReason() == "entry's chain does not follow");
}

TEST_CASE("a history that differs from the host's anywhere is replaced, even with the same last entry") {
  // Issue #17: a host frozen and resumed held two lines swapped; the last line matched, so its
  // history was taken as matching. The chains differ, so it is replaced.
  Simulation sim;
  const std::string a = "aaaaaaaaaaaaaaaa", b = "bbbbbbbbbbbbbbbb";
  auto hostHistory = storedHistory({{a + "-1", "one"}, {b + "-1", "two"}, {a + "-2", "three"}});
  auto swapped = storedHistory({{b + "-1", "two"}, {a + "-1", "one"}, {a + "-2", "three"}});
  REQUIRE(hostHistory.back().seq == swapped.back().seq);
  REQUIRE(hostHistory.back().mid == swapped.back().mid);
  auto alice = sim.join(restored("alice", a, hostHistory));
  REQUIRE(sim.runUntil([&] { return sim.room(alice).state() == RoomState::Host; }, kSettle));
  auto bob = sim.join(restored("bob", b, swapped));
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, bob}); }, kSettle));
  CHECK(mids(sim.room(bob).history()) == mids(sim.room(alice).history()));
  CHECK(texts(sim.room(bob).history()) == std::vector<std::string>{"one", "two", "three"});

  // A truncated one that is a true prefix just continues: no reset, the rest follows.
  auto prefix = std::vector<Entry>(hostHistory.begin(), hostHistory.begin() + 2);
  auto carol = sim.join(restored("carol", "cccccccccccccccc", prefix));
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, bob, carol}); }, kSettle));
  CHECK(texts(sim.room(carol).history()) == std::vector<std::string>{"one", "two", "three"});
  CHECK(sim.observed(carol).messages.size() == 3);  // two restored, one new: nothing shown twice
}

TEST_CASE("an upload cannot carry entries in the name of another connected member") {
  // Issue #14: a joiner claiming a history the host lacks uploaded lines under another member's id,
  // with that member's future mids, and the member's real lines were then dropped as duplicates.
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "carol"});
  auto [alice, carol] = std::pair{room[0], room[1]};
  const std::string carolId = sim.room(carol).selfId();
  auto bob = sim.join(restored("bob", "bbbbbbbbbbbbbbbb", storedHistory({{carolId + "-1", "forged by bob"}})));
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, carol, bob}); }, kSettle));
  CHECK(sim.room(alice).history().empty());
  REQUIRE(sim.send(carol, "carol's real line") == "");
  REQUIRE(sim.runUntil([&] { return settled(sim, {alice, carol, bob}) && sim.room(bob).history().size() == 1; }, kSettle));
  for (auto m : {alice, carol, bob}) CHECK(texts(sim.room(m).history()) == std::vector<std::string>{"carol's real line"});
}

TEST_CASE("a shared file's entry reaches every member with its description, newcomers through history") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob"});
  auto [alice, bob] = std::pair{room[0], room[1]};
  const FileInfo file{"photo.png", 123456, "image/png", std::string(64, 'a')};
  CHECK(sim.input(bob, [&](Room& r, Millis now) { return r.shareFile(file, "look", now); }) == "");
  // Refused locally what the host would refuse: an empty name.
  CHECK_FALSE(sim.input(bob, [&](Room& r, Millis now) { return r.shareFile({"", 1, "", std::string(64, 'b')}, "", now); }).empty());
  auto carol = sim.join("lobby", "carol");
  REQUIRE(sim.runUntil([&] { return settled(sim, {alice, bob, carol}); }, kSettle));
  for (auto m : {alice, bob, carol}) {
    REQUIRE(sim.room(m).history().size() == 1);
    const Entry& e = sim.room(m).history()[0];
    CHECK(e.kind == EntryKind::File);
    CHECK(e.text == "look");
    CHECK(e.from == sim.room(bob).selfId());
    REQUIRE(e.file);
    CHECK(*e.file == file);
  }
}
