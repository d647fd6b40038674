// The file-transfer state machine, several members in a deterministic simulation: direct links carry
// control texts and chunks in order (as an ordered data channel does), files are byte strings, and a
// fake digest stands in for SHA-256 (the machine only compares hex strings; the browser hashes).

#include <catch2/catch.hpp>

#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "transfers.hpp"

using namespace webchat::transfer;

namespace {

// FNV-1a 64, four times: 64 hex digits, like a SHA-256 in the wire format.
std::string fakeHash(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string(hex) + hex + hex + hex;
}

std::string randomBytes(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  for (auto& c : out) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return out;
}

struct Wire {
  std::string from, to;
  bool chunk = false;
  std::string text = {};  // a control message
  RequestNo request = 0;
  std::uint64_t offset = 0;
  std::string data = {};
};

struct Member {
  Transfers t;
  std::map<std::string, std::string> files;    // hash → bytes this member can serve
  std::map<TransferId, std::string> received;  // bytes of each incoming transfer
  std::vector<effect::Ended> ended;
  std::vector<effect::Served> served;
  bool store = true;   // store chunks at once (false: a receiver whose storage is stuck)
  bool serve = true;   // false: a holder whose reads never finish
  bool scripted = false;  // a hostile peer played by the test: what reaches it is kept, not handled
  std::vector<std::string> inbox;
};

struct Net {
  std::map<std::string, Member> members;
  std::deque<Wire> wire;
  std::set<std::pair<std::string, std::string>> cut;  // closed links, both orders
  std::vector<effect::CutOff> cutOffs;
  Millis now = 0;

  Member& operator[](const std::string& id) { return members[id]; }

  std::string share(const std::string& holder, const std::string& bytes) {
    const std::string hash = fakeHash(bytes);
    members[holder].files[hash] = bytes;
    REQUIRE(members[holder].t.offer(hash, bytes.size()).empty());
    return hash;
  }

  bool linked(const std::string& a, const std::string& b) const { return !cut.count({a, b}); }
  void closeLink(const std::string& a, const std::string& b) {
    cut.insert({a, b});
    cut.insert({b, a});
    std::erase_if(wire, [&](const Wire& w) { return (w.from == a && w.to == b) || (w.from == b && w.to == a); });
  }
  // A peer's connection is gone (tab closed): both ends hear of it.
  void drop(const std::string& a, const std::string& b) {
    closeLink(a, b);
    members[a].t.onLinkClosed(b, now);
    members[b].t.onLinkClosed(a, now);
  }

  void apply(const std::string& self, const Effect& e) {
    Member& m = members[self];
    if (auto* s = std::get_if<effect::SendText>(&e)) {
      if (linked(self, s->peer)) wire.push_back({self, s->peer, false, s->text});
    } else if (auto* c = std::get_if<effect::SendChunk>(&e)) {
      if (m.serve && linked(self, c->peer)) {
        wire.push_back({self, c->peer, true, "", c->request, c->offset, m.files.at(c->hash).substr(c->offset, c->length)});
      }
    } else if (auto* stop = std::get_if<effect::StopSending>(&e)) {
      // Chunks not handed to the channel yet are dropped; here every queued one is "not sent yet"
      // only when the wire holds it back, so nothing to do but keep what is already in flight.
      (void)stop;
    } else if (auto* cutOff = std::get_if<effect::CutOff>(&e)) {
      cutOffs.push_back(*cutOff);
      closeLink(self, cutOff->peer);
      members[cutOff->peer].t.onLinkClosed(self, now);
    } else if (auto* v = std::get_if<effect::Verify>(&e)) {
      m.t.onHashed(v->transfer, fakeHash(m.received[v->transfer]), now);
    } else if (auto* ended = std::get_if<effect::Ended>(&e)) {
      m.ended.push_back(*ended);
      if (ended->outcome == Outcome::Complete) m.files[fakeHash(m.received[ended->transfer])] = m.received[ended->transfer];
      if (ended->outcome == Outcome::Failed || ended->outcome == Outcome::Cancelled) m.received.erase(ended->transfer);
    } else if (auto* served = std::get_if<effect::Served>(&e)) {
      m.served.push_back(*served);
    }
  }

