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
//
// Files: room.cpp (inputs, timers), room_plumbing.cpp (effects, status, members), room_join.cpp
// (looking for a host, being a guest), room_host.cpp (offers, merging), room_members.cpp (a host's
// guests: hello, welcome, rename, typing, relay, leaving), room_entries.cpp (sequencing and accepting
// entries, history sync), room_chat.cpp (the user's chat inputs and the outbox), room_moved.cpp and
// room_retry.cpp (this browser's network changed).

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
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
    std::uint64_t seed = 0;    // randomness for this member's id and its offer ids
    Sealing sealing = Sealing::None;  // a public room, or a link-secret or password room's sealing
    // This member's public key (base64url): with one, the room signs its hello and entries through
    // effect::Sign. "" where keys are not in use.
    std::string key;
    std::string fingerprint;   // DTLS fingerprint of this member's links ("sha-256 AB:CD:..."), or ""
    // The largest file a file entry may announce (at most 2^53): larger ones are refused, at the host
    // and when shown. Every member of a room should use the same (docs/files.md).
    std::uint64_t maxFileBytes = kDefaultMaxFileBytes;
    // Checks every signature others send (through effect::Verify), pins keys per member id and binds
    // hellos to their links' fingerprints. false: nothing is checked (keys not in use).
    bool verify = false;
    // Coming back after a reload: the member id to use again (16 hex digits; random when empty or
    // invalid), the history held (shown at once, merged with the room's on joining), own entries not yet
    // sequenced, and the counter of own message ids (so new mids never repeat old ones).
    std::string selfId;
    std::vector<Entry> history;
    std::vector<Entry> outbox;
    std::uint64_t midCounter = 0;
  };

  explicit Room(Config config);

  // --- Inputs ------------------------------------------------------------------------------
  void join(Millis now);
  // As host: the others fail over and the room goes on. `back`: a reload or hidden page, likely to
  // return within seconds (the host keeps it listed that long, so nobody sees it leave and rejoin).
  void leave(Millis now, bool back = false);
  void closeRoom(Millis now);  // as host: ends the room for everyone; as guest: same as leave
  // The user's chat inputs (room_chat.cpp). Each returns why it was refused locally, or "".
  // A line, answering the line `reply` ("" for none).
  [[nodiscard]] std::string send(std::string_view text, Millis now, std::string_view reply = {});
  [[nodiscard]] std::string edit(std::string_view target, std::string_view text, Millis now);  // own line
  [[nodiscard]] std::string remove(std::string_view target, Millis now);                       // own line
  [[nodiscard]] std::string react(std::string_view target, std::string_view emoji, bool on, Millis now);
  [[nodiscard]] std::string typing(Millis now);  // tells the room (at most once per kTypingEveryMs)
  // Asks the host for a new nickname: MembersChanged shows it, or Denied{"rename"} says why not.
  [[nodiscard]] std::string rename(std::string_view nick, Millis now);
  // Sends `data` to member `to` through the host; it arrives there as Relayed.
  [[nodiscard]] std::string relay(std::string_view to, std::string_view data, Millis now);
  // Announces a file with a `file` entry (`caption` its text); its bytes travel over direct links
  // between members (docs/files.md).
  [[nodiscard]] std::string shareFile(FileInfo file, std::string_view caption, Millis now);

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
  // The driver's answer to effect::Sign.
  void onSigned(std::uint32_t ticket, std::string_view sig, Millis now);
  // The driver's answer to effect::Verify: whether each of its parts verified, in order.
  void onVerified(std::uint32_t ticket, const std::vector<bool>& verdicts, Millis now);
  // Also: failed to connect or to describe. `why` tells a broken path (IceFailed: no route) and a
  // failed DTLS handshake (a fingerprint that does not match: someone in the middle) from a close.
  void onLinkClosed(LinkId link, Millis now, LinkEnd why = LinkEnd::Closed);
  // This browser's own network changed (the driver saw an address of its own it had not had: a new
  // lease, another network). What it described before names addresses that are gone, and its links
  // and parked requests may be dead without a word: a host parks fresh offers, a guest rejoins its
  // host (room_moved.cpp; docs/protocol.md, "A network of one's own").
  void onNetworkChanged(Millis now);
  // The driver's answer to effect::CheckNetwork when its look found no address of its own it had not
  // had (a new one is reported with onNetworkChanged instead).
  void onNetworkChecked(Millis now);
  void tick(Millis now);

  // --- Outputs -----------------------------------------------------------------------------
  [[nodiscard]] std::optional<Effect> poll();
  [[nodiscard]] std::optional<Millis> nextDeadline() const;

  // --- Observers ---------------------------------------------------------------------------
  RoomState state() const { return state_; }
  const std::string& selfId() const { return selfId_; }
  const std::string& nick() const { return config_.nick; }
  const std::deque<Entry>& history() const { return history_.entries(); }
  // Own entries not yet sequenced, oldest first, and the counter of own mids: what a reload restores.
  const std::deque<Entry>& outbox() const { return outbox_; }
  std::uint64_t midCounter() const { return midCounter_; }
  const std::vector<Member>& members() const { return members_; }
  const HostRank& hostRank() const { return rank_; }  // of the host we are in a room with (maybe us)
  // The link that carries our traffic with member `id` (host: a guest's; guest: the host's), or 0: the
  // driver measures it (direct or relayed, round-trip time) for the member list.
  LinkId linkTo(std::string_view id) const;
  std::size_t unsequenced() const { return outbox_.size(); }  // own entries not yet in the history
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
  // A peer message waiting for the verdicts on its signatures (effect::Verify `ticket`).
  struct Arrival {
    PeerMessage message;
    std::vector<SignedPart> parts;  // none: nothing to verify (it waits only for those before it)
    std::uint32_t ticket = 0;
    std::optional<std::vector<bool>> verdicts;
  };
  struct Link {
    Stage stage = Stage::Describing;
    bool offering = false;  // we created the offer (host side)
    bool open = false;
    std::string offerId;
    std::string offerText;  // host: the parked offer, to park again after our own probe took it
    bool takenWhileProbing = false;  // host: its park came back "taken" while our host probe was out
    std::string peerId;
    std::string nick;
    std::string previousNick;  // host: the guest's nickname before its last rename
    std::string key;           // host: the guest's public key, from its hello
    std::string helloFp;       // host: the fingerprint the guest's hello named
    std::string remoteFp;      // the fingerprint of the remote description (offer or answer) of this link
    std::optional<std::string> describedSdp;  // joiner: our answer, waiting for our hello's signature
    std::optional<Hello> earlyHello;  // host: the hello that came with the answer, for when the channel opens
    std::string earlyHelloProblem;    // host: why it cannot be trusted ("" when it can), once checked
    std::uint32_t earlyHelloTicket = 0;  // host: the Verify its signature waits for (0: checked)
    // Messages that came while one before them waits for its verdicts (effect::Verify): handled in
    // arrival order, each once its own verdicts are in; a close reported meanwhile comes after them.
    std::deque<Arrival> inbox;
    std::optional<LinkEnd> closedBehind;
    std::uint32_t aheadTicket = 0;  // joiner: the Verify of the host's hello its offer carried
    SignedPart aheadPart;
    bool candidatesFollow = false;    // joiner: our answer said so, and they have not been parked yet
    Millis started = 0;               // joiner: when we answered the offer
    std::optional<Millis> deadline;
    std::optional<Millis> retryListenAt;  // joiner: when to read the retry ID if still not open (room_retry.cpp)
    Millis lastHeard = 0;
    Millis lastSent = 0;
    double sayTokens = kSayBurst;  // host: the guest's rate-limit buckets
    Millis sayRefilled = 0;
    std::uint64_t heldBack = 0;    // host: the counter of the guest's first entry dropped for the rate
    Millis heldBackAt = 0;         //   (0: none), and when (see kKeepOrderMs)
    double relayTokens = kRelayBurst;
    Millis relayRefilled = 0;
    std::optional<Millis> lastTyping;  // host: when the guest last said it was typing
    Millis answeredAt = 0;         // host: when we last answered the joiner's hello (see answerHelloAgain)
    int answeredAgain = 0;         // host: how often we answered a repeat of it
  };
  enum class Purpose { Probe, HostProbe, ParkOffer, FetchAnswer, ParkAnswer, FetchCandidates, ParkCandidates,
                       FetchRetry, ParkRetry };
  struct Request {
    Purpose purpose;
    LinkId link = 0;
  };
  // What a member looking for a host accepts, and when it stops looking and hosts itself.
  struct Search {
    std::optional<HostRank> floor;      // accept offers from floor->host or hosts that outrank it
    // Failover: the lost host as we last knew it. Its own offers are taken too once they show a move
    // it reported since (rank.moves higher): it lives on, and its links to us died with its old address.
    std::optional<HostRank> lost;
    // Probes that do not wait (timeoutms=0) left: a first successor's look for such an offer before it
    // takes over. It hosts when one finds nobody, or when the last finds an offer it does not take.
    int quickLooks = 0;
    std::optional<Millis> takeOverAt;   // unset: host as soon as a probe finds nobody
    // Also host as soon as a probe finds nobody, before takeOverAt (which then only bounds the wait: a
    // host whose offer keeps being there but never connects must not keep us looking for ever).
    bool hostWhenEmpty = false;
    std::int64_t epochIfHosting = 1;
    std::set<std::string> expected;     // members that will rejoin us if we end up hosting
    bool failover = false;              // looking for whoever re-forms the room after its host was lost
    std::size_t successors = 0;         // failover: the members in line for the lost host, us included
    // The first successor's search: if it ends in hosting, that is a takeover renewOffers may undo
    // (tookOver_). Without takeOverAt, or with hostWhenEmpty, it hosts on the first probe that finds
    // nobody parked.
    bool firstInLine = false;
  };

  // Looking for a host (room_join.cpp).
  void probe();
  void onProbeDone(int status, std::string_view body, Millis now);
  bool acceptable(const OfferText& offer) const;
  void answerOffer(const OfferText& offer, Millis now);
  void onAnswerParked(LinkId id, int status, Millis now);
  void parkAnswer(LinkId id, std::string sdp);
  void parkSignedAnswers();  // answers that waited for our hello's signature
  void connecting(Link& link, Millis now);  // our answer was taken: the connect deadline starts
  // A joiner's attempt that ended before getting in; ends the join (no-route, link-tampered) when
  // it cannot succeed. Returns whether the join is over.
  bool attemptFailed(const Link& link, LinkEnd why);
  Hello ownHello() const;
  void sayHello(LinkId id);
  // A joiner's open link still waiting for the host's answer to its hello (see kHelloResendMs).
  static bool saysHelloAgain(const Link& link) { return !link.offering && link.open && link.stage == Stage::Connecting; }
  void onGuestMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);
  void onWelcome(LinkId id, Link& link, const Welcome& welcome, Millis now);
  void onUploadRequest(LinkId id, const Upload& upload);
  void onDenied(const Denied& denied);
  // How a guest lost its host: its heartbeats stopped, its link closed under us, it said bye (`LeftBack`:
  // bye{back}, a reload), or this browser's own network changed (the driver said so).
  enum class HostLost { Silent, Closed, Left, LeftBack, OwnMove };
  void startFailover(Millis now, HostLost how);
  // The host's silence is our own doing (a pause, a network change): look for it, or whoever took
  // over, as a returning member; host only after every successor's turn and a connect timeout.
  void lookAsReturning(Search& next, std::size_t successors, Millis now) const;
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
  void offerTaken(LinkId id, Millis now);  // a joiner took the offer: fetch its answer
  bool hostProbing() const;
  void onAnswerFetched(LinkId id, int status, std::string_view body, Millis now);
  void onCandidatesFetched(LinkId id, int status, std::string_view body);
  void onHostProbeDone(int status, std::string_view body, Millis now);
  void onHostProbeFound(int status, std::string_view body, Millis now);
  void mergeInto(const OfferText& offer, Millis now);

  // This browser's network changed (room_moved.cpp).
  bool moved(Millis now) const { return movedAt_ && now - *movedAt_ < kMovedWindowMs; }
  void renewOffers(Millis now);  // host: the offers described before name dead addresses
  void searchAgain(Millis now);  // joining or reconnecting: requests and answers under way may be dead
  // A report that belongs to the move whose rejoin is under way (ownMoveAt_): the rejoin goes on.
  void keepRejoining(Millis now);
  // A guest's host fell silent (room_network_check.cpp): a first successor has its driver look at its own
  // network (effect::CheckNetwork) before taking the room over; the others start a failover at once.
  void hostFellSilent(Millis now);
  bool firstSuccessor() const;  // first in line for the host's place (the first member after it)
  // A first successor that took over and whose network changed steps down unless its old room is
  // re-forming under it (room_moved.cpp).
  bool oldRoomBack() const;  // a member of the room we took over (or its old host) is linked to us
  void stepDown(Millis now);  // undoes the takeover: looks for the old room's host as a returning member

  // Retrying an attempt on an offer its host described before its network changed (room_retry.cpp).
  void listenForRetry(Millis now);  // joiner: reads the retry ID of each attempt still not open
  void onRetryFetched(LinkId id, int status, std::string_view body);
  void stopListeningForRetry(LinkId id);  // joiner: its channel opened
  void askToRetry(LinkId id);  // host: parks a retry text for the joiner of this link

  // A host's guests (room_members.cpp).
  void onHostMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);
  void onMemberMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);
  // `checked`: why the hello cannot be trusted ("" when it can), found when it arrived (an answer's).
  void onHello(LinkId id, Link& link, const Hello& hello, std::optional<std::string> checked = std::nullopt);
  void admit(LinkId id, Link& link, bool reset, std::uint64_t after);
  void sendWelcome(LinkId id, bool reset, std::uint64_t after);
  bool continuesOurHistory(const Hello& hello) const;
  void answerHelloAgain(LinkId id, Link& link, const Hello& hello);
  void onRename(LinkId id, Link& link, const Rename& rename);
  std::string nickRefusal(std::string_view nick, const std::string& id) const;
  void onTypingFrom(const std::string& from);  // host: tell the others, and our user
  void onRelay(Link& link, const Relay& relay, Millis now);
  void removeMember(LinkId id, bool back = false);
  void forgetMember(const std::string& id);
  void expireReturning(Millis now);
  LinkId memberLink(const std::string& id) const;  // 0 when not linked
  void broadcast(const PeerMessage& message, LinkId except = 0);  // to every member; link ids start at 1

  // Entries (room_entries.cpp).
  void onSay(Link& link, const Say& say, Millis now);
  void onCarry(Link& link, const Carry& carry);
  void submit(Entry entry);
  void sequence(Entry entry);
  void deny(const std::string& author, const std::string& reason, const std::string& mid);
  void endSettling();
  void addToHistory(Entry entry);
  void restoreHistory();

  // Keys and signatures (room_keys.cpp).
  struct Signing {
    std::string nick;  // our hello with this nickname,
    std::string mid;   // or our entry with this mid
  };
  bool signing() const { return !config_.key.empty(); }
  bool verifying() const { return config_.verify; }
  bool verify(const std::string& key, const std::string& bytes, const std::string& sig) const;
  // The signatures of `message` not yet known good, to ask the driver about (effect::Verify).
  std::vector<SignedPart> unverified(const PeerMessage& message) const;
  std::uint32_t askVerify(LinkId id, std::vector<SignedPart> parts);  // emits the effect; returns its ticket
  void handleInbox(LinkId id, Millis now);  // the link's waiting messages whose turn and verdicts came
  void onAnswerHelloVerified(LinkId id, Link& link, const std::vector<bool>& verdicts);
  // Joiner: checks the host's hello an offer carried while answering it, so its welcome waits for no
  // verdict (goodHellos_).
  void verifyAhead(LinkId id, const Hello& hello);
  std::string helloProblem(const Hello& hello, const std::string& linkFp) const;
  std::string entrySignatureProblem(const Entry& entry) const;
  bool learnKeys(const std::vector<Member>& members);
  void requestSignature(std::string bytes, Signing purpose);
  void signHello(const std::string& nick);
  bool helloSigned() const { return !signing() || helloSigs_.count(config_.nick) != 0; }
  void flushOutbox();  // dispatches own entries, signed, in outbox order

  // The user's entries (room_chat.cpp).
  std::string author(Entry entry, Millis now);
  const Entry* ownLine(std::string_view mid) const;  // own text entry, sequenced or in the outbox
  const Entry* anyEntry(std::string_view mid) const;
  void resendOutbox(std::size_t upTo);  // guest: the oldest unsequenced entries, to the host

  // Plumbing (room.cpp).
  void handleMessage(LinkId id, Link& link, const PeerMessage& message, Millis now);  // its verdicts in
  void handleClose(LinkId id, Millis now, LinkEnd why);
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
  // Closes every link (saying bye, with `back` if given) and request; the room is over for us.
  void shutDown(std::string error, bool back = false);
  void refreshStage() { setState(state_, error_); }
  std::string stage() const;
  void signalingFailed(int status, Millis now, void (Room::*retry)());
  void signalingRecovered();
  bool backingOff() const { return retry_ != nullptr; }  // a signaling failure: requests wait for retry_
  void drop(std::string reason);
  void emit(Effect effect) { effects_.push_back(std::move(effect)); }
  void keepAlive(Millis now);
  // Every input starts here. A guest is driven at least every kHeartbeatMs; an input after a longer
  // gap means this page itself was paused (a frozen tab, a sleeping device): wokeAt_.
  void advance(Millis now);
  bool waking(Millis now) const { return wokeAt_ && now - *wokeAt_ < kHostSilenceMs; }
  bool inRoom() const { return state_ == RoomState::Host || state_ == RoomState::Guest; }
  const Member* member(const std::string& id) const;

  Config config_;
  RandomIds ids_;
  std::string selfId_;
  RoomState state_ = RoomState::Idle;
  std::string error_;
  std::string stage_;
  std::uint64_t historyEnd_ = 0;  // see effect::StatusChanged
  Millis now_ = 0;  // the time of the input being handled
  std::optional<Millis> wokeAt_;  // when this member last came back from a pause
  std::optional<Millis> movedAt_;  // when the driver last said this browser's network changed
  // When this member last began rejoining because its own network changed or may have (a report; its
  // host link closed under it; a takeover undone): reports within kMovedWindowMs belong to that move.
  std::optional<Millis> ownMoveAt_;
  // Whether the driver has reported that move: a rejoin begun on a close alone keeps no attempt made
  // before the report (the browser may have described it from a network still being set up).
  bool ownMoveReported_ = false;
  // A first successor that took over, until anyone is back: what it took over from (renewOffers).
  struct TookOver {
    Millis at = 0;
    HostRank lost;
    std::set<std::string> expected;
    std::size_t successors = 0;
  };
  std::optional<TookOver> tookOver_;
  // A first successor whose host fell silent: until when it waits for its driver's look (CheckNetwork).
  std::optional<Millis> networkCheckUntil_;

  std::map<LinkId, Link> links_;
  std::map<RequestId, Request> requests_;
  LinkId nextLink_ = 1;
  RequestId nextRequest_ = 1;
  std::optional<LinkId> hostLink_;  // guest: the link to the host

  HostRank rank_;
  std::vector<Member> members_;
  History history_;
  std::deque<Entry> outbox_;  // own entries not yet seen in the history, oldest first
  std::uint64_t midCounter_ = 0;
  Millis lastResend_ = 0;   // guest: when the outbox was last sent to the host
  std::optional<Millis> lastTyping_;  // when we last told the room we are typing
  std::set<std::string> dispatched_;  // outbox mids sent to the host (or submitted) since it welcomed us

  // Keys and signatures.
  std::map<std::string, std::string> keys_;       // member id → public key: the first seen wins
  // Entries already known good, as their signature and the very bytes it signs (trustKey): ours,
  // those verified as they arrived (a say is sequenced, or held through a failover, after the message
  // that brought it is gone), and those of a history this browser kept itself. Verdicts only come with
  // the message being fed. The bytes are part of the key: a host that sends our own mid and signature
  // back over other words is checked, and caught, like anyone else.
  std::set<std::string> trusted_;
  std::string trustKey(const Entry& entry) const;
  void trust(const Entry& entry) { if (verifying() && !entry.sig.empty()) trusted_.insert(trustKey(entry)); }
  std::map<std::string, std::string> helloSigs_;  // our hello's signature, per nickname
  std::map<std::uint32_t, Signing> signings_;     // signatures asked of the driver
  std::map<std::uint32_t, LinkId> verifyings_;    // verdicts asked of the driver: for a message on, or the answer of, that link
  // The good signatures of the message being handled (its verdicts), as "key\nsig\nbytes": verify() asks here.
  std::set<std::string> verdicts_;
  // Hello signatures verified good ahead of the message that needs them (the host's, from its offer),
  // in the same form; a signature good for its key and bytes stays good. A few at most.
  std::set<std::string> goodHellos_;
  std::uint32_t nextTicket_ = 1;
  std::string renaming_;                          // guest: the nickname asked for, until signed and sent

  // Joining: when join() was called, and the start of the first attempt that found no path to its
  // host (see attemptFailed): from then on the join ends by joinStarted_ + kNoRouteMs.
  Millis joinStarted_ = 0;
  std::optional<Millis> noPathSince_;

  Search search_;  // while Joining or Reconnecting

  // Host only.
  std::optional<Millis> settleUntil_;  // after a failover: old history first, new lines after
  std::set<std::string> expected_;     // members of the old room not yet back
  std::vector<Entry> held_;            // new entries waiting for settling to end
  std::map<std::string, Millis> returning_;  // members that said bye{back}: listed until this time
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
