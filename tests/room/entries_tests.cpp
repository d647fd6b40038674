// Protocol v2's entries in whole rooms: replies, edits, deletes and reactions reach everyone in one
// order and through history; the authorship rules hold at the host and at every member, whoever
// breaks them (a hostile guest, a hostile host); and the chain replaces any history that differs
// from the host's anywhere, not only at its last entry.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "entries.hpp"
#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

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
  // It signs with its own key: it holds no other.
  LinkId carolLink = sim.linkTo(alice, carol);
  auto before = sim.room(alice).droppedMessages();
  const std::string key = fakeKey("carol");
  const Millis now = sim.now();
  sim.inject(alice, carolLink, craftedSay(carolId, carolId + "-1", "carol", "forged", now, EntryKind::Edit, line, key));
  sim.inject(alice, carolLink, craftedSay(carolId, carolId + "-2", "carol", "", now, EntryKind::Delete, line, key));
  sim.inject(alice, carolLink, craftedSay(bobId, bobId + "-2", "carol", "in bob's name", now, EntryKind::Text, {}, key));
  sim.inject(alice, carolLink, craftedSay(carolId, bobId + "-3", "carol", "with bob's mid", now, EntryKind::Text, {}, key));
  sim.inject(alice, carolLink, craftedSay(bobId, line, "bob", "bob's mid replayed", now, EntryKind::Text, {}, key));
  sim.inject(alice, carolLink, craftedSay(carolId, carolId + "-3", "bob", "under bob's nick", now, EntryKind::Text, {}, key));
  sim.inject(alice, carolLink, craftedSay(carolId, carolId + "-4", "carol", "from the future", now + kMaxClockSkewMs + 1,
                                          EntryKind::Text, {}, key));
  sim.inject(alice, carolLink, craftedSay(carolId, carolId + "-5", "carol", "signed by nobody", now, EntryKind::Text, {}, "pk-bob"));
  sim.runFor(2000);
  CHECK(sim.room(alice).droppedMessages() - before == 7);  // the replayed mid is a known one: ignored
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
  forged = signedAs(forged, "alice");  // alice signs what she writes; the rules are what she breaks
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
  next = signedAs(next, "carol");
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
  const std::map<std::string, std::string> nicks{{a, "alice"}, {b, "bob"}};
  auto hostHistory = storedHistory({{a + "-1", "one"}, {b + "-1", "two"}, {a + "-2", "three"}}, nicks);
  auto swapped = storedHistory({{b + "-1", "two"}, {a + "-1", "one"}, {a + "-2", "three"}}, nicks);
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
  auto bob = sim.join(restored("bob", "bbbbbbbbbbbbbbbb", storedHistory({{carolId + "-1", "forged by bob"}},
                                                                         {{carolId, "carol"}}, "bob")));
  // With signatures bob's own page pinned carol's key as the one its forgery names, so the room's
  // member list makes it give up; unsigned, it gets in. Either way its upload is refused.
  REQUIRE(sim.runUntil([&] { return sim.room(alice).members().size() == 3 || sim.room(bob).state() == RoomState::Closed; }, kSettle));
  sim.runFor(1000);
  CHECK(sim.room(alice).history().empty());
  REQUIRE(sim.send(carol, "carol's real line") == "");
  REQUIRE(sim.runUntil([&] { return settled(sim, {alice, carol}) && sim.room(alice).history().size() == 1; }, kSettle));
  for (auto m : {alice, carol}) CHECK(texts(sim.room(m).history()) == std::vector<std::string>{"carol's real line"});
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

namespace {

// A file entry as a hostile browser would craft it, straight onto its channel to the host.
std::string craftedFileSay(const std::string& from, const std::string& mid, const std::string& nick, const FileInfo& file,
                           Millis time) {
  Entry entry;
  entry.from = from;
  entry.mid = mid;
  entry.nick = nick;
  entry.kind = EntryKind::File;
  entry.file = file;
  entry.time = time;
  return encodeMessage(Say{signedAs(entry, nick)});
}

const std::string kHash(64, 'a');

// Descriptions no page may show or offer as a download, each with the reason the room gives.
const std::vector<std::pair<FileInfo, std::string>> kBadFiles = {
    {{"../../.bashrc", 10, "", kHash}, "file name contains a path separator"},
    {{"C:\\Windows\\evil.dll", 10, "", kHash}, "file name contains a path separator"},
    {{"..", 10, "", kHash}, "file name is . or .."},
    {{"", 10, "", kHash}, "file name is empty or longer than 255 characters"},
    {{std::string(256, 'x'), 10, "", kHash}, "file name is empty or longer than 255 characters"},
    {{"photo\u202Egnp.exe", 10, "", kHash}, "file name contains a bidirectional control character"},
    {{"two\nlines", 10, "", kHash}, "file name contains a control character"},
    {{"c1\u0085", 10, "", kHash}, "file name contains a control character"},
    {{"a.txt", 10, "text/html\r\nX-Evil: 1", kHash}, "file type is not printable ASCII"},
    {{"a.txt", 10, std::string(128, 'x'), kHash}, "file type is longer than 127 bytes"},
    {{"a.txt", 10, "", std::string(64, 'A')}, "file hash is not 64 lowercase hex digits"},
    {{"a.txt", 10, "", std::string(63, 'a') + "g"}, "file hash is not 64 lowercase hex digits"},
    {{"a.txt", 10, "", std::string(40, 'a')}, "file hash is not 64 lowercase hex digits"},
    {{"a.txt", kDefaultMaxFileBytes + 1, "", kHash}, "file is larger than this room's limit of 1073741824 bytes"},
};

}  // namespace

