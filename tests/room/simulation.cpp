#include "simulation.hpp"

#include "entries.hpp"

#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>

namespace webchat::sim {

struct Simulation::Node {
  std::unique_ptr<Room> room;
  Observed observed;
  bool alive = true;
  std::map<RequestId, Mailbox::Ticket> tickets;  // requests parked at the mailbox
  std::map<RequestId, bool> cancelled;
  std::map<LinkId, bool> described;  // links whose peer connection exists (until closed)
  std::string fingerprint;           // of its links' descriptions
  std::string key;                   // its identity key (fake: see fakeSignature)
  bool loseNextMessage = false;
  Millis pausedUntil = 0;
  // After move(): links described from the old address (they never connect) and requests parked
  // from it (the server still holds them; their replies never come back).
  std::set<LinkId> stale;
  std::set<RequestId> lost;
  Millis unsettledUntil = 0;  // what it describes before then names the old address too
  std::optional<Millis> moveSeenAt;  // when its driver sees its last move (move's noticedAfter)
};

namespace {

// A fake session description names its endpoint, so AcceptAnswer can find the answering side, and
// says whether its candidates follow. A fake candidate names its endpoint too.
std::string fakeSdp(std::size_t node, LinkId link, bool trickled) {
  return "fake-sdp " + std::to_string(node) + " " + std::to_string(link) + (trickled ? " trickled" : " whole");
}

bool parseFakeSdp(const std::string& sdp, std::size_t& node, LinkId& link, bool& trickled) {
  std::istringstream in(sdp);
  std::string word, candidates;
  if (!(in >> word >> node >> link >> candidates) || word != "fake-sdp") return false;
  trickled = candidates == "trickled";
  return true;
}

std::string fakeCandidate(std::size_t node, LinkId link) {
  return "candidate:fake " + std::to_string(node) + " " + std::to_string(link);
}

}  // namespace

std::string fakeSignature(const std::string& key, const std::string& bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : key + "\n" + bytes) hash = (hash ^ c) * 0x100000001b3ULL;
  return "sig:" + std::to_string(hash);
}

std::vector<bool> fakeVerdicts(const std::vector<SignedPart>& parts) {
  std::vector<bool> verdicts;
  for (const auto& part : parts) verdicts.push_back(part.sig == fakeSignature(part.key, part.bytes));
  return verdicts;
}

std::string fakeKey(const std::string& nick) { return "pk-" + nick; }

Simulation::Simulation() : Simulation(Options{}) {}
Simulation::Simulation(Options options) : options_(options), random_(options.seed ^ 0x5eed) {}

Millis Simulation::signalDelay() {
  return options_.signalLatency + static_cast<Millis>(random_.next() % static_cast<std::uint64_t>(options_.signalLatency + 1));
}

bool Simulation::signalFails() {
  if (serverDown_) return true;
  return options_.signalLoss > 0 && static_cast<double>(random_.next() % 1000000) / 1e6 < options_.signalLoss;
}

void Simulation::partition(std::size_t a, std::size_t b, bool cut) {
  if (cut) {
    cut_.insert({a, b});
    cut_.insert({b, a});
    // A data channel is reliable or broken: links across the cut break for good, silently (SCTP gives
    // up after its retransmissions); heartbeats tell both sides, and healing does not revive them.
    for (auto it = peerOf_.begin(); it != peerOf_.end();) {
      bool across = (it->first.node == a && it->second.node == b) || (it->first.node == b && it->second.node == a);
      it = across ? peerOf_.erase(it) : std::next(it);
    }
  } else {
    cut_.erase({a, b});
    cut_.erase({b, a});
  }
}
Simulation::~Simulation() = default;

