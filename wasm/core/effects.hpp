#pragma once
// What the room asks its driver to do. The room never performs I/O: it queues effects, and the driver
// (the JS shim in browsers, the simulation harness in tests) carries each out and reports back through
// the room's on...() inputs, naming the request or link the effect named.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocol.hpp"

namespace webchat {

using RequestId = std::uint32_t;  // one signaling request
using LinkId = std::uint32_t;     // one peer connection with its data channel

// Reconnecting: the host went away and the room is re-forming under a successor.
enum class RoomState { Idle, Joining, Host, Guest, Reconnecting, Closed };
const char* toString(RoomState state);

// Whether a local description holds all its ICE candidates, or they follow (Room::onLinkCandidates).
enum class IceCandidates { Included, Follow };

// How a peer link ended, as the driver saw it (iceConnectionState, RTCDtlsTransport.state).
enum class LinkEnd { Closed, IceFailed, DtlsFailed };

enum class NoticeKind { Joined, Left, HostChanged, Closed, Renamed };
const char* toString(NoticeKind kind);

// One signature to check: `sig` (base64url) by `key` (base64url) over the canonical `bytes`.
struct SignedPart {
  std::string key;
  std::string bytes;
  std::string sig;
};

namespace effect {

// POST /sig?get=id&timeoutms=timeout; report with Room::onSignalDone.
struct SignalGet {
  RequestId request;
  std::string id;
  Millis timeout;
};
// POST /sig?set=id&timeoutms=timeout with text as the body; report with Room::onSignalDone.
struct SignalSet {
  RequestId request;
  std::string id;
  std::string text;
  Millis timeout;
};
// Abort a request still under way (its connection closes, so the mailbox withdraws it). No report.
struct SignalCancel {
  RequestId request;
};
// Create a peer connection. With an empty remoteOffer: open the data channel and create an offer; else
// accept remoteOffer and create an answer. Either way, report the local description with
// Room::onLinkDescribed, or failure with Room::onLinkClosed; later the channel's open, messages and
// close with onLinkOpen, onLinkMessage and onLinkClosed. An offer is reported once ICE gathering is
// done (capped). An answer may be reported at once with IceCandidates::Follow, its candidates later
// with Room::onLinkCandidates (the browser driver does: trickle through the mailbox).
struct OpenLink {
  LinkId link;
  std::string remoteOffer;
};
struct AcceptAnswer {  // apply the remote answer to an offering link
  LinkId link;
  std::string sdp;
};
struct AddCandidates {  // the remote ICE candidates of an offering link whose answer said they follow
  LinkId link;
  std::vector<std::string> candidates;  // "candidate:..." values, all for the one media section
};
struct Send {  // one message on the link's data channel
  LinkId link;
  std::string text;
};
struct CloseLink {  // close after sending what is queued; no report follows
  LinkId link;
};
// Sign `bytes` (UTF-8) with this member's identity key; report with Room::onSigned(ticket, sig).
struct Sign {
  std::uint32_t ticket;
  std::string bytes;
};
// Check these signatures (Ed25519); report with Room::onVerified(ticket, verdicts), one per part, in
// order. What waits for them (a message, an answer's hello) is never used before the verdicts come.
struct Verify {
  std::uint32_t ticket;
  std::vector<SignedPart> parts;
};

// Look at this browser's own addresses now (a guest's host fell silent: its own move, or the host's
// end?) and answer: Room::onNetworkChanged if an address of its own is new, else Room::onNetworkChecked.
// A driver that does not watch its network answers onNetworkChecked at once.
struct CheckNetwork {};

// --- Events for the user interface ---------------------------------------------------------
struct StatusChanged {
  RoomState state;
  std::string error;  // a stable code ("nick-taken", "server-unreachable", ...) or empty
  std::string stage;  // joining or reconnecting: "looking" for a host, or "connecting" to one; else ""
  // Host or guest: the seq of the newest entry the room's history held when we (re)joined it, as the
  // host's welcome said (hosting: our own). Entries after it arrive live; those up to it, the history
  // handed over, follow the welcome as MessageAdded too. 0 otherwise.
  std::uint64_t historyEnd = 0;
};
struct MessageAdded {  // an entry joined the history: a line, or an edit, delete, reaction or file
  Entry entry;
};
// The history shown so far is replaced: clear it; the lines of the new one follow as MessageAdded.
// Happens when rejoining a host (after a failover or merge) whose history diverged from ours.
struct HistoryCleared {};
struct MembersChanged {
  std::vector<Member> members;  // in join order
};
struct Notice {  // a system line for the conversation: "bob joined", "alice is now the host", ...
  NoticeKind kind;
  std::string nick;
  std::string previous;  // Renamed: the nickname before
};
struct Typing {  // a member is typing (ephemeral, never in the history)
  std::string from;
  std::string nick;
};
// Something a member sent was refused as not theirs: kind "forged" (an entry claiming another
// author, or one whose signature fails), never shown as that member's; "key-changed" (a member list
// naming a member with another key than the one first seen).
struct Warning {
  std::string kind;
  std::string from;
  std::string nick;
};
struct Denied {  // the host refused a request of ours: what "rename" or "say", with a stable reason
  std::string what;
  std::string reason;
  std::string mid;  // what = "say": the entry refused (it left the outbox)
};
struct Throttled {  // the host dropped our entry `mid` for its rate limit: still ours to send, resent soon
  std::string mid;
};
struct Relayed {  // data another member sent us through the host (Room::relay)
  std::string from;
  std::string data;
};

}  // namespace effect

using Effect = std::variant<effect::SignalGet, effect::SignalSet, effect::SignalCancel, effect::OpenLink,
                            effect::AcceptAnswer, effect::AddCandidates, effect::Send, effect::CloseLink, effect::Sign,
                            effect::Verify, effect::CheckNetwork, effect::StatusChanged, effect::MessageAdded, effect::HistoryCleared,
                            effect::MembersChanged, effect::Notice, effect::Typing, effect::Warning,
                            effect::Denied, effect::Throttled, effect::Relayed>;

}  // namespace webchat