  bool drainEffects() {
    bool any = false;
    for (auto& [id, m] : members) {
      while (auto e = m.t.poll()) {
        apply(id, *e);
        any = true;
      }
    }
    return any;
  }

  void deliver(const Wire& w) {
    Member& to = members[w.to];
    if (to.scripted) return to.inbox.push_back(w.chunk ? "chunk" : w.text);
    if (!w.chunk) return to.t.onText(w.from, w.text, now);
    const TransferId id = to.t.onChunk(w.from, w.request, w.offset, w.data.size(), now);
    if (!id) return;
    std::string& bytes = to.received[id];
    REQUIRE(bytes.size() == w.offset);
    bytes += w.data;
    if (to.store) to.t.onStored(id, bytes.size(), now);
  }

  // Runs until nothing moves; each delivery advances the clock by 1 ms. `limit` bounds deliveries.
  void run(std::size_t limit = 1000000) {
    for (std::size_t i = 0; i < limit; ++i) {
      drainEffects();
      if (wire.empty()) return;
      Wire w = std::move(wire.front());
      wire.pop_front();
      now += 1;
      deliver(w);
    }
    drainEffects();
  }

  void advance(Millis ms) {
    now += ms;
    for (auto& [id, m] : members) m.t.tick(now);
    run();
  }

  std::size_t inFlight(const std::string& from, const std::string& to) const {
    std::size_t bytes = 0;
    for (const auto& w : wire) {
      if (w.chunk && w.from == from && w.to == to) bytes += w.data.size();
    }
    return bytes;
  }
};

const effect::Ended& lastEnded(Member& m) {
  REQUIRE_FALSE(m.ended.empty());
  return m.ended.back();
}

// A hostile holder injects chunks by hand: the wire as it would carry them.
void inject(Net& net, const std::string& from, const std::string& to, RequestNo request, std::uint64_t offset,
            std::size_t length) {
  net.wire.push_back({from, to, true, "", request, offset, std::string(length, 'x')});
}

// Takes the get a receiver sent to a (hostile) holder off the wire: its request number.
RequestNo takeGet(Net& net, const std::string& holder) {
  net.drainEffects();
  RequestNo request = 0;
  for (auto it = net.wire.begin(); it != net.wire.end(); ++it) {
    if (it->to != holder || it->text.find("\"get\"") == std::string::npos) continue;
    request = static_cast<RequestNo>(std::stoul(it->text.substr(it->text.find("\"request\":") + 10)));
    net.wire.erase(it);
    break;
  }
  REQUIRE(request != 0);
  return request;
}

}  // namespace

TEST_CASE("a file crosses whole and verified and its receiver then serves it") {
  Net net;
  const std::string bytes = randomBytes(5 * kChunkBytes + 1234, 1);
  const std::string hash = net.share("alice", bytes);
  const TransferId id = net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
  net.run();
  REQUIRE(lastEnded(net["bob"]).outcome == Outcome::Complete);
  CHECK(net["bob"].received[id] == bytes);
  CHECK(net["alice"].served.back().done);
  CHECK(net["alice"].served.back().reason == "complete");
  CHECK(net["alice"].t.serving() == 0);

  // A newcomer pulls it from bob, the author gone.
  net.drop("alice", "bob");
  const TransferId carol = net["carol"].t.fetch(hash, bytes.size(), "bob", net.now);
  net.run();
  REQUIRE(lastEnded(net["carol"]).outcome == Outcome::Complete);
  CHECK(net["carol"].received[carol] == bytes);
}

TEST_CASE("a holder never sends past the receiver's window and storing reopens it") {
  Net net;
  const std::string bytes = randomBytes(3 * kWindowBytes + 7, 2);
  const std::string hash = net.share("alice", bytes);
  net["bob"].store = false;
  const TransferId id = net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
  net.run();
  CHECK(net["bob"].received[id].size() == kWindowBytes);  // then the holder waits
  CHECK(net.cutOffs.empty());
  // Stuck storage is not the holder's stall: no timeout while the window is closed on our side.
  net.advance(kStallMs + 1);
  CHECK(net["bob"].ended.empty());
  net["bob"].store = true;
  net["bob"].t.onStored(id, kWindowBytes, net.now);
  net.run();
  REQUIRE(lastEnded(net["bob"]).outcome == Outcome::Complete);
  CHECK(net["bob"].received[id] == bytes);
}

