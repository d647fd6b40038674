#pragma once
// One member's view of a chat room, as a state machine with no I/O and no clock of its own.
//
// The driver feeds inputs (user actions, signaling replies, peer-link events, the time) and drains
// effects with poll() until it returns nothing, then calls tick() at nextDeadline(). The same class runs
// natively in the simulation tests and in browsers as WebAssembly; docs/protocol.md is the protocol.
//
// Roles: a joiner asks the mailbox for the room's parked offer. Nobody there → it hosts: keeps one
// offer parked for newcomers, sequences every chat line, relays it to all, and hands each newcomer
// the member list and history. Otherwise it answers the offer and joins as a guest. When the host goes
// away the earliest-joined guest takes over (failover); when two hosts of one room find each other,
// the lower-ranked one merges into the other (see HostRank).

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "effects.hpp"
#include "history.hpp"
#include "random_ids.hpp"

namespace webchat {

// Whether the driver seals this room's signaling texts, and under what (see onSignalUnreadable).
enum class Sealing { None, Secret, Password };

class Room final {
 public:
  struct Config {
    std::string room;
    std::string nick;
    std::uint64_t seed = 0;  // randomness for this member's id and its offer ids
    Sealing sealing = Sealing::None;  // a public room, or a link-secret or password room's sealing
  };

  explicit Room(Config config);

  // --- Inputs ------------------------------------------------------------------------------
  void join(Millis now);
  void leave(Millis now);      // as host: the others fail over and the room goes on
  void closeRoom(Millis now);  // as host: ends the room for everyone; as guest: same as leave
  // Sends a chat line. Returns why it was refused (empty, too long, not joined, too many queued) or "".
  [[nodiscard]] std::string send(std::string_view text, Millis now);

  // status: the HTTP status (200, 204, 4xx, 5xx) or 0 when the server could not be reached.
  void onSignalDone(RequestId request, int status, std::string_view body, Millis now);
  // The text a get request took could not be opened by the driver (sealed under another key, or
  // altered on the way). A joiner's probe in a password room ends the join ("wrong-password"); in a
  // link-secret room a second one in a join ends it ("signal-tampered"); otherwise the text is dropped
  // and counted, and the request's purpose goes on as after a malformed text (room_sealing.cpp).
  void onSignalUnreadable(RequestId request, Millis now);
  void onLinkDescribed(LinkId link, std::string_view sdp, Millis now,
                       IceCandidates candidates = IceCandidates::Included);
  // An answering link's ICE candidates, after onLinkDescribed(..., IceCandidates::Follow).
  void onLinkCandidates(LinkId link, std::vector<std::string> candidates, Millis now);
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
  const std::deque<ChatMessage>& history() const { return history_.lines(); }
  const std::vector<Member>& members() const { return members_; }
  const HostRank& hostRank() const { return rank_; }  // of the host we are in a room with (maybe us)
  std::size_t unsequenced() const { return outbox_.size(); }  // own lines not yet in the history
  // Peer messages and signaling texts dropped as malformed, oversized, unknown, out of turn or over
  // the rate limit.
  std::uint64_t droppedMessages() const { return dropped_; }
  const std::string& lastDropReason() const { return lastDropReason_; }

 private:
  enum class Stage {
    Describing,      // OpenLink sent, waiting for our local description
    OfferReady,      // host: a described spare offer, parked the moment the parked one is taken
    OfferParked,     // host: offer parked in the mailbox
    AwaitingAnswer,  // host: offer taken, fetching its answer
    AnswerParked,    // joiner: answer parked in the mailbox
    Connecting,      // answer delivered; waiting for the channel and hello (host) or welcome (joiner)
    Uploading,       // host: a joiner is sending history we may lack
    Member,          // host: an admitted guest
    Joined,          // guest: the link to our host
  };
  struct Link {
    Stage stage = Stage::Describing;
    bool offering = false;  // we created the offer (host side)
    bool open = false;
    std::string offerId;
    std::string offerText;  // host: the parked offer, to park again after our own probe took it
    std::string peerId;
    std::string nick;
    std::optional<Hello> earlyHello;  // host: the hello that came with the answer, for when the channel opens
    bool candidatesFollow = false;    // joiner: our answer said so, and they have not been parked yet
    std::optional<Millis> deadline;
    Millis lastHeard = 0;
    Millis lastSent = 0;
    double sayTokens = kSayBurst;  // host: the guest's rate-limit bucket
    Millis sayRefilled = 0;
    Millis answeredAt = 0;         // host: when we last answered the joiner's hello (see answerHelloAgain)
    int answeredAgain = 0;         // host: how often we answered a repeat of it
  };
  enum class Purpose { Probe, HostProbe, ParkOffer, FetchAnswer, ParkAnswer, FetchCandidates, ParkCandidates };
  struct Request {
    Purpose purpose;
    LinkId link = 0;
  };
  // What a member looking for a host accepts, and when it stops looking and hosts itself.
  struct Search {
    std::optional<HostRank> floor;      // accept offers from floor->host or hosts that outrank it
    std::optional<Millis> takeOverAt;   // unset: host as soon as a probe finds nobody
    std::int64_t epochIfHosting = 1;
    std::set<std::string> expected;     // members that will rejoin us if we end up hosting
  };

