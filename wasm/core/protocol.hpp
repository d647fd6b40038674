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
struct OfferText {
  std::string room;
  std::string host;   // member id of the offering host
  std::string offer;  // fresh random id; the answer goes to answerSignalId(room, offer)
  std::string sdp;
};

struct AnswerText {
  std::string offer;  // the offer this answers: an answer can only be paired with it
  std::string peer;   // member id of the joiner
  std::string sdp;
};

// --- Data-channel messages ------------------------------------------------------------------
struct Hello {  // guest → host, first message once the channel opens
  std::string peer;
  std::string nick;
};
struct Welcome {  // host → guest: accepted; history follows as Posted messages
  std::vector<Member> members;
};
struct Refuse {  // host → guest: not accepted; the host closes the link after it
  std::string reason;  // "nick-taken", "nick-invalid", "room-full"
};
struct Say {  // guest → host: please sequence and relay this line
  std::string text;
};
struct Posted {  // host → guest: one sequenced line of the room's history
  ChatMessage message;
};
struct MemberList {  // host → guests whenever membership changes; in join order
  std::vector<Member> members;
};
struct Bye {};  // either way: leaving on purpose

using PeerMessage = std::variant<Hello, Welcome, Refuse, Say, Posted, MemberList, Bye>;

template <typename T>
struct Decoded {
  std::optional<T> value;
  std::string error;  // set when value is empty: why the input was rejected
};

std::string encodeOffer(const OfferText& offer);
std::string encodeAnswer(const AnswerText& answer);
std::string encodeMessage(const PeerMessage& message);

Decoded<OfferText> decodeOffer(std::string_view text);
Decoded<AnswerText> decodeAnswer(std::string_view text);
Decoded<PeerMessage> decodeMessage(std::string_view text);

// Mailbox IDs a room uses (alphabet [A-Za-z0-9._~-], at most 128 bytes for valid room names).
std::string offerSignalId(std::string_view room);
std::string answerSignalId(std::string_view room, std::string_view offer);

}  // namespace webchat
