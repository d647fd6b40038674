#pragma once
// The wire formats: signaling texts parked in the mailbox, and messages on a peer data channel.
// Every one is a JSON object carrying "v" (protocol version) and "type". docs/protocol.md is the
// specification; this file is its one implementation. Decoding never throws: anything malformed,
// oversized, of another version or of an unknown type comes back as an error string.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "limits.hpp"

namespace webchat {

struct ChatMessage {
  std::uint64_t seq = 0;  // host-assigned, 1-based, the room's one order
  std::string mid;        // author-assigned "<author id>-<counter>": the same line keeps it across resends
  std::string from;       // member id of the author
  std::string nick;
  std::string text;
  Millis time = 0;  // host's clock when sequenced (ms since the Unix epoch in browsers)
  bool operator==(const ChatMessage&) const = default;
};

struct Member {
  std::string id;
  std::string nick;
  bool host = false;
  bool operator==(const Member&) const = default;
};

// --- Signaling texts ------------------------------------------------------------------------
// How hosts of one room compare when they find each other: the better one stays host, the other
// merges into it. All three parts are fixed for as long as a member hosts, so both sides agree.
struct HostRank {
  std::int64_t epoch = 0;  // 1 for a new room, +1 with every failover
  Millis since = 0;        // when this host started hosting, on its own clock
  std::string host;        // member id
};
bool outranks(const HostRank& a, const HostRank& b);  // higher epoch, then earlier since, then lower id

struct OfferText {
  std::string room;
  HostRank rank;      // rank.host: member id of the offering host
  std::string offer;  // fresh random id; the answer goes to answerSignalId(room, offer)
  std::string sdp;
};

struct Hello {  // guest → host: who joins, with what history; in its answer and once the channel opens
  std::string peer;
  std::string nick;
  std::uint64_t lastSeq = 0;  // the newest line the guest holds (0: none), so the host can tell
  std::string lastMid;        // whether the guest's history is a prefix of its own
};

struct AnswerText {
  std::string offer;  // the offer this answers: an answer can only be paired with it
  std::string peer;   // member id of the joiner
  std::string sdp;
  // The joiner's hello (peer = the peer above), so the host can answer the moment the channel opens
  // instead of waiting for the hello to cross it. Absent in answers of older clients.
  std::optional<Hello> hello;
  // The joiner sent this answer before ICE gathering finished, and parks its candidates as a
  // CandidatesText once it has them (trickle through the mailbox: gathering, which waits on STUN and
  // TURN servers, is then off the join's critical path). False: the sdp holds every candidate.
  bool trickle = false;
};

// Joiner → host, after a trickle answer: the ICE candidates it gathered (each an SDP "candidate:..."
// attribute value, for the data channel's one media section). The host needs them where the joiner is
// not reachable from the host as it is (NATs, relays), and Firefox always waits for them.
struct CandidatesText {
  std::string offer;  // the offer the answer answered
  std::string peer;   // member id of the joiner
  std::vector<std::string> candidates;
};

// --- Data-channel messages ------------------------------------------------------------------
struct Upload {  // host → guest: your history has lines I may lack; send those after `after`
  std::uint64_t after = 0;  // the host's newest line; if the guest's line at `after` has another mid
  std::string afterMid;     // (or it has none), the guest sends its whole history
};
struct Carry {  // guest → host: one line of the guest's history, answering Upload
  ChatMessage message;
};
struct Carried {};  // guest → host: upload complete
struct Welcome {    // host → guest: accepted; history follows as Posted messages
  std::vector<Member> members;
  HostRank rank;
  bool reset = false;  // true: replace your history with what follows; false: it continues yours
};
struct Refuse {  // host → guest: not accepted; the host closes the link after it
  std::string reason;  // "nick-taken", "nick-invalid", "room-full"
};
struct Say {  // guest → host: please sequence and relay this line (again, after a failover)
  std::string text;
  std::string mid;
};
struct Posted {  // host → guest: one sequenced line of the room's history
  ChatMessage message;
};
struct MemberList {  // host → guests whenever membership changes; in join order
  std::vector<Member> members;
};
struct Moved {  // host → guests: this host merged into a better-ranked one; rejoin there
  HostRank rank;
};
struct Close {};  // host → guests: the host closed the room for everyone
struct Bye {};    // either way: leaving on purpose
struct Ping {};   // either way: still here (sent when nothing else was sent for kHeartbeatMs)

using PeerMessage = std::variant<Hello, Upload, Carry, Carried, Welcome, Refuse, Say, Posted, MemberList, Moved,
                                 Close, Bye, Ping>;

template <typename T>
struct Decoded {
  std::optional<T> value;
  std::string error;  // set when value is empty: why the input was rejected
};

std::string encodeOffer(const OfferText& offer);
std::string encodeAnswer(const AnswerText& answer);
std::string encodeCandidates(const CandidatesText& candidates);
std::string encodeMessage(const PeerMessage& message);

Decoded<OfferText> decodeOffer(std::string_view text);
Decoded<AnswerText> decodeAnswer(std::string_view text);
Decoded<CandidatesText> decodeCandidates(std::string_view text);
Decoded<PeerMessage> decodeMessage(std::string_view text);

// Mailbox IDs a room uses (alphabet [A-Za-z0-9._~-], at most 128 bytes for valid room names).
std::string offerSignalId(std::string_view room);
std::string answerSignalId(std::string_view room, std::string_view offer);
std::string candidatesSignalId(std::string_view room, std::string_view offer);

}  // namespace webchat
