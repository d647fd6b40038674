#pragma once
// One member's view of a chat room, as a state machine with no I/O and no clock of its own.
//
// The driver feeds inputs (user actions, signaling replies, peer-link events, the time) and drains
// effects with poll() until it returns nothing, then calls tick() at nextDeadline(). The same class runs
// natively in the simulation tests and in browsers as WebAssembly; docs/protocol.md describes what it
// sends and expects.
//
// Roles: a joiner asks the mailbox for the room's parked offer. Nobody there → it becomes the host,
// keeps one offer parked for newcomers, sequences every chat line and relays it to all, and hands each
// newcomer the member list and history. Otherwise it answers the offer and joins as a guest.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "effects.hpp"
#include "random_ids.hpp"

namespace webchat {

class Room final {
 public:
  struct Config {
    std::string room;
    std::string nick;
    std::uint64_t seed = 0;  // randomness for this member's id and its offer ids
  };

  explicit Room(Config config);

  // --- Inputs ------------------------------------------------------------------------------
  void join(Millis now);
  void leave(Millis now);
  // Sends a chat line. Returns why it was refused (empty text, too long, not in a room) or "".
  [[nodiscard]] std::string send(std::string_view text, Millis now);

  // status: the HTTP status (200, 204, 4xx, 5xx) or 0 when the server could not be reached.
  void onSignalDone(RequestId request, int status, std::string_view body, Millis now);
  void onLinkDescribed(LinkId link, std::string_view sdp, Millis now);
  void onLinkOpen(LinkId link, Millis now);
  void onLinkMessage(LinkId link, std::string_view text, Millis now);
  void onLinkClosed(LinkId link, Millis now);  // also: failed to connect or to describe
  void tick(Millis now);

  // --- Outputs -----------------------------------------------------------------------------
  [[nodiscard]] std::optional<Effect> poll();
  [[nodiscard]] std::optional<Millis> nextDeadline() const;

  // --- Observers ---------------------------------------------------------------------------
  RoomState state() const { return state_; }
  const std::string& selfId() const { return selfId_; }
  const std::string& nick() const { return config_.nick; }
  const std::deque<ChatMessage>& history() const { return history_; }
  const std::vector<Member>& members() const { return members_; }
  // Peer messages and signaling texts dropped as malformed, oversized, unknown or out of turn.
  std::uint64_t droppedMessages() const { return dropped_; }
  const std::string& lastDropReason() const { return lastDropReason_; }

 private:
  enum class Stage {
    Describing,      // OpenLink sent, waiting for our local description
    OfferParked,     // host: offer parked in the mailbox
    AwaitingAnswer,  // host: offer taken, fetching its answer
    AnswerParked,    // guest: answer parked in the mailbox
    Connecting,      // answer delivered; waiting for the channel and hello (host) or welcome (guest)
    Member,          // host: an accepted guest
    Joined,          // guest: the link to our host
  };
  struct Link {
    Stage stage = Stage::Describing;
    bool offering = false;  // we created the offer (host side)
    std::string offerId;
    std::string peerId;
    std::string nick;
    std::optional<Millis> deadline;
  };
  enum class Purpose { Probe, ParkOffer, FetchAnswer, ParkAnswer };
  struct Request {
    Purpose purpose;
    LinkId link = 0;
  };

  // Joining.
  void probe();
  void onProbeDone(int status, std::string_view body, Millis now);
  void answerOffer(const OfferText& offer);
  void onAnswerParked(LinkId id, int status, Millis now);
  void onGuestMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);

  // Hosting.
  void becomeHost();
  void startOffer();
  void onOfferParked(LinkId id, int status, Millis now);
  void onAnswerFetched(LinkId id, int status, std::string_view body, Millis now);
  void onHostMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);
  void admit(LinkId id, Link& link, const Hello& hello);
  void sequence(const std::string& from, const std::string& nick, const std::string& text, Millis now);
  void removeMember(LinkId id);
  void broadcast(const PeerMessage& message);

  // Plumbing.
  RequestId request(Purpose purpose, LinkId link);
  void signalGet(Purpose purpose, LinkId link, std::string id, Millis timeout);
  void signalSet(Purpose purpose, LinkId link, std::string id, std::string text, Millis timeout);
  LinkId openLink(bool offering, std::string remoteOffer);
  void closeLink(LinkId id);
  void sendTo(LinkId id, const PeerMessage& message);
  void setState(RoomState state, std::string error = {});
  // Replaces the member list, telling the user interface who joined, left or now hosts.
  void setMembers(std::vector<Member> members);
  void shutDown(std::string error);  // closes every link and request; the room is over for us
  void signalingFailed(int status, Millis now, void (Room::*retry)());
  void signalingRecovered();
  void drop(std::string reason);
  void emit(Effect effect) { effects_.push_back(std::move(effect)); }
  void addToHistory(ChatMessage message);

  Config config_;
  RandomIds ids_;
  std::string selfId_;
  RoomState state_ = RoomState::Idle;
  std::string error_;

  std::map<LinkId, Link> links_;
  std::map<RequestId, Request> requests_;
  LinkId nextLink_ = 1;
  RequestId nextRequest_ = 1;
  std::optional<LinkId> hostLink_;  // guest: the link to the host

  std::vector<Member> members_;
  std::deque<ChatMessage> history_;
  std::uint64_t lastSeq_ = 0;

  // Back-off after signaling failures: what to retry, and when.
  void (Room::*retry_)() = nullptr;
  Millis retryAt_ = 0;
  Millis backoff_ = 0;

  std::deque<Effect> effects_;
  std::uint64_t dropped_ = 0;
  std::string lastDropReason_;
};

}  // namespace webchat