void Simulation::move(std::size_t member, Millis noticedAfter, bool closesOwnLinks, Millis unsettledFor) {
  Node& node = *nodes_.at(member);
  node.unsettledUntil = now_ + unsettledFor;
  for (auto it = peerOf_.begin(); it != peerOf_.end();) {
    bool mine = it->first.node == member || it->second.node == member;
    if (closesOwnLinks && it->first.node == member) {
      at(now_ + 1, [this, member, link = it->first.link] {
        Node& n = *nodes_[member];
        if (!n.alive || !n.described.count(link)) return;
        n.room->onLinkClosed(link, now_, LinkEnd::IceFailed);
        drain(member);
      }, member);
    }
    it = mine ? peerOf_.erase(it) : std::next(it);
  }
  for (auto it = awaitingCandidates_.begin(); it != awaitingCandidates_.end();) {
    bool mine = it->first.node == member || it->second.node == member;
    it = mine ? awaitingCandidates_.erase(it) : std::next(it);
  }
  for (const auto& [link, described] : node.described) node.stale.insert(link);
  for (const auto& [request, ticket] : node.tickets) node.lost.insert(request);
  node.moveSeenAt.reset();
  if (noticedAfter < 0) return;
  node.moveSeenAt = now_ + noticedAfter;
  at(now_ + noticedAfter, [this, member] {
    Node& n = *nodes_[member];
    if (!n.alive) return;
    n.room->onNetworkChanged(now_);
    drain(member);
  }, member);
}

std::size_t Simulation::join(const std::string& room, const std::string& nick) {
  Room::Config config;
  config.room = room;
  config.nick = nick;
  return join(std::move(config));
}

std::size_t Simulation::join(Room::Config config) {
  auto node = std::make_unique<Node>();
  if (config.seed == 0) config.seed = options_.seed * 1000003ULL + nodes_.size() + 1;
  if (options_.signatures) {
    if (config.key.empty()) config.key = fakeKey(config.nick);
    config.fingerprint = "sha-256 " + config.key;
    config.verify = true;
  }
  node->fingerprint = config.fingerprint;
  node->key = config.key;
  node->room = std::make_unique<Room>(std::move(config));
  nodes_.push_back(std::move(node));
  std::size_t member = nodes_.size() - 1;
  nodes_[member]->room->join(now_);
  drain(member);
  return member;
}

void Simulation::leave(std::size_t member) {
  room(member).leave(now_);
  drain(member);
}

void Simulation::crash(std::size_t member) {
  Node& node = *nodes_[member];
  node.alive = false;
  for (const auto& [request, ticket] : node.tickets) mailbox_.withdraw(ticket);
  node.tickets.clear();
}

void Simulation::pause(std::size_t member, Millis duration) { nodes_.at(member)->pausedUntil = now_ + duration; }

bool Simulation::paused(std::size_t node) const { return node != kNoNode && nodes_[node]->pausedUntil > now_; }

std::string Simulation::send(std::size_t member, const std::string& text) {
  std::string problem = room(member).send(text, now_);
  drain(member);
  return problem;
}

std::string Simulation::input(std::size_t member, const std::function<std::string(Room&, Millis)>& call) {
  std::string result = call(room(member), now_);
  drain(member);
  return result;
}

void Simulation::parkRaw(const std::string& id, const std::string& text, Millis timeout) {
  mailbox_.set(id, text, now_, timeout, [](bool) {});
}

void Simulation::loseNextMessage(std::size_t member) { nodes_.at(member)->loseNextMessage = true; }

void Simulation::inject(std::size_t member, LinkId link, const std::string& text) {
  room(member).onLinkMessage(link, text, now_);
  drain(member);
}

Room& Simulation::room(std::size_t member) { return *nodes_.at(member)->room; }
const Observed& Simulation::observed(std::size_t member) const { return nodes_.at(member)->observed; }
bool Simulation::alive(std::size_t member) const { return nodes_.at(member)->alive; }

std::vector<LinkId> Simulation::openLinks(std::size_t member) const {
  std::vector<LinkId> links;
  for (const auto& [from, to] : peerOf_) {
    if (from.node == member) links.push_back(from.link);
  }
  return links;
}

LinkId Simulation::linkTo(std::size_t member, std::size_t peer) const {
  for (const auto& [from, to] : peerOf_) {
    if (from.node == member && to.node == peer) return from.link;
  }
  return 0;
}

