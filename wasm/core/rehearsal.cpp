// The rehearsal's driver: a few lines of mailbox (park, match, time out) and of peer links (a send on
// one side arrives on the other), enough to carry one join from probe to first chat lines.

#include "rehearsal.hpp"

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <variant>

#include "room.hpp"

namespace webchat {
namespace {

class Rehearsal {
 public:
  bool run() {
    host_.join(now());
    pump();
    timeOutParkedGets();  // the host's probe finds nobody: it hosts and parks an offer
    pump();
    guest_.join(now());
    pump();  // probe → offer → answer (+ candidates) → channel → hello → welcome
    if (guest_.state() != RoomState::Guest) return false;
    const bool guestSaid = guest_.send("rehearsal: guest line", now()).empty();
    const bool hostSaid = host_.send("rehearsal: host line", now()).empty();
    pump();
    const bool delivered = guestSaid && hostSaid && candidatesArrived_ && host_.history().size() == 2 &&
                           guest_.history().size() == 2;
    guest_.leave(now());
    host_.leave(now());
    pump();
    return delivered;
  }

 private:
  struct Parked {
    Room* room;
    RequestId request;
    bool isSet;
    std::string text;
  };
  struct End {  // one side of a link
    Room* room;
    LinkId link;
  };

  Millis now() { return ++clock_; }

  // Carries out effects until neither room has any left.
  void pump() {
    for (bool busy = true; busy && steps_ < kMaxSteps;) {
      busy = false;
      for (Room* room : {&host_, &guest_}) {
        while (auto effect = room->poll()) {
          busy = true;
          ++steps_;
          std::visit([&](const auto& e) { apply(*room, e); }, *effect);
        }
      }
    }
  }

  void apply(Room& room, const effect::SignalGet& e) { signal(room, e.request, e.id, false, {}); }
  void apply(Room& room, const effect::SignalSet& e) { signal(room, e.request, e.id, true, e.text); }
  void apply(Room& room, const effect::SignalCancel& e) {
    for (auto& [id, queue] : parked_) std::erase_if(queue, [&](const Parked& p) { return p.room == &room && p.request == e.request; });
  }
  void apply(Room& room, const effect::OpenLink& e) {
    if (e.remoteOffer.empty()) return room.onLinkDescribed(e.link, "v=0 rehearsal", now());
    lastAnswerer_ = End{&room, e.link};  // answers trickle their candidates, as in browsers
    room.onLinkDescribed(e.link, "v=0 rehearsal", now(), IceCandidates::Follow);
    room.onLinkCandidates(e.link, {"candidate:rehearsal"}, now());
  }
  void apply(Room& room, const effect::AcceptAnswer& e) {  // connect the offer to the last answer made
    if (!lastAnswerer_.room) return;
    const End offerer{&room, e.link};
    peers_[key(offerer)] = lastAnswerer_;
    peers_[key(lastAnswerer_)] = offerer;
    offerer.room->onLinkOpen(offerer.link, now());
    lastAnswerer_.room->onLinkOpen(lastAnswerer_.link, now());
  }
  void apply(Room&, const effect::AddCandidates&) { candidatesArrived_ = true; }
  void apply(Room& room, const effect::Send& e) {
    auto peer = peers_.find(key(End{&room, e.link}));
    if (peer != peers_.end()) peer->second.room->onLinkMessage(peer->second.link, e.text, now());
  }
  template <typename Other>
  void apply(Room&, const Other&) {}  // closing links and events for a user interface: nobody watches

  // Mailbox rules: a get takes the oldest set parked on its id, a set goes to the oldest parked get.
  void signal(Room& room, RequestId request, const std::string& id, bool isSet, std::string text) {
    auto& queue = parked_[id];
    if (!queue.empty() && queue.front().isSet != isSet) {
      const Parked waiting = queue.front();
      queue.pop_front();
      const Parked arriving{&room, request, isSet, std::move(text)};
      const auto& [setter, getter] = isSet ? std::pair{arriving, waiting} : std::pair{waiting, arriving};
      getter.room->onSignalDone(getter.request, 200, setter.text, now());
      setter.room->onSignalDone(setter.request, 200, "", now());
      return;
    }
    queue.push_back(Parked{&room, request, isSet, std::move(text)});
  }

  void timeOutParkedGets() {
    for (auto& [id, queue] : parked_) {
      for (auto it = queue.begin(); it != queue.end();) {
        if (it->isSet) { ++it; continue; }
        const Parked get = *it;
        it = queue.erase(it);
        get.room->onSignalDone(get.request, 204, "", now());
      }
    }
  }

  static std::pair<const Room*, LinkId> key(const End& end) { return {end.room, end.link}; }

  static constexpr int kMaxSteps = 1000;  // a join takes a few dozen; bounds a protocol change gone wrong
  Room host_{Room::Config{"rehearsal", "host", 1}};
  Room guest_{Room::Config{"rehearsal", "guest", 2}};
  Millis clock_ = 0;
  int steps_ = 0;
  std::map<std::string, std::deque<Parked>> parked_;
  std::map<std::pair<const Room*, LinkId>, End> peers_;
  End lastAnswerer_{nullptr, 0};
  bool candidatesArrived_ = false;
};

}  // namespace

bool rehearseJoin() { return Rehearsal{}.run(); }

}  // namespace webchat