TEST_CASE("an empty file completes with the digest of nothing") {
  Net net;
  const std::string hash = net.share("alice", "");
  (void)net["bob"].t.fetch(hash, 0, "alice", net.now);
  net.run();
  CHECK(lastEnded(net["bob"]).outcome == Outcome::Complete);
}

TEST_CASE("hostile chunks cut their sender off and nobody else") {
  struct Case {
    const char* name;
    std::int64_t offset;  // relative to the next expected byte; -1: the one before
    std::size_t length;
    const char* reason;
  };
  const Case cases[] = {
      {"duplicate", -static_cast<std::int64_t>(kChunkBytes), kChunkBytes, "duplicate-chunk"},
      {"gap", kChunkBytes, kChunkBytes, "chunk-gap"},
      {"oversized", 0, kChunkBytes + 1, "oversized-chunk"},
      {"short", 0, 100, "bad-chunk-size"},
      {"past the end", 100 * kChunkBytes, kChunkBytes, "out-of-range"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      Net net;
      const std::string good = randomBytes(4 * kChunkBytes, 3);
      const std::string goodHash = net.share("alice", good);
      const std::string bait = randomBytes(8 * kChunkBytes, 4);
      const std::string baitHash = fakeHash(bait);
      const TransferId fromAlice = net["bob"].t.fetch(goodHash, good.size(), "alice", net.now);
      const TransferId fromMallory = net["bob"].t.fetch(baitHash, bait.size(), "mallory", net.now);
      // Mallory answers the get with one good chunk, then the hostile one.
      const RequestNo request = takeGet(net, "mallory");
      net.wire.push_back({"mallory", "bob", true, "", request, 0, bait.substr(0, kChunkBytes)});
      inject(net, "mallory", "bob", request, kChunkBytes + c.offset, c.length);
      net.run();
      REQUIRE(net.cutOffs.size() == 1);
      CHECK(net.cutOffs[0].peer == "mallory");
      CHECK(net.cutOffs[0].reason == c.reason);
      CHECK(net["bob"].t.received(fromMallory) == kChunkBytes);  // kept for a resume elsewhere
      bool malloryEnded = false;
      for (const auto& e : net["bob"].ended) {
        if (e.transfer == fromMallory) malloryEnded = e.outcome == Outcome::Incomplete && e.reason == c.reason;
      }
      CHECK(malloryEnded);
      CHECK(net["bob"].received[fromAlice] == good);  // the honest transfer went on
    }
  }
}

