#pragma once
// A deterministic world for room instances: a virtual clock, the server's real Mailbox as the
// signaling server, and fake peer links that carry data-channel messages with latency. Every room is
// driven as a browser would drive it: inputs in, effects drained and carried out.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "mailbox.hpp"
#include "random_ids.hpp"
#include "room.hpp"

namespace webchat::sim {

// The simulation's stand-in for Ed25519: deterministic, and only the holder of `key` makes it (the
// tests play members and so sign as them). A member's effect::Verify is answered true for what
// fakeSignature made and false for anything else (fakeVerdicts).
std::string fakeSignature(const std::string& key, const std::string& bytes);
std::vector<bool> fakeVerdicts(const std::vector<SignedPart>& parts);
std::string fakeKey(const std::string& nick);

struct Observed {  // what one member's user interface was told
  std::vector<Entry> messages;
  std::vector<std::vector<Member>> memberLists;
  std::vector<effect::StatusChanged> statuses;
  std::vector<std::string> notices;  // "joined bob", "left carol", "host-changed dave", "renamed bo (was bob)"
  std::set<std::string> everSeen;    // mids of every entry it was ever shown
  std::vector<std::string> typing;   // nicks shown as typing
  std::vector<std::string> warnings; // "forged bob"
  std::vector<effect::Denied> denied;
  std::vector<std::string> throttled;  // mids of our entries the host dropped for its rate limit
  std::vector<effect::Relayed> relayed;
  std::size_t signalRequests = 0;    // signaling requests it made (gets and sets)
  std::vector<std::string> gets;     // the mailbox ids of its gets, in order
  std::size_t linksOpened = 0;       // peer connections it made (offers and answers)
  std::vector<Millis> networkChecks;  // when its room logic asked its driver to look at its network
};

class Simulation final {
 public:
  struct Options {
    Millis signalLatency = 5;    // one way, browser ↔ signaling server, plus up to as much again at random
    Millis linkLatency = 10;     // one way, peer ↔ peer; each link draws a fixed extra of up to as much
    Millis describeDelay = 50;   // creating an offer or answer, ICE gathering included
    double signalLoss = 0.0;     // chance that a signaling request fails as if the server were unreachable
    // Joiners report their answer early and its candidates describeDelay later, as the browser
    // module does when gathering is slow (IceCandidates::Follow); false: answers come whole.
    bool trickle = true;
    // Every joiner is behind a NAT: a link whose answer trickled opens only once the host has added
    // the joiner's candidates. False: the host reaches joiners directly (as on loopback).
    bool natted = false;
    // Members sign their hellos and entries and check everyone's (a deterministic fake: see
    // fakeSignature), each with its key ("pk-<nick>") and DTLS fingerprint in its descriptions.
    bool signatures = true;
    // A man in the middle of the signaling swaps the fingerprints of every description.
    bool swapFingerprints = false;
    // How long a member's effect::Verify waits for its answer: 0, answered at once (as the effect is
    // carried out); more, each after 1 ms to that many at random, so verdicts come back out of order
    // as a browser's WebCrypto answers may (a member must still handle each link's messages in order).
    Millis verifyDelay = 0;
    // How long a member's driver looks at its own network when asked (effect::CheckNetwork) before it
    // answers that nothing changed, as the browser module does; a move it sees meanwhile (see move's
    // noticedAfter) is its answer instead.
    Millis networkCheck = 800;
    std::uint64_t seed = 1;
  };

  Simulation();
  explicit Simulation(Options options);
  ~Simulation();