void Simulation::at(Millis when, std::function<void()> action, std::size_t node) {
  events_.push(Event{when, nextOrder_++, std::move(action), node});
}

void Simulation::drain(std::size_t member) {
  while (auto effect = nodes_[member]->room->poll()) carryOut(member, std::move(*effect));
}

void Simulation::carryOut(std::size_t member, Effect effect) {
  Node& node = *nodes_[member];
  auto reply = [this, member](RequestId request, int status, std::string body) {
    at(now_ + signalDelay(), [this, member, request, status, body] {
      Node& n = *nodes_[member];
      n.tickets.erase(request);
      if (!n.alive || n.cancelled.count(request) || n.lost.count(request)) return;
      n.room->onSignalDone(request, status, body, now_);
      drain(member);
    }, member);
  };
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, effect::SignalGet>) {
          ++node.observed.signalRequests;
          node.observed.gets.push_back(e.id);
          at(now_ + signalDelay(), [this, member, e, reply] {
            Node& n = *nodes_[member];
            if (!n.alive || n.cancelled.count(e.request)) return;
            if (signalFails()) return reply(e.request, 0, "");
            n.tickets[e.request] = mailbox_.get(e.id, now_, e.timeout, [reply, request = e.request](auto text) {
              reply(request, text ? 200 : 204, text.value_or(""));
            });
          });
        } else if constexpr (std::is_same_v<T, effect::SignalSet>) {
          ++node.observed.signalRequests;
          at(now_ + signalDelay(), [this, member, e, reply] {
            Node& n = *nodes_[member];
            if (!n.alive || n.cancelled.count(e.request)) return;
            if (signalFails()) return reply(e.request, 0, "");
            n.tickets[e.request] = mailbox_.set(e.id, e.text, now_, e.timeout, [reply, request = e.request](bool taken) {
              reply(request, taken ? 200 : 204, taken ? "ok" : "");
            });
          });
        } else if constexpr (std::is_same_v<T, effect::SignalCancel>) {
          node.cancelled[e.request] = true;
          if (auto it = node.tickets.find(e.request); it != node.tickets.end()) {
            mailbox_.withdraw(it->second);
            node.tickets.erase(it);
          }
        } else if constexpr (std::is_same_v<T, effect::OpenLink>) {
          ++node.observed.linksOpened;
          node.described[e.link] = false;
          const bool trickled = options_.trickle && !e.remoteOffer.empty();
          // A trickled answer is ready as soon as it is created; its candidates once gathering ends.
          at(now_ + (trickled ? options_.describeDelay / 5 : options_.describeDelay), [this, member, link = e.link, trickled] {
            Node& n = *nodes_[member];
            if (!n.alive || !n.described.count(link)) return;
            n.described[link] = true;
            if (now_ < n.unsettledUntil) n.stale.insert(link);
            std::string fp = options_.swapFingerprints ? "sha-256 the-man-in-the-middle" : n.fingerprint;
            n.room->onLinkDescribed(link, fakeSdp(member, link, trickled) + "\r\na=fingerprint:" + fp + "\r\n", now_,
                                    trickled ? IceCandidates::Follow : IceCandidates::Included);
            drain(member);
          }, member);
          if (trickled) {
            at(now_ + options_.describeDelay, [this, member, link = e.link] {
              Node& n = *nodes_[member];
              if (!n.alive || !n.described.count(link)) return;
              n.room->onLinkCandidates(link, {fakeCandidate(member, link)}, now_);
              drain(member);
            }, member);
          }
        } else if constexpr (std::is_same_v<T, effect::AcceptAnswer>) {
          std::size_t otherNode;
          LinkId otherLink;
          bool trickled = false;
          if (!parseFakeSdp(e.sdp, otherNode, otherLink, trickled) || otherNode >= nodes_.size()) return;
          Endpoint self{member, e.link}, other{otherNode, otherLink};
          if (trickled && options_.natted) {
            awaitingCandidates_[self] = other;  // the joiner's NAT lets us in once we know its address
            return;
          }
          connect(self, other);
        } else if constexpr (std::is_same_v<T, effect::AddCandidates>) {
          auto waiting = awaitingCandidates_.find(Endpoint{member, e.link});
          if (waiting == awaitingCandidates_.end()) return;
          const Endpoint other = waiting->second;
          awaitingCandidates_.erase(waiting);
          for (const auto& candidate : e.candidates) {
            if (candidate == fakeCandidate(other.node, other.link)) return connect(Endpoint{member, e.link}, other);
          }
        } else if constexpr (std::is_same_v<T, effect::Send>) {
          auto it = peerOf_.find(Endpoint{member, e.link});
          if (it == peerOf_.end() || !reachable(member, it->second.node)) return;  // lost in a partition
          if (std::exchange(node.loseNextMessage, false)) return;
          deliverToLink(it->second, [this, to = it->second.node, text = e.text](Room& r, LinkId l) {
            r.onLinkMessage(l, text, now_);
          });
        } else if constexpr (std::is_same_v<T, effect::CloseLink>) {
          node.described.erase(e.link);
          awaitingCandidates_.erase(Endpoint{member, e.link});
          disconnect(Endpoint{member, e.link});
        } else if constexpr (std::is_same_v<T, effect::Sign>) {
          at(now_ + 1, [this, member, e] {
            Node& n = *nodes_[member];
            if (!n.alive) return;
            n.room->onSigned(e.ticket, fakeSignature(n.key, e.bytes), now_);
            drain(member);
          }, member);  // the page's WebCrypto answers wait while it is paused
        } else if constexpr (std::is_same_v<T, effect::Verify>) {
          if (options_.verifyDelay == 0) return node.room->onVerified(e.ticket, fakeVerdicts(e.parts), now_);
          Millis after = 1 + static_cast<Millis>(random_.next() % static_cast<std::uint64_t>(options_.verifyDelay));
          at(now_ + after, [this, member, e] {
            Node& n = *nodes_[member];
            if (!n.alive) return;
            n.room->onVerified(e.ticket, fakeVerdicts(e.parts), now_);
            drain(member);
          }, member);
        } else if constexpr (std::is_same_v<T, effect::CheckNetwork>) {
          node.observed.networkChecks.push_back(now_);
          // A move that shows within the look is reported when it shows (move()'s report); else nothing changed.
          if (node.moveSeenAt && *node.moveSeenAt >= now_ && *node.moveSeenAt <= now_ + options_.networkCheck) return;
          at(now_ + options_.networkCheck, [this, member] {
            Node& n = *nodes_[member];
            if (!n.alive) return;
            n.room->onNetworkChecked(now_);
            drain(member);
          }, member);
        } else if constexpr (std::is_same_v<T, effect::StatusChanged>) {
          node.observed.statuses.push_back(e);
        } else if constexpr (std::is_same_v<T, effect::MessageAdded>) {
          node.observed.messages.push_back(e.entry);
          node.observed.everSeen.insert(e.entry.mid);
        } else if constexpr (std::is_same_v<T, effect::HistoryCleared>) {
          node.observed.messages.clear();
        } else if constexpr (std::is_same_v<T, effect::MembersChanged>) {
          node.observed.memberLists.push_back(e.members);
        } else if constexpr (std::is_same_v<T, effect::Notice>) {
          std::string was = e.previous.empty() ? "" : " (was " + e.previous + ")";
          node.observed.notices.push_back(std::string(toString(e.kind)) + " " + e.nick + was);
        } else if constexpr (std::is_same_v<T, effect::Typing>) {
          node.observed.typing.push_back(e.nick);
        } else if constexpr (std::is_same_v<T, effect::Warning>) {
          node.observed.warnings.push_back(e.kind + " " + e.nick);
        } else if constexpr (std::is_same_v<T, effect::Denied>) {
          node.observed.denied.push_back(e);
        } else if constexpr (std::is_same_v<T, effect::Throttled>) {
          node.observed.throttled.push_back(e.mid);
        } else if constexpr (std::is_same_v<T, effect::Relayed>) {
          node.observed.relayed.push_back(e);
        }
      },
      effect);
}

