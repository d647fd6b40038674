#pragma once
// Small observations over a Simulation, and over a Room driven by hand, that several tests share.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "entries.hpp"
#include "simulation.hpp"

namespace webchat::sim {

// A room driven by hand: every effect it has queued.
inline std::vector<Effect> drain(Room& room) {
  std::vector<Effect> out;
  while (auto effect = room.poll()) out.push_back(std::move(*effect));
  return out;
}

template <typename T>
T first(const std::vector<Effect>& effects) {
  for (const auto& effect : effects) {
    if (const auto* wanted = std::get_if<T>(&effect)) return *wanted;
  }
  FAIL("no effect of the wanted type");
  return T{};
}

inline bool inRoom(Simulation& sim, std::size_t member) {
  auto state = sim.room(member).state();
  return state == RoomState::Host || state == RoomState::Guest;
}

inline std::vector<std::string> mids(const std::deque<Entry>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.mid);
  return out;
}

inline std::vector<std::string> texts(const std::deque<Entry>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.text);
  return out;
}

// Every entry of the history once.
inline bool noDuplicates(const std::deque<Entry>& history) {
  auto all = mids(history);
  return std::set<std::string>(all.begin(), all.end()).size() == all.size();
}

// Whether `member` ever reported hosting.
inline bool everHosted(const Simulation& sim, std::size_t member) {
  const auto& statuses = sim.observed(member).statuses;
  return std::any_of(statuses.begin(), statuses.end(), [](const auto& s) { return s.state == RoomState::Host; });
}

// Whether `member`, once it hosted, never reported anything else.
inline bool hostedThroughout(const Simulation& sim, std::size_t member) {
  const auto& statuses = sim.observed(member).statuses;
  auto firstHost = std::find_if(statuses.begin(), statuses.end(), [](const auto& s) { return s.state == RoomState::Host; });
  return firstHost != statuses.end() &&
         std::all_of(firstHost, statuses.end(), [](const auto& s) { return s.state == RoomState::Host; });
}

// How often `member` started looking for a host again after being in a room (host or guest).
inline int rejoins(const Simulation& sim, std::size_t member) {
  int count = 0;
  bool inside = false;
  for (const auto& s : sim.observed(member).statuses) {
    if (s.state == RoomState::Reconnecting && inside) ++count;
    inside = s.state == RoomState::Host || s.state == RoomState::Guest;
  }
  return count;
}

// A say as a hostile browser would craft it: any author, mid, kind and target, straight onto the
// channel, signed with `key` (the hostile member's own: it holds no other).
inline std::string craftedSay(const std::string& from, const std::string& mid, const std::string& nick,
                              const std::string& text, Millis time, EntryKind kind = EntryKind::Text,
                              const std::string& target = {}, const std::string& key = {}) {
  Entry entry;
  entry.from = from;
  entry.mid = mid;
  entry.nick = nick;
  entry.key = key;
  entry.text = text;
  entry.time = time;
  entry.kind = kind;
  entry.target = target;
  entry.sig = fakeSignature(key, entryBytes("lobby", entry));
  return encodeMessage(Say{entry});
}

// Signs an entry as its author's browser does in the simulation, for `room`.
inline Entry signedAs(Entry entry, const std::string& nick, const std::string& room = "lobby") {
  entry.key = fakeKey(nick);
  entry.sig = fakeSignature(entry.key, entryBytes(room, entry));
  return entry;
}

// A history as a member held it before a reload: entries by `from`, in this order, chained.
// Each signed by `signer` (the author's nickname by default: the id before the mid's dash names it).
inline std::vector<Entry> storedHistory(const std::vector<std::pair<std::string, std::string>>& midsAndTexts,
                                 const std::map<std::string, std::string>& nicks, const std::string& signer = {}) {
  History history;
  std::vector<Entry> out;
  for (const auto& [mid, text] : midsAndTexts) {
    Entry e;
    e.mid = mid;
    e.from = mid.substr(0, mid.find('-'));
    e.nick = nicks.count(e.from) ? nicks.at(e.from) : "someone";
    e.text = text;
    e = signedAs(e, signer.empty() ? e.nick : signer);
    e.seq = history.lastSeq() + 1;
    e.chain = history.nextChain(mid);
    REQUIRE(history.accept(e).empty());
    out.push_back(e);
  }
  return out;
}

inline Room::Config restored(const std::string& nick, const std::string& id, std::vector<Entry> history) {
  Room::Config config;
  config.room = "lobby";
  config.nick = nick;
  config.selfId = id;
  config.history = std::move(history);
  return config;
}

// The members that are alive and in the room, and how many of them host.
inline std::size_t hostsAmong(Simulation& sim, const std::vector<std::size_t>& members) {
  std::size_t hosts = 0;
  for (auto m : members) hosts += sim.room(m).state() == RoomState::Host;
  return hosts;
}

