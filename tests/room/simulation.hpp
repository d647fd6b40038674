#pragma once
// A deterministic world for room instances: a virtual clock, the server's real Mailbox as the
// signaling server, and fake peer links that carry data-channel messages with latency. Every room is
// driven as a browser would drive it: inputs in, effects drained and carried out.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "mailbox.hpp"
#include "room.hpp"

namespace webchat::sim {

struct Observed {  // what one member's user interface was told
  std::vector<ChatMessage> messages;
  std::vector<std::vector<Member>> memberLists;
  std::vector<effect::StatusChanged> statuses;
  std::vector<std::string> notices;  // "joined bob", "left carol", "host-changed dave"
};

class Simulation final {
 public:
  struct Options {
    Millis signalLatency = 5;    // one way, browser ↔ signaling server
    Millis linkLatency = 10;     // one way, peer ↔ peer
    Millis describeDelay = 50;   // creating an offer or answer, ICE gathering included
    std::uint64_t seed = 1;
  };

  Simulation();
  explicit Simulation(Options options);
  ~Simulation();

  // Adds a browser that joins `room` as `nick` now; returns its index.
  std::size_t join(const std::string& room, const std::string& nick);
  void leave(std::size_t member);
  // The browser vanishes: its signaling connections drop (the mailbox withdraws them) and its peers
  // see their links close.
  void crash(std::size_t member);
  [[nodiscard]] std::string send(std::size_t member, const std::string& text);
  // Delivers a raw data-channel message to `member` as if its peer on `link` had sent it.
  void inject(std::size_t member, LinkId link, const std::string& text);

  void runFor(Millis duration);
  // Runs until `done` holds (checked after every event) or `limit` ms pass; returns whether it held.
  bool runUntil(const std::function<bool()>& done, Millis limit);

  Millis now() const { return now_; }
  Room& room(std::size_t member);
  const Observed& observed(std::size_t member) const;
  bool alive(std::size_t member) const;
  // Links of `member` that are open to a peer, for tests that impersonate a peer.
  std::vector<LinkId> openLinks(std::size_t member) const;
  const Mailbox& mailbox() const { return mailbox_; }

 private:
  struct Node;
  struct Endpoint {
    std::size_t node;
    LinkId link;
    bool operator<(const Endpoint& o) const { return node != o.node ? node < o.node : link < o.link; }
  };

  void at(Millis when, std::function<void()> action);
  void drain(std::size_t member);
  void carryOut(std::size_t member, Effect effect);
  void deliverToLink(Endpoint to, std::function<void(Room&, LinkId)> event);
  void disconnect(Endpoint from);
  bool step(Millis limit);

  Options options_;
  Millis now_ = 0;
  Mailbox mailbox_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<Endpoint, Endpoint> peerOf_;  // open links, both directions
  struct Event {
    Millis when;
    std::uint64_t order;
    std::function<void()> action;
    bool operator>(const Event& o) const { return when != o.when ? when > o.when : order > o.order; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t nextOrder_ = 0;
};

}  // namespace webchat::sim