TEST_CASE("endless data: chunks past the window or after the end or never asked for") {
  Net net;
  const std::string bytes = randomBytes(2 * kChunkBytes, 5);
  const std::string hash = fakeHash(bytes);
  SECTION("past the window") {
    const std::string big = randomBytes(kWindowBytes + 2 * kChunkBytes, 6);
    net["bob"].store = false;
    (void)net["bob"].t.fetch(fakeHash(big), big.size(), "mallory", net.now);
    const RequestNo request = takeGet(net, "mallory");
    for (std::uint64_t at = 0; at <= kWindowBytes; at += kChunkBytes) {
      net.wire.push_back({"mallory", "bob", true, "", request, at, big.substr(at, kChunkBytes)});
    }
    net.run();
    REQUIRE(net.cutOffs.size() == 1);
    CHECK(net.cutOffs[0].reason == "over-window");
  }
  SECTION("after the last byte") {
    (void)net["bob"].t.fetch(hash, bytes.size(), "mallory", net.now);
    const RequestNo request = takeGet(net, "mallory");
    net["bob"].t.onHashed(0, "", net.now);  // noise: an unknown transfer is ignored
    net.wire.push_back({"mallory", "bob", true, "", request, 0, bytes.substr(0, kChunkBytes)});
    net.wire.push_back({"mallory", "bob", true, "", request, kChunkBytes, bytes.substr(kChunkBytes)});
    inject(net, "mallory", "bob", request, 2 * kChunkBytes, kChunkBytes);
    net.run();
    CHECK(lastEnded(net["bob"]).outcome == Outcome::Complete);  // the file itself was right
    REQUIRE(net.cutOffs.size() == 1);
    // The file was done when the chunk came: said as such, with the file it claimed to be of.
    CHECK(net.cutOffs[0].reason == "after-end");
    CHECK(net.cutOffs[0].hash == hash);
  }
  SECTION("after the last byte, while its hash is checked") {
    const TransferId id = net["bob"].t.fetch(hash, bytes.size(), "mallory", net.now);
    const RequestNo request = takeGet(net, "mallory");
    for (std::uint64_t at = 0; at < bytes.size(); at += kChunkBytes) {
      REQUIRE(net["bob"].t.onChunk("mallory", request, at, kChunkBytes, net.now) == id);
    }
    // The Verify is pending (not drained): more arrives before the hash is in.
    CHECK(net["bob"].t.onChunk("mallory", request, bytes.size(), kChunkBytes, net.now) == 0);
    net["bob"].received[id] = bytes;
    net.run();
    CHECK(lastEnded(net["bob"]).outcome == Outcome::Complete);
    REQUIRE(net.cutOffs.size() == 1);
    CHECK(net.cutOffs[0].reason == "after-end");
    CHECK(net.cutOffs[0].hash == hash);
  }
  SECTION("a chunk of a completed request from another member is no data past the end") {
    (void)net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
    const RequestNo request = takeGet(net, "alice");
    net.wire.push_back({"alice", "bob", true, "", request, 0, bytes.substr(0, kChunkBytes)});
    net.wire.push_back({"alice", "bob", true, "", request, kChunkBytes, bytes.substr(kChunkBytes)});
    net.run();
    CHECK(lastEnded(net["bob"]).outcome == Outcome::Complete);
    inject(net, "mallory", "bob", request, 2 * kChunkBytes, kChunkBytes);
    net.run();
    REQUIRE(net.cutOffs.size() == 1);
    CHECK(net.cutOffs[0].peer == "mallory");
    CHECK(net.cutOffs[0].reason == "unexpected-chunk");
  }
  SECTION("never asked for") {
    inject(net, "mallory", "bob", 77, 0, kChunkBytes);
    net.run();
    REQUIRE(net.cutOffs.size() == 1);
    CHECK(net.cutOffs[0].reason == "unexpected-chunk");
  }
}

TEST_CASE("a wrong hash at the end fails the transfer and never completes it") {
  Net net;
  const std::string claimed = randomBytes(3 * kChunkBytes, 7);
  const std::string hash = fakeHash(claimed);
  // Mallory serves other bytes of the same size under that hash.
  net["mallory"].files[hash] = randomBytes(claimed.size(), 8);
  REQUIRE(net["mallory"].t.offer(hash, claimed.size()).empty());
  (void)net["bob"].t.fetch(hash, claimed.size(), "mallory", net.now);
  net.run();
  const auto& ended = lastEnded(net["bob"]);
  CHECK(ended.outcome == Outcome::Failed);
  CHECK(ended.reason == "hash-mismatch");
  REQUIRE(net.cutOffs.size() == 1);
  CHECK(net.cutOffs[0].reason == "hash-mismatch");
  CHECK_FALSE(net["bob"].t.offers(hash));  // a corrupt copy is never served on
}

TEST_CASE("the receiver cancels: the holder stops and chunks in flight are no offence") {
  Net net;
  const std::string bytes = randomBytes(10 * kWindowBytes, 9);
  const std::string hash = net.share("alice", bytes);
  const TransferId id = net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
  net.run(20);  // part of the first window delivered
  REQUIRE(net.inFlight("alice", "bob") > 0);
  net["bob"].t.cancel(id, net.now);
  net.run();
  CHECK(lastEnded(net["bob"]).outcome == Outcome::Cancelled);
  CHECK(net.cutOffs.empty());
  CHECK(net["alice"].served.back().done);
  CHECK(net["alice"].served.back().reason == "cancelled");
  CHECK(net["alice"].t.serving() == 0);
  CHECK(net["bob"].t.received(id) == 0);  // forgotten
}