TEST_CASE("a file entry's description is checked where it is written, at the host, and at every member") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
  const std::string carolId = sim.room(carol).selfId();

  // The author's own room refuses each, saying why.
  for (const auto& [file, why] : kBadFiles) {
    CHECK(sim.input(bob, [&](Room& r, Millis now) { return r.shareFile(file, "", now); }) == why);
  }

  // carol's browser is hostile: the host denies each (it never reaches the others), and says why it dropped it.
  LinkId carolLink = sim.linkTo(alice, carol);
  int counter = 0;
  for (const auto& [file, why] : kBadFiles) {
    auto before = sim.room(alice).droppedMessages();
    sim.inject(alice, carolLink, craftedFileSay(carolId, carolId + "-" + std::to_string(++counter), "carol", file, sim.now()));
    CHECK(sim.room(alice).droppedMessages() == before + 1);
    CHECK(sim.room(alice).lastDropReason() == why);
  }
  // A well-formed one goes through: what is denied above is the description, not the way it came.
  const FileInfo good{"report (final).pdf", kDefaultMaxFileBytes, "application/pdf", kHash};
  sim.inject(alice, carolLink, craftedFileSay(carolId, carolId + "-" + std::to_string(++counter), "carol", good, sim.now()));
  REQUIRE(sim.runUntil([&] { return settled(sim, room) && sim.room(bob).history().size() == 1; }, kSettle));
  for (auto m : room) {
    REQUIRE(sim.observed(m).messages.size() == 1);
    CHECK(*sim.observed(m).messages[0].file == good);
  }

  // alice, hosting, is hostile too: she sequences bad descriptions herself. Members keep their place
  // in the order (the chain goes on) but never show them; the next good entry is shown.
  Entry last = sim.room(bob).history().back();
  for (const auto& [file, why] : kBadFiles) {
    Entry bad;
    bad.seq = last.seq + 1;
    bad.mid = sim.room(alice).selfId() + "-" + std::to_string(100 + bad.seq);
    bad.from = sim.room(alice).selfId();
    bad.nick = "alice";
    bad.kind = EntryKind::File;
    bad.file = file;
    bad = signedAs(bad, "alice");  // she signs them: what is wrong is the description
    bad.chain = chainAfter(last.chain, bad.seq, bad.mid);
    sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{bad}));
    CHECK(sim.room(bob).lastDropReason() == why);
    last = bad;
  }
  CHECK(sim.observed(bob).messages.size() == 1);
  Entry next;
  next.seq = last.seq + 1;
  next.mid = sim.room(alice).selfId() + "-999";
  next.from = sim.room(alice).selfId();
  next.nick = "alice";
  next.text = "next";
  next = signedAs(next, "alice");
  next.chain = chainAfter(last.chain, next.seq, next.mid);
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{next}));
  REQUIRE(sim.observed(bob).messages.size() == 2);
  CHECK(sim.observed(bob).messages[1].text == "next");
}

TEST_CASE("the room's file size limit holds at the host that sequences and at each member that shows") {
  Simulation sim;
  Room::Config small;
  small.room = "lobby";
  small.nick = "alice";
  small.maxFileBytes = 1000;
  auto alice = sim.join(small);  // the host, with a 1000-byte limit
  REQUIRE(sim.runUntil([&] { return sim.room(alice).state() == RoomState::Host; }, kSettle));
  auto bob = sim.join("lobby", "bob");  // the default limit, 1 GiB
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, bob}); }, kSettle));

  // bob's own room lets 5000 bytes through; the host denies it, and bob is told why.
  CHECK(sim.input(bob, [&](Room& r, Millis now) { return r.shareFile({"big.bin", 5000, "", kHash}, "", now); }) == "");
  REQUIRE(sim.runUntil([&] { return !sim.observed(bob).denied.empty(); }, kSettle));
  CHECK(sim.observed(bob).denied[0].reason == "entry-invalid");
  CHECK(sim.room(bob).unsequenced() == 0);
  CHECK(sim.room(alice).lastDropReason() == "file is larger than this room's limit of 1000 bytes");

  // A member with a smaller limit than its host's does not show what the host let through.
  Room::Config tiny = small;
  tiny.nick = "carol";
  tiny.maxFileBytes = 10;
  auto carol = sim.join(tiny);
  REQUIRE(sim.runUntil([&] { return oneRoom(sim, {alice, bob, carol}); }, kSettle));
  CHECK(sim.input(bob, [&](Room& r, Millis now) { return r.shareFile({"mid.bin", 500, "", kHash}, "", now); }) == "");
  REQUIRE(sim.send(bob, "after the file") == "");
  REQUIRE(sim.runUntil([&] { return settled(sim, {alice, bob, carol}) && sim.observed(carol).messages.size() == 1; }, kSettle));
  CHECK(sim.observed(alice).messages.size() == 2);
  CHECK(sim.observed(carol).messages[0].text == "after the file");
  CHECK(sim.room(carol).history().size() == 2);  // the file's place kept: one order, one chain
}