  // Looking for a host (room_join.cpp).
  void probe();
  void onProbeDone(int status, std::string_view body, Millis now);
  bool acceptable(const OfferText& offer) const;
  void answerOffer(const OfferText& offer, Millis now);
  void onAnswerParked(LinkId id, int status, Millis now);
  Hello ownHello() const;
  void sayHello(LinkId id);
  // A joiner's open link still waiting for the host's answer to its hello (see kHelloResendMs).
  static bool saysHelloAgain(const Link& link) { return !link.offering && link.open && link.stage == Stage::Connecting; }
  void onGuestMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);
  void onWelcome(LinkId id, Link& link, const Welcome& welcome, Millis now);
  void onUploadRequest(LinkId id, const Upload& upload);
  void startFailover(Millis now);
  void follow(const HostRank& rank, Millis now);
  void search(Search search, Millis now);

  // Hosting (room_host.cpp).
  void becomeHost(std::int64_t epoch, std::set<std::string> expected, Millis now);
  // Keeps one offer parked and one spare described behind it, so a taken offer is replaced at once.
  void keepOffering();
  void prepareSpare();
  // The first offering link in one of these stages (links_.end() when none), and whether there is one.
  std::map<LinkId, Link>::iterator offeringLink(std::initializer_list<Stage> stages);
  bool hasOffering(std::initializer_list<Stage> stages);
  bool holdingSpare();
  bool newcomerConnecting();  // an offer of ours was taken and its joiner is not in yet
  void onOfferParked(LinkId id, int status, Millis now);
  void onAnswerFetched(LinkId id, int status, std::string_view body, Millis now);
  void onCandidatesFetched(LinkId id, int status, std::string_view body);
  void onHostProbeDone(int status, std::string_view body, Millis now);
  void mergeInto(const OfferText& offer, Millis now);
  void onHostMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);
  void onHello(LinkId id, Link& link, const Hello& hello);
  void admit(LinkId id, Link& link, bool reset, std::uint64_t after);
  void sendWelcome(LinkId id, bool reset, std::uint64_t after);
  bool continuesOurHistory(const Hello& hello) const;
  void answerHelloAgain(LinkId id, Link& link, const Hello& hello);
  void onSay(Link& link, const Say& say, Millis now);
  void submit(ChatMessage line);
  void sequence(ChatMessage line);
  void endSettling();
  void removeMember(LinkId id);
  void broadcast(const PeerMessage& message, LinkId except = 0);  // to every member; link ids start at 1

  // Plumbing (room.cpp).
  RequestId request(Purpose purpose, LinkId link);
  void signalGet(Purpose purpose, LinkId link, std::string id, Millis timeout);
  void signalSet(Purpose purpose, LinkId link, std::string id, std::string text, Millis timeout);
  LinkId openLink(bool offering, std::string remoteOffer);
  void closeLink(LinkId id);
  void closeAllLinks(const PeerMessage* farewell);
  void cancelRequests(Purpose purpose);
  void cancelRequestsIf(const std::function<bool(const Request&)>& which);
  void sendTo(LinkId id, const PeerMessage& message);
  void setState(RoomState state, std::string error = {});
  void setMembers(std::vector<Member> members);
  void shutDown(std::string error);  // closes every link and request; the room is over for us
  void signalingFailed(int status, Millis now, void (Room::*retry)());
  void signalingRecovered();
  void drop(std::string reason);
  void emit(Effect effect) { effects_.push_back(std::move(effect)); }
  void addToHistory(const ChatMessage& line);
  void keepAlive(Millis now);
  void resendOutbox(std::size_t upTo);  // guest: the oldest unsequenced lines, to the host
  bool inRoom() const { return state_ == RoomState::Host || state_ == RoomState::Guest; }

  Config config_;
  RandomIds ids_;
  std::string selfId_;
  RoomState state_ = RoomState::Idle;
  std::string error_;
  Millis now_ = 0;  // the time of the input being handled

  std::map<LinkId, Link> links_;
  std::map<RequestId, Request> requests_;
  LinkId nextLink_ = 1;
  RequestId nextRequest_ = 1;
  std::optional<LinkId> hostLink_;  // guest: the link to the host

  HostRank rank_;
  std::vector<Member> members_;
  History history_;
  std::deque<Say> outbox_;  // own lines not yet seen in the history, oldest first
  std::uint64_t midCounter_ = 0;
  Millis lastResend_ = 0;   // guest: when the outbox was last sent to the host

  Search search_;  // while Joining or Reconnecting

  // Host only.
  std::optional<Millis> settleUntil_;  // after a failover: old history first, new lines after
  std::set<std::string> expected_;     // members of the old room not yet back
  std::vector<ChatMessage> held_;      // new lines waiting for settling to end
  Millis nextHostProbe_ = 0;
  std::optional<Millis> spareDue_;  // when to describe the next spare offer (prepareSpare)
  std::optional<Millis> spareHeldUntil_;  // when tick parks the spare held back for a newcomer (keepOffering)
  bool hostProbeAgain_ = false;  // a probe that found our own offer looks once more, behind it

  // Back-off after signaling failures: what to retry, and when.
  void (Room::*retry_)() = nullptr;
  Millis retryAt_ = 0;
  Millis backoff_ = 0;

  std::deque<Effect> effects_;
  std::uint64_t dropped_ = 0;
  std::string lastDropReason_;
  int unreadableProbes_ = 0;  // a joiner's probes that took a text it could not open (Sealing::Secret)
};

}  // namespace webchat