// ICE succeeds between the two ends, if both are still there and can reach each other: the link opens.
void Simulation::connect(Endpoint offerer, Endpoint answerer) {
  const Node& peer = *nodes_[answerer.node];
  if (!peer.alive || !peer.described.count(answerer.link)) return;  // that browser moved on
  if (!reachable(offerer.node, answerer.node)) return;  // ICE fails across a partition: never opens
  // A description from before its browser moved names addresses nobody reaches.
  if (nodes_[offerer.node]->stale.count(offerer.link) || peer.stale.count(answerer.link)) return;
  peerOf_[offerer] = answerer;
  peerOf_[answerer] = offerer;
  Millis extra = static_cast<Millis>(random_.next() % static_cast<std::uint64_t>(options_.linkLatency + 1));
  linkDelay_[offerer] = linkDelay_[answerer] = options_.linkLatency + extra;
  deliverToLink(offerer, [this](Room& r, LinkId l) { r.onLinkOpen(l, now_); });
  deliverToLink(answerer, [this](Room& r, LinkId l) { r.onLinkOpen(l, now_); });
}

// Runs `event` on the endpoint's room after the link latency, if the link still exists then.
void Simulation::deliverToLink(Endpoint to, std::function<void(Room&, LinkId)> event) {
  auto delay = linkDelay_.find(to);
  at(now_ + (delay == linkDelay_.end() ? options_.linkLatency : delay->second), [this, to, event] {
    Node& n = *nodes_[to.node];
    if (!n.alive || !n.described.count(to.link)) return;
    event(*n.room, to.link);
    drain(to.node);
  }, to.node);
}

