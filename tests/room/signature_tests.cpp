// Signatures (issue #14): every member signs its hello and entries through the driver, every member
// checks every signature it is handed (never trusting the host), keys are pinned per member id, and
// each hello binds its key to the DTLS fingerprint of its link, so a man in the middle of the
// signaling is seen. The simulation's signer and verifier are a deterministic fake (simulation.hpp).
#include <catch2/catch.hpp>

#include "entries.hpp"
#include "sim_checks.hpp"

using namespace webchat;
using namespace webchat::sim;

namespace {

}  // namespace

TEST_CASE("entries travel signed by their authors and verified by every member") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  REQUIRE(sim.send(room[1], "signed by bob") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(room[2]).history().size() == 1; }, kSettle));
  const Entry& entry = sim.room(room[2]).history()[0];
  CHECK(entry.key == fakeKey("bob"));
  CHECK(entry.sig == fakeSignature(fakeKey("bob"), entryBytes("lobby", entry)));
  for (const auto& m : sim.room(room[2]).members()) CHECK(m.key == fakeKey(m.nick));
}

TEST_CASE("a line its host altered is refused by every member and reported as forged") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
  REQUIRE(sim.send(carol, "carol's line") == "");
  REQUIRE(sim.runUntil([&] { return sim.room(bob).history().size() == 1; }, kSettle));
  // alice's browser is hostile: it posts a line in carol's name with carol's key, which it cannot sign.
  Entry forged = sim.room(bob).history()[0];
  forged.seq = 2;
  forged.mid = sim.room(carol).selfId() + "-2";
  forged.text = "carol never said this";
  forged.chain = chainAfter(sim.room(bob).history()[0].chain, 2, forged.mid);
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{forged}));
  CHECK(sim.observed(bob).warnings == std::vector<std::string>{"forged carol"});
  CHECK(sim.observed(bob).messages.size() == 1);
  // And under its own key in carol's name: the key pinned for carol is not alice's.
  Entry impostor = forged;
  impostor.seq = 3;
  impostor.mid = sim.room(carol).selfId() + "-3";
  impostor = signedAs(impostor, "alice");
  impostor.chain = chainAfter(forged.chain, 3, impostor.mid);
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(Posted{impostor}));
  CHECK(sim.observed(bob).warnings.size() == 2);
  CHECK(sim.observed(bob).messages.size() == 1);
}

TEST_CASE("a host refuses a say whose signature fails, and tells the guest") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob"});
  auto [alice, bob] = std::pair{room[0], room[1]};
  const std::string bobId = sim.room(bob).selfId();
  sim.inject(alice, sim.linkTo(alice, bob),
             craftedSay(bobId, bobId + "-9", "bob", "signed by another key", sim.now(), EntryKind::Text, {}, fakeKey("eve")));
  sim.runFor(500);
  CHECK(sim.room(alice).history().empty());
  CHECK(sim.room(alice).lastDropReason() == "message id of another member");  // not bob's key
}

TEST_CASE("a man in the middle swapping fingerprints makes the join fail visibly, at once") {
  Simulation::Options options;
  options.swapFingerprints = true;
  Simulation sim(options);
  auto alice = sim.join("lobby", "alice");
  REQUIRE(sim.runUntil([&] { return inRoom(sim, alice); }, kSettle));
  auto bob = sim.join("lobby", "bob");
  Millis started = sim.now();
  REQUIRE(sim.runUntil([&] { return sim.room(bob).state() == RoomState::Closed; }, kSettle));
  CHECK(sim.observed(bob).statuses.back().error == "link-tampered");
  CHECK(sim.now() - started < kConnectTimeoutMs);
  CHECK(sim.room(alice).members().size() == 1);
  CHECK(sim.room(alice).lastDropReason() == "fingerprint does not match the link's");
}

TEST_CASE("a member id keeps the first key seen for it: another key under that id is refused") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob"});
  const std::string bobId = sim.room(room[1]).selfId();
  sim.leave(room[1]);
  REQUIRE(sim.runUntil([&] { return sim.room(room[0]).members().size() == 1; }, kSettle));
  Room::Config eve;
  eve.room = "lobby";
  eve.nick = "eve";
  eve.selfId = bobId;  // bob's id, eve's key
  auto impostor = sim.join(eve);
  REQUIRE(sim.runUntil([&] { return sim.room(impostor).state() == RoomState::Closed; }, kSettle));
  CHECK(sim.observed(impostor).statuses.back().error == "id-taken");
  CHECK(sim.room(room[0]).lastDropReason() == "key changed");
}