TEST_CASE("the holder withdraws: the receiver stops with its bytes kept for a resume") {
  Net net;
  const std::string bytes = randomBytes(10 * kWindowBytes, 10);
  const std::string hash = net.share("alice", bytes);
  const TransferId id = net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
  net.run(20);
  net["alice"].t.withdraw(hash, net.now);
  net.run();
  const auto& ended = lastEnded(net["bob"]);
  CHECK(ended.outcome == Outcome::Incomplete);
  CHECK(ended.reason == "withdrawn");
  CHECK(net.cutOffs.empty());
  CHECK(net["alice"].served.back().reason == "withdrawn");
  CHECK_FALSE(net["alice"].t.offers(hash));
  // Asking again (or a receiver whose get comes after the withdrawal) is answered "withdrawn"; once
  // shared again, the file is served.
  REQUIRE(net["bob"].t.resume(id, "alice", net.now).empty());
  net.run();
  CHECK(lastEnded(net["bob"]).reason == "withdrawn");
  const TransferId late = net["carol"].t.fetch(hash, bytes.size(), "alice", net.now);
  net.run();
  CHECK(lastEnded(net["carol"]).transfer == late);
  CHECK(lastEnded(net["carol"]).reason == "withdrawn");
  REQUIRE(net["alice"].t.offer(hash, bytes.size()).empty());
  REQUIRE(net["bob"].t.resume(id, "alice", net.now).empty());
  net.run();
  CHECK(lastEnded(net["bob"]).outcome == Outcome::Complete);
}

TEST_CASE("a holder gone mid-transfer leaves it incomplete and another holder finishes it from the offset") {
  Net net;
  const std::string bytes = randomBytes(6 * kWindowBytes + 99, 11);
  const std::string hash = net.share("alice", bytes);
  net.share("carol", bytes);
  const TransferId id = net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
  net.run(200);
  const std::uint64_t before = net["bob"].t.received(id);
  REQUIRE(before > 0);
  REQUIRE(before < bytes.size());
  net.drop("alice", "bob");  // alice's tab is gone
  net.run();
  const auto& ended = lastEnded(net["bob"]);
  CHECK(ended.outcome == Outcome::Incomplete);
  CHECK(ended.reason == "holder-gone");
  CHECK(ended.bytes == before);

  REQUIRE(net["bob"].t.resume(id, "carol", net.now).empty());
  net.run();
  CHECK(lastEnded(net["bob"]).outcome == Outcome::Complete);
  CHECK(net["bob"].received[id] == bytes);
  // carol sent only what was missing
  std::uint64_t fromCarol = 0;
  for (const auto& s : net["carol"].served) fromCarol = std::max(fromCarol, s.acked);
  CHECK(net["carol"].served.front().acked == before);  // its serving started at the offset
  CHECK(fromCarol == bytes.size());
}

TEST_CASE("a silent holder times out and so does a get nobody answers") {
  Net net;
  const std::string bytes = randomBytes(4 * kChunkBytes, 12);
  const std::string hash = net.share("alice", bytes);
  SECTION("no answer") {
    net["alice"].serve = false;
    (void)net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
    net.run();
    CHECK(net["bob"].ended.empty());
    REQUIRE(net["bob"].t.nextDeadline() == net.now + kAnswerMs - 1);
    net.advance(kAnswerMs);
    CHECK(lastEnded(net["bob"]).reason == "no-answer");
  }
  SECTION("stalled mid-file") {
    const TransferId id = net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
    net.run(3);  // the get, then two chunks
    net.wire.clear();  // the rest never comes
    REQUIRE(net["bob"].t.received(id) == 2 * kChunkBytes);
    net.advance(kStallMs);
    CHECK(lastEnded(net["bob"]).reason == "stalled");
    CHECK(lastEnded(net["bob"]).bytes == 2 * kChunkBytes);
    // The holder, whose window is open but who never hears an ack, gives up on its own.
    net.advance(kIdleServeMs);
    CHECK(net["alice"].t.serving() == 0);
  }
}