// Tears down the link at `from`; its peer learns of it one latency later.
void Simulation::disconnect(Endpoint from) {
  auto it = peerOf_.find(from);
  if (it == peerOf_.end()) return;
  Endpoint to = it->second;
  peerOf_.erase(it);
  peerOf_.erase(to);
  // A close is a message too: a dead or cut-off peer never hears of it (heartbeats tell instead).
  if (!nodes_[to.node]->alive || !reachable(from.node, to.node)) return;
  deliverToLink(to, [this](Room& r, LinkId l) { r.onLinkClosed(l, now_); });
}

bool Simulation::step(Millis limit) {
  std::optional<Millis> next;
  auto consider = [&](std::optional<Millis> t) {
    if (t) next = next ? std::min(*next, *t) : *t;
  };
  consider(mailbox_.nextDeadline());
  if (!events_.empty()) consider(events_.top().when);
  for (const auto& node : nodes_) {
    auto deadline = node->room->nextDeadline();
    if (node->alive && deadline) consider(std::max(*deadline, node->pausedUntil));
  }
  if (!next || *next > limit) return false;
  now_ = std::max(now_, *next);
  if (auto deadline = mailbox_.nextDeadline(); deadline && *deadline <= now_) {
    mailbox_.expire(now_);
    return true;
  }
  if (!events_.empty() && events_.top().when <= now_) {
    Event event = events_.top();
    events_.pop();
    if (paused(event.node)) {  // that page runs again later: it gets this then, in order
      at(nodes_[event.node]->pausedUntil, std::move(event.action), event.node);
      return true;
    }
    event.action();
    return true;
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    auto deadline = nodes_[i]->room->nextDeadline();
    if (nodes_[i]->alive && !paused(i) && deadline && *deadline <= now_) {
      nodes_[i]->room->tick(now_);
      drain(i);
    }
  }
  return true;
}

void Simulation::runFor(Millis duration) {
  Millis end = now_ + duration;
  while (step(end)) {
  }
  now_ = end;
}

bool Simulation::runUntil(const std::function<bool()>& done, Millis limit) {
  Millis end = now_ + limit;
  while (!done()) {
    if (!step(end)) {
      now_ = end;
      return done();
    }
  }
  return true;
}

}  // namespace webchat::sim