TEST_CASE("a member list that names a known member with another key is dropped and reported") {
  Simulation sim;
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  auto [alice, bob, carol] = std::tuple{room[0], room[1], room[2]};
  // alice's browser is hostile: it tells bob that carol's id now has eve's key.
  auto members = sim.room(bob).members();
  for (auto& m : members) {
    if (m.id == sim.room(carol).selfId()) m.key = fakeKey("eve");
  }
  sim.inject(bob, sim.linkTo(bob, alice), encodeMessage(MemberList{members}));
  CHECK(sim.room(bob).lastDropReason() == "member list with a changed key");
  CHECK(sim.observed(bob).warnings == std::vector<std::string>{"key-changed carol"});
  for (const auto& m : sim.room(bob).members()) CHECK(m.key == fakeKey(m.nick));
}

TEST_CASE("own entries leave in outbox order, whichever signature comes back first") {
  Room::Config config{"lobby", "alice", 1};
  config.key = fakeKey("alice");
  config.fingerprint = "sha-256 fp";
  config.verify = true;
  Room host(config);
  host.join(0);
  auto joining = drain(host);
  auto helloSign = first<effect::Sign>(joining);
  host.onSigned(helloSign.ticket, fakeSignature(fakeKey("alice"), helloSign.bytes), 1);
  host.onSignalDone(first<effect::SignalGet>(joining).request, 204, "", 10);  // nobody there: host
  drain(host);
  REQUIRE(host.send("first", 20) == "");
  REQUIRE(host.send("second", 21) == "");
  std::vector<effect::Sign> signs;
  for (const auto& e : drain(host)) {
    if (const auto* sign = std::get_if<effect::Sign>(&e)) signs.push_back(*sign);
  }
  REQUIRE(signs.size() == 2);
  host.onSigned(signs[1].ticket, fakeSignature(fakeKey("alice"), signs[1].bytes), 30);
  CHECK(host.history().empty());  // "second" waits for "first"
  host.onSigned(signs[0].ticket, fakeSignature(fakeKey("alice"), signs[0].bytes), 31);
  REQUIRE(host.history().size() == 2);
  CHECK(texts(host.history()) == std::vector<std::string>{"first", "second"});
}

TEST_CASE("verdicts that come back out of order leave each link's messages in the order they came") {
  Simulation::Options options;
  options.verifyDelay = 40;  // each verdict after 1-40 ms: later messages' often come first
  Simulation sim(options);
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  std::vector<std::string> said;
  for (int i = 0; i < 12; ++i) {
    auto who = room[1 + i % 2];
    said.push_back(sim.room(who).nick() + " " + std::to_string(i));
    REQUIRE(sim.send(who, said.back()) == "");
    sim.runFor(3);
  }
  REQUIRE(sim.runUntil([&] {
    return sim.room(room[1]).unsequenced() == 0 && sim.room(room[2]).unsequenced() == 0 && oneRoom(sim, room) &&
           sim.room(room[0]).history().size() == said.size();
  }, kSettle));
  for (auto m : room) {
    CHECK(sim.observed(m).warnings.empty());
    // Each author's lines in the order written (the host sequences a link's says in arrival order).
    for (const std::string nick : {"bob", "carol"}) {
      std::vector<std::string> mine, expected;
      for (const auto& e : sim.room(m).history()) if (e.nick == nick) mine.push_back(e.text);
      for (const auto& text : said) if (text.rfind(nick, 0) == 0) expected.push_back(text);
      CHECK(mine == expected);
    }
  }
}

TEST_CASE("signedParts lists every signature of a message with the bytes it signs") {
  Hello hello{"0123456789abcdef", "zoë", 0, "", "KEY", "sha-256 AB", "SIG"};
  auto parts = signedParts("room", hello);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].key == "KEY");
  CHECK(parts[0].sig == "SIG");
  CHECK(parts[0].bytes == helloBytes("room", hello));
  Entry entry;
  entry.seq = 1;
  entry.mid = "0123456789abcdef-1";
  entry.from = "0123456789abcdef";
  entry.key = "K2";
  entry.text = "hi";
  entry.chain = chainAfter("", 1, entry.mid);
  entry.sig = "S2";
  for (const PeerMessage& m : std::vector<PeerMessage>{Posted{entry}, Carry{entry}, Say{entry}}) {
    auto listed = signedParts("room", m);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].bytes == entryBytes("room", entry));
    CHECK(listed[0].key == "K2");
  }
  CHECK(signedParts("room", Welcome{{}, HostRank{1, 0, hello.peer}, false, hello}).size() == 1);
  CHECK(signedParts("room", Rename{"zoe", hello.peer, "KEY", "sha-256 AB", "S3"})[0].bytes ==
        helloBytes("room", Hello{hello.peer, "zoe", 0, "", "KEY", "sha-256 AB", ""}));
  CHECK(signedParts("room", Ping{}).empty());
  CHECK(fingerprintOf("v=0\r\na=fingerprint:sha-256 AB:CD\r\na=setup:actpass") == "sha-256 AB:CD");
  CHECK(sameFingerprint("sha-256 ab:cd", "SHA-256 AB:CD"));
}