// True when exactly one of `members` hosts, the others are its guests, and all hold the same history.
inline bool oneRoom(Simulation& sim, const std::vector<std::size_t>& members) {
  if (hostsAmong(sim, members) != 1) return false;
  for (auto m : members) {
    if (!inRoom(sim, m)) return false;
    if (sim.room(m).members().size() != members.size()) return false;
    if (mids(sim.room(m).history()) != mids(sim.room(members[0]).history())) return false;
  }
  return true;
}

// A host driven by hand up to the moment a joiner's answer arrives.
struct HostAwaitingAnswer {
  Room host{Room::Config{"lobby", "alice", 1}};
  LinkId link = 0;
  std::string offerId;
  effect::SignalGet answerFetch;
  LinkId nextOffer = 0;  // no spare was ready when the joiner took the offer: the next one is being described

  HostAwaitingAnswer() {
    host.join(0);
    host.onSignalDone(first<effect::SignalGet>(drain(host)).request, 204, "", 10);  // nobody there: host
    link = first<effect::OpenLink>(drain(host)).link;
    host.onLinkDescribed(link, "v=0 offer", 20);
    auto park = first<effect::SignalSet>(drain(host));
    offerId = decodeOffer(park.text).value->offer;
    host.onSignalDone(park.request, 200, "", 30);  // a joiner took the offer
    auto taken = drain(host);
    answerFetch = first<effect::SignalGet>(taken);
    nextOffer = first<effect::OpenLink>(taken).link;
  }

  // Delivers an answer from joiner `peer`; returns the effects that follow.
  std::vector<Effect> answer(bool trickle, const std::string& peer = "feedface00000001") {
    AnswerText answer{offerId, peer, "v=0 answer", Hello{peer, "bob", 0, "", "", "", ""}, trickle};
    host.onSignalDone(answerFetch.request, 200, encodeAnswer(answer), 40);
    return drain(host);
  }
};

// Members with `nicks` join "lobby" one after the other, each once the room before it is settled.
inline std::vector<std::size_t> formRoom(Simulation& sim, const std::vector<std::string>& nicks,
                                         Millis limit = 30000) {
  std::vector<std::size_t> members;
  for (const auto& nick : nicks) {
    members.push_back(sim.join("lobby", nick));
    if (!sim.runUntil([&] { return oneRoom(sim, members); }, limit)) return {};
  }
  return members;
}

// Long enough for any join, failover or resend in these rooms to complete (simulated time).
constexpr Millis kSettle = 30000;

// formRoom, and the test stops there unless every member got in.
inline std::vector<std::size_t> requireRoom(Simulation& sim, const std::vector<std::string>& nicks) {
  auto members = formRoom(sim, nicks);
  REQUIRE(members.size() == nicks.size());
  return members;
}

// alice hosting bob and carol, all three holding one line `text` said by member `author`.
inline std::vector<std::size_t> threeWithALine(Simulation& sim, std::size_t author, const std::string& text) {
  auto room = requireRoom(sim, {"alice", "bob", "carol"});
  REQUIRE(sim.send(room[author], text) == "");
  REQUIRE(sim.runUntil([&] {
    return std::all_of(room.begin(), room.end(), [&](auto m) { return sim.room(m).history().size() == 1; });
  }, 5000));
  return room;
}

// Issue #17's scenario: in threeWithALine's room, bob (the first successor) moves `phase` ms into a
// heartbeat, its driver seeing it `noticedAfter` ms later, and says a line from its new network while
// alice says one; runs until all three are one room with both lines in bob's history, and checks it
// came back within 10 s under alice, the host all along. Returns the room.
inline std::vector<std::size_t> nextInLineMovesUnderItsHost(Simulation& sim, Millis noticedAfter, Millis phase = 0) {
  auto room = threeWithALine(sim, 2, "before the move");
  auto [alice, bob] = std::pair{room[0], room[1]};
  sim.runFor(phase);
  const Millis movedAt = sim.now();
  sim.move(bob, noticedAfter);
  REQUIRE(sim.send(bob, "from the new network") == "");
  REQUIRE(sim.send(alice, "meanwhile") == "");
  REQUIRE(sim.runUntil([&] {
    return oneRoom(sim, room) && sim.room(bob).history().size() == 3 && sim.room(bob).unsequenced() == 0;
  }, 15000));
  CHECK(sim.now() - movedAt < 10000);
  CHECK(hostedThroughout(sim, alice));
  CHECK(sim.room(alice).hostRank().epoch == 1);
  return room;
}

// The driver tells `member`'s room that its network changed, now.
inline void reportNetworkChange(Simulation& sim, std::size_t member) {
  sim.input(member, [](Room& r, Millis now) {
    r.onNetworkChanged(now);
    return std::string();
  });
}

}  // namespace webchat::sim