  // Adds a browser that joins `room` as `nick` now; returns its index.
  std::size_t join(const std::string& room, const std::string& nick);
  // Adds a browser with this configuration (a restored id, history, outbox...); seed filled in if 0.
  std::size_t join(Room::Config config);
  void leave(std::size_t member);
  // The browser vanishes without a word: its signaling connections drop (the mailbox withdraws them),
  // its peers' links go silent (as with a killed process, nothing tells them; heartbeats must).
  void crash(std::size_t member);
  // The browser's page stops running for `duration` (a frozen background tab, a sleeping device): its
  // timers do not fire and whatever reaches it (replies, link messages, closes) waits until it runs
  // again, then comes in order. Its links and parked requests stay open meanwhile, as the browser's
  // network stack keeps them; it sends nothing.
  void pause(std::size_t member, Millis duration);
  // Cuts (or restores) the peer links between two members both ways; signaling still works. Links
  // open across the cut break silently and stay broken.
  void partition(std::size_t a, std::size_t b, bool cut = true);
  // The browser's own network changes (a new address): its open links break silently, what it described
  // before never connects, and its requests parked at the server stay there with their replies lost
  // (the server answers the old address). Its driver notices `noticedAfter` later (onNetworkChanged).
  // `closesOwnLinks`: its own browser reports its open links closed at once (as Chromium does when the
  // address they were bound to is removed from its interface); their peers' ends still go silent.
  // `unsettledFor`: what it describes that long after the move still names the old address (a browser
  // learns of its new one a moment later), so it never connects either. A CheckNetwork that its driver
  // carries out before `noticedAfter` answers that nothing changed, unless the move shows within its look.
  // `noticedAfter` below 0: never reported (the driver does not watch).
  void move(std::size_t member, Millis noticedAfter, bool closesOwnLinks = false, Millis unsettledFor = 0);
  // The signaling server goes down (every request fails as unreachable) or comes back.
  void serverDown(bool down) { serverDown_ = down; }
  [[nodiscard]] std::string send(std::size_t member, const std::string& text);
  // Feeds `member`'s room an input (a chat call, ...) now and carries out what follows; returns its result.
  std::string input(std::size_t member, const std::function<std::string(Room&, Millis)>& call);
  // Parks a text at the mailbox as some other client would (e.g. an offer from a host that is gone).
  void parkRaw(const std::string& id, const std::string& text, Millis timeout);
  // The next data-channel message `member` sends vanishes (a browser has been seen losing one sent the
  // moment a channel opened; see kHelloResendMs).
  void loseNextMessage(std::size_t member);
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
  // The link at `member` that leads to `peer`, or 0.
  LinkId linkTo(std::size_t member, std::size_t peer) const;
  const Mailbox& mailbox() const { return mailbox_; }

 private:
  struct Node;
  struct Endpoint {
    std::size_t node;
    LinkId link;
    bool operator<(const Endpoint& o) const { return node != o.node ? node < o.node : link < o.link; }
  };

  static constexpr std::size_t kNoNode = static_cast<std::size_t>(-1);
  // Runs `action` at `when`; one that feeds `node`'s room waits while that page is paused.
  void at(Millis when, std::function<void()> action, std::size_t node = kNoNode);
  bool paused(std::size_t node) const;
  void drain(std::size_t member);
  void carryOut(std::size_t member, Effect effect);
  void connect(Endpoint offerer, Endpoint answerer);
  void deliverToLink(Endpoint to, std::function<void(Room&, LinkId)> event);
  void disconnect(Endpoint from);
  bool step(Millis limit);

  Options options_;
  Millis now_ = 0;
  Mailbox mailbox_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<Endpoint, Endpoint> peerOf_;  // open links, both directions
  std::map<Endpoint, Endpoint> awaitingCandidates_;  // natted: offerer → the answerer it waits to reach
  struct Event {
    Millis when;
    std::uint64_t order;
    std::function<void()> action;
    std::size_t node;
    bool operator>(const Event& o) const { return when != o.when ? when > o.when : order > o.order; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t nextOrder_ = 0;
  RandomIds random_;
  std::map<Endpoint, Millis> linkDelay_;
  std::set<std::pair<std::size_t, std::size_t>> cut_;
  bool serverDown_ = false;
  bool reachable(std::size_t a, std::size_t b) const { return !cut_.count({a, b}); }
  Millis signalDelay();
  bool signalFails();
};

}  // namespace webchat::sim