TEST_CASE("hostile receivers: malformed texts or acks of unsent bytes or bad ranges or too many gets") {
  Net net;
  const std::string bytes = randomBytes(3 * kWindowBytes, 13);
  const std::string hash = net.share("alice", bytes);
  const TransferId honest = net["bob"].t.fetch(hash, bytes.size(), "alice", net.now);
  auto fromMallory = [&](const std::string& text) { net.wire.push_front({"mallory", "alice", false, text}); };
  SECTION("malformed") {
    fromMallory("{\"type\":\"get\",\"request\":\"1\"}");
    net.run();
    REQUIRE(net.cutOffs.size() == 1);
    CHECK(net.cutOffs[0].reason == "malformed-message");
  }
  SECTION("an ack of bytes never sent") {
    fromMallory("{\"type\":\"ack\",\"request\":5,\"upto\":" + std::to_string(bytes.size()) + "}");
    fromMallory("{\"type\":\"get\",\"request\":5,\"hash\":\"" + hash + "\",\"size\":" + std::to_string(bytes.size()) + ",\"from\":0}");
    net.run();
    REQUIRE(net.cutOffs.size() == 1);
    CHECK(net.cutOffs[0].reason == "bad-ack");
  }
  SECTION("a range off the chunk grid") {
    fromMallory("{\"type\":\"get\",\"request\":5,\"hash\":\"" + hash + "\",\"size\":" + std::to_string(bytes.size()) + ",\"from\":3}");
    net.run();
    REQUIRE(net.cutOffs.size() == 1);
    CHECK(net.cutOffs[0].reason == "bad-range");
  }
  SECTION("more gets than a peer may have") {
    for (RequestNo r = 1; r <= kMaxServedPerPeer + 2; ++r) {
      net.wire.push_back({"mallory", "alice", false,
                          "{\"type\":\"get\",\"request\":" + std::to_string(r) + ",\"hash\":\"" + hash +
                              "\",\"size\":" + std::to_string(bytes.size()) + ",\"from\":0}"});
    }
    net["mallory"].scripted = true;
    net.run();
    std::size_t busy = 0;
    for (const auto& text : net["mallory"].inbox) busy += text.find("\"busy\"") != std::string::npos;
    CHECK(busy == 2);
    CHECK(net.cutOffs.empty());
    CHECK(net["alice"].t.serving() == kMaxServedPerPeer);  // mallory's, after bob's was done
  }
  CHECK(net["bob"].received[honest] == bytes);  // whatever mallory did, bob got the file
  CHECK(lastEnded(net["bob"]).outcome == Outcome::Complete);
}

TEST_CASE("control messages: every field checked and nothing thrown") {
  const std::string hash(64, 'a');
  CHECK(decode("{\"type\":\"get\",\"request\":1,\"hash\":\"" + hash + "\",\"size\":10,\"from\":0}").message);
  CHECK(decode("{\"type\":\"get\",\"request\":0,\"hash\":\"" + hash + "\",\"size\":10,\"from\":0}").error == "request: zero");
  CHECK(decode("{\"type\":\"get\",\"request\":1,\"hash\":\"" + std::string(64, 'A') + "\",\"size\":10,\"from\":0}").error == "hash: malformed");
  CHECK(decode("{\"type\":\"get\",\"request\":1,\"hash\":\"" + hash + "\",\"size\":-1,\"from\":0}").error ==
        "size: missing or not a whole number");
  CHECK(decode("{\"type\":\"ack\",\"request\":1,\"upto\":9007199254740993}").error == "upto: too large");
  CHECK(decode("{\"type\":\"none\",\"request\":1,\"reason\":\"<b>\"}").error == "reason: malformed");
  CHECK(decode("{\"type\":\"boom\"}").error == "unknown type");
  CHECK(decode("[1,2]").error == "not a JSON object");
  CHECK(decode("{").error == "not a JSON object");
  CHECK(decode(std::string(kMaxControlBytes + 1, ' ')).error == "too long");
  for (const Control& m : {Control{Get{3, hash, 10, 0}}, Control{Ack{3, 7}}, Control{Cancel{3}},
                           Control{None{3, "busy"}}, Control{End{3, "idle"}}}) {
    CHECK(decode(encode(m)).message->index() == m.index());
  }
}
