// The Room's plumbing: requests, links, status and the member list, as effects for the driver.
#include <algorithm>
#include <iterator>
#include <utility>

#include "room.hpp"

namespace webchat {

namespace {

// Names the outcome of a failed signaling request for the user interface.
const char* signalingError(int status) {
  if (status == 0) return "server-unreachable";
  if (status >= 500) return "server-error";
  return "server-rejected";
}

}  // namespace

// --- Plumbing ----------------------------------------------------------------------------------

RequestId Room::request(Purpose purpose, LinkId link) {
  RequestId id = nextRequest_++;
  requests_[id] = Request{purpose, link};
  return id;
}

void Room::signalGet(Purpose purpose, LinkId link, std::string id, Millis timeout) {
  emit(effect::SignalGet{request(purpose, link), std::move(id), timeout});
}

void Room::signalSet(Purpose purpose, LinkId link, std::string id, std::string text, Millis timeout) {
  emit(effect::SignalSet{request(purpose, link), std::move(id), std::move(text), timeout});
}

LinkId Room::openLink(bool offering, std::string remoteOffer) {
  LinkId id = nextLink_++;
  Link& link = links_[id];
  link.offering = offering;
  link.lastSent = now_;
  link.lastHeard = now_;
  link.sayRefilled = now_;
  emit(effect::OpenLink{id, std::move(remoteOffer)});
  return id;
}

void Room::closeLink(LinkId id) {
  if (!links_.erase(id)) return;
  if (hostLink_ == id) hostLink_.reset();
  // Verdicts still to come for it concern nothing any more.
  for (auto it = verifyings_.begin(); it != verifyings_.end();) it = it->second == id ? verifyings_.erase(it) : std::next(it);
  // A request on behalf of a closed link is pointless: cancel it so a parked offer is withdrawn.
  cancelRequestsIf([id](const Request& r) { return r.link == id; });
  emit(effect::CloseLink{id});
}

// Closes every link, first telling members and our host `farewell` if given.
void Room::closeAllLinks(const PeerMessage* farewell) {
  std::vector<LinkId> ids;
  for (const auto& [id, link] : links_) ids.push_back(id);
  for (LinkId id : ids) {
    Stage stage = links_[id].stage;
    if (farewell && links_[id].open && (stage == Stage::Member || stage == Stage::Joined)) sendTo(id, *farewell);
    closeLink(id);
  }
}

void Room::cancelRequests(Purpose purpose) {
  cancelRequestsIf([purpose](const Request& r) { return r.purpose == purpose; });
}

void Room::cancelRequestsIf(const std::function<bool(const Request&)>& which) {
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (which(it->second)) {
      emit(effect::SignalCancel{it->first});
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
}

void Room::sendTo(LinkId id, const PeerMessage& message) {
  auto it = links_.find(id);
  if (it != links_.end()) it->second.lastSent = now_;
  emit(effect::Send{id, encodeMessage(message)});
}

void Room::setState(RoomState state, std::string error) {
  std::swap(state, state_);
  if (state_ != RoomState::Guest) networkCheckUntil_.reset();  // a check only ever holds a guest's takeover
  std::string stage = this->stage();
  if (state == state_ && error == error_ && stage == stage_) return;
  error_ = std::move(error);
  stage_ = std::move(stage);
  const bool in = state_ == RoomState::Host || state_ == RoomState::Guest;
  emit(effect::StatusChanged{state_, error_, stage_, in ? historyEnd_ : 0});
}

// While looking for a host: whether we are still looking, or connecting to one we found.
std::string Room::stage() const {
  if (state_ != RoomState::Joining && state_ != RoomState::Reconnecting) return {};
  bool answering = std::any_of(links_.begin(), links_.end(), [](const auto& l) { return !l.second.offering; });
  return answering ? "connecting" : "looking";
}

const Member* Room::member(const std::string& id) const {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.id == id; });
  return it == members_.end() ? nullptr : &*it;
}

void Room::setMembers(std::vector<Member> members) {
  auto find = [](const std::vector<Member>& list, const std::string& id) {
    return std::find_if(list.begin(), list.end(), [&](const Member& m) { return m.id == id; });
  };
  auto hostOf = [](const std::vector<Member>& list) {
    auto it = std::find_if(list.begin(), list.end(), [](const Member& m) { return m.host; });
    return it == list.end() ? std::string() : it->id;
  };
  // The first list we see is the room as we found it: no notices for who was already there.
  if (!members_.empty()) {
    std::string newHost = hostOf(members);
    if (!newHost.empty() && newHost != hostOf(members_)) {
      emit(effect::Notice{NoticeKind::HostChanged, find(members, newHost)->nick, {}});
    }
    for (const auto& m : members) {
      if (find(members_, m.id) == members_.end()) emit(effect::Notice{NoticeKind::Joined, m.nick, {}});
    }
    for (const auto& m : members_) {
      auto now = find(members, m.id);
      if (now == members.end()) {
        emit(effect::Notice{NoticeKind::Left, m.nick, {}});
      } else if (now->nick != m.nick) {
        emit(effect::Notice{NoticeKind::Renamed, now->nick, m.nick});
      }
    }
  }
  // The host has the last word on our nickname (a rename it accepted).
  if (auto self = find(members, selfId_); self != members.end()) config_.nick = self->nick;
  if (members == members_) return;
  members_ = std::move(members);
  emit(effect::MembersChanged{members_});
}

void Room::shutDown(std::string error, bool back) {
  if (state_ == RoomState::Closed) return;
  const PeerMessage bye = Bye{back};
  closeAllLinks(&bye);
  for (const auto& [id, request] : requests_) emit(effect::SignalCancel{id});
  requests_.clear();
  retry_ = nullptr;
  if (error == "room-closed") emit(effect::Notice{NoticeKind::Closed, {}, {}});
  setState(RoomState::Closed, std::move(error));
}

void Room::signalingFailed(int status, Millis now, void (Room::*retry)()) {
  backoff_ = backoff_ == 0 ? kRetryInitialMs : std::min(backoff_ * 2, kRetryMaxMs);
  retry_ = retry;
  retryAt_ = now + backoff_;
  setState(state_, signalingError(status));
}

void Room::signalingRecovered() {
  backoff_ = 0;
  if (!error_.empty() && state_ != RoomState::Closed) setState(state_, {});
}

void Room::drop(std::string reason) {
  ++dropped_;
  lastDropReason_ = std::move(reason);
}

}  // namespace webchat
