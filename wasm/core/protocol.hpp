#pragma once
// The wire formats: signaling texts parked in the mailbox, and messages on a peer data channel.
// Every one is a JSON object carrying "v" (protocol version) and "type". docs/protocol.md is the
// specification; protocol.cpp (signaling texts) and messages.cpp (data-channel messages) are its one
// implementation. Decoding never throws: anything malformed, oversized, of another version or of an
// unknown type comes back as an error string.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "limits.hpp"

namespace webchat {

// What an entry of the history is. Edits and deletes name their author's own text line (`target`),
// reactions any text or file entry.
enum class EntryKind { Text, Edit, Delete, React, Unreact, File };
const char* toString(EntryKind kind);
std::optional<EntryKind> entryKindFrom(std::string_view name);

struct FileInfo {  // a shared file's description; the bytes travel elsewhere
  std::string name;
  std::uint64_t size = 0;
  std::string type;  // MIME type
  std::string hash;  // SHA-256, 64 lowercase hex digits
  bool operator==(const FileInfo&) const = default;
};

// One entry of a room's history: a line, or an edit, delete, reaction or file. The author writes
// mid, from, nick, key, kind, text, target, reply, time, file and signs them (sig, under key); the host
// that sequences it fills seq and chain (and checks from and key are the member's on that link).
struct Entry {
  std::uint64_t seq = 0;  // host-assigned, 1-based, the room's one order
  std::string mid;        // author-assigned "<author id>-<counter>": the same entry keeps it across resends
  std::string from;       // member id of the author
  std::string nick;       // the author's nickname when it wrote the entry
  std::string key;        // the author's public key (base64url), "" where keys are not in use
  EntryKind kind = EntryKind::Text;
  std::string text;    // a line, the new text of an edit, an emoji, a file's caption
  std::string target;  // edit, delete, react, unreact: the mid of the entry they act on
  std::string reply;   // text: the mid of the line it answers, or ""
  Millis time = 0;     // the author's clock when it wrote the entry (ms since the Unix epoch)
  std::optional<FileInfo> file;  // kind File only
  std::string chain;   // 16 hex digits: chainAfter(previous chain, seq, mid), see entries.hpp
  std::string sig;     // the author's signature of entryBytes(), base64url
  // Not on the wire: this member refused the entry's content (it breaks the authorship rules). It
  // keeps its place in the order, so the chain goes on, and is never shown or acted on.
  bool refused = false;
  bool operator==(const Entry&) const = default;
};

struct Member {
  std::string id;
  std::string nick;
  bool host = false;
  std::string key;  // public key (base64url), "" where keys are not in use
  bool operator==(const Member&) const = default;
};

// --- Signaling texts ------------------------------------------------------------------------
// How hosts of one room compare when they find each other: the better one stays host, the other
// merges into it. All three parts are fixed for as long as a member hosts, so both sides agree.
struct HostRank {
  std::int64_t epoch = 0;  // 1 for a new room, +1 with every failover
  Millis since = 0;        // when this host started hosting, on its own clock
  std::string host;        // member id
  // How many reports of a move of its own network this host had while hosting (docs/protocol.md, "A
  // host's move, seen from its guests"): an offer it parks after a move shows a guest that lost it to
  // silence that it lives on. Not part of the order (outranks).
  std::int64_t moves = 0;
};
bool outranks(const HostRank& a, const HostRank& b);  // higher epoch, then earlier since, then lower id

// Who a member is and what history it holds: a joiner's in its answer and on the channel, the
// host's in its welcome.
struct Hello {
  std::string peer;
  std::string nick;
  std::uint64_t lastSeq = 0;  // the newest entry the member holds (0: none), and its chain, so the host
  std::string lastChain;      // can tell whether the member's history is a prefix of its own
  std::string key;            // public key, base64url ("" where keys are not in use)
  std::string fp;             // DTLS fingerprint of the member's end of its links ("sha-256 AB:CD:...")
  std::string sig;            // signature of helloBytes()
};

struct OfferText {
  std::string room;
  HostRank rank;      // rank.host: member id of the offering host
  std::string offer;  // fresh random id; the answer goes to answerSignalId(room, offer)
  std::string sdp;
  // The host's signed hello (optional; peer = rank.host), the one its welcome will carry: a joiner
  // checks its signature while it answers, so the welcome waits for no verdict.
  std::optional<Hello> host;
};

struct AnswerText {
  std::string offer;  // the offer this answers: an answer can only be paired with it
  std::string peer;   // member id of the joiner
  std::string sdp;
  // The joiner's hello (peer = the peer above), so the host can answer the moment the channel opens
  // instead of waiting for the hello to cross it.
  std::optional<Hello> hello;
  // The joiner sent this answer before ICE gathering finished, and parks its candidates as a
  // CandidatesText once it has them (trickle through the mailbox: gathering, which waits on STUN and
  // TURN servers, is then off the join's critical path). False: the sdp holds every candidate.
  bool trickle = false;
};

// Joiner → host, after a trickle answer: the ICE candidates it gathered (each an SDP "candidate:..."
// attribute value, for the data channel's one media section).
struct CandidatesText {
  std::string offer;  // the offer the answer answered
  std::string peer;   // member id of the joiner
  std::vector<std::string> candidates;
};

// Host → joiner, after the host's own network changed (Room::onNetworkChanged): the offer the joiner
// answered names addresses that are gone, so its attempt can never connect. The joiner looks again at
// once instead of waiting out its connect timeout (docs/protocol.md, "A network of one's own").
struct RetryText {
  std::string offer;  // the offer the joiner answered
};

// --- Data-channel messages ------------------------------------------------------------------
struct Upload {  // host → guest: your history has entries I may lack; send those after `after`
  std::uint64_t after = 0;  // the host's newest entry; if the guest's entry at `after` has another
  std::string afterChain;   // chain (or it has none), the guest sends its whole history
};
struct Carry {  // guest → host: one entry of the guest's history, answering Upload
  Entry entry;
};
struct Carried {};  // guest → host: upload complete
struct Welcome {    // host → guest: accepted; history follows as Posted messages
  std::vector<Member> members;
  HostRank rank;
  bool reset = false;  // true: replace your history with what follows; false: it continues yours
  Hello host;          // the host's own hello, so the joiner checks the host's key and fingerprint
};
struct Refuse {  // host → guest: not accepted; the host closes the link after it
  std::string reason;  // "nick-taken", "nick-invalid", "room-full", "id-taken", "link-tampered"
};
struct Say {  // guest → host: please sequence this entry (again, after a failover); only the author's fields
  Entry entry;
};
struct Posted {  // host → guest: one sequenced entry of the room's history
  Entry entry;
};
struct MemberList {  // host → guests whenever membership changes; in join order
  std::vector<Member> members;
};
struct Moved {  // host → guests: this host merged into a better-ranked one; rejoin there
  HostRank rank;
};
struct Close {};  // host → guests: the host closed the room for everyone
struct Bye {      // either way: leaving on purpose
  bool back = false;  // a reload or a hidden page: the member is likely back within seconds
};
struct Ping {};   // either way: still here (sent when nothing else was sent for kHeartbeatMs)
struct Typing {   // guest → host: I am typing; host → guests: `from` is typing
  std::string from;  // "" from a guest
};
struct Rename {  // guest → host: change my nickname; the hello with the new nickname, signed
  std::string nick;
  std::string peer;
  std::string key;
  std::string fp;
  std::string sig;  // signature of helloBytes() of {peer, nick, key, fp}
};
struct Denied {  // host → guest: a request of the guest was refused
  std::string what;    // "rename" or "say"
  std::string reason;  // a stable code, e.g. "nick-taken"
  std::string mid;     // what = "say": the entry refused (the author drops it from its outbox)
};
struct Throttled {  // host → guest: your say `mid` came over the rate limit and was dropped (resend it later)
  std::string mid;
};
struct Relay {  // guest → host: forward `data` to member `to`; host → guest: `from` sent you `data`
  std::string to;
  std::string from;
  std::string data;
};

using PeerMessage = std::variant<Hello, Upload, Carry, Carried, Welcome, Refuse, Say, Posted, MemberList, Moved,
                                 Close, Bye, Ping, Typing, Rename, Denied, Throttled, Relay>;

template <typename T>
struct Decoded {
  std::optional<T> value;
  std::string error;  // set when value is empty: why the input was rejected
};

std::string encodeOffer(const OfferText& offer);
std::string encodeAnswer(const AnswerText& answer);
std::string encodeCandidates(const CandidatesText& candidates);
std::string encodeRetry(const RetryText& retry);
std::string encodeMessage(const PeerMessage& message);

Decoded<OfferText> decodeOffer(std::string_view text);
Decoded<AnswerText> decodeAnswer(std::string_view text);
Decoded<CandidatesText> decodeCandidates(std::string_view text);
Decoded<RetryText> decodeRetry(std::string_view text);
Decoded<PeerMessage> decodeMessage(std::string_view text);

// Mailbox IDs a room uses (alphabet [A-Za-z0-9._~-], at most 128 bytes for valid room names).
std::string offerSignalId(std::string_view room);
std::string answerSignalId(std::string_view room, std::string_view offer);
std::string candidatesSignalId(std::string_view room, std::string_view offer);
std::string retrySignalId(std::string_view room, std::string_view offer);

}  // namespace webchat
