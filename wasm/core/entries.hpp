#pragma once
// What makes an entry of the history valid, checked the same way by the host that sequences it and
// by every member that accepts it (a member never trusts its host): the authorship rules, the chain
// that ties each entry to all before it, and the canonical bytes an author signs.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "effects.hpp"
#include "history.hpp"
#include "protocol.hpp"

namespace webchat {

// 16 lowercase hex digits: FNV-1a-64 over the previous entry's chain as 8 bytes big-endian (8 zero
// bytes for seq 1, `previous` = ""), then seq as 8 bytes big-endian, then the mid's bytes. Two
// histories whose entries at one seq carry the same chain agree on every entry up to it (barring a
// collision: the chain detects accidents, the signatures stop forgers).
std::string chainAfter(std::string_view previous, std::uint64_t seq, std::string_view mid);

// Why an entry's own fields break the rules (text limits, the fields its kind needs), or "". A file
// entry's file: a name of 1-255 characters that pages show and download as it is (no path separator,
// control or bidirectional control character, not "." or ".."), a MIME type of at most 127 printable
// ASCII bytes, a hash of 64 lowercase hex digits, a size within `maxFileBytes` (the room's limit).
std::string entryFieldsProblem(const Entry& entry, std::uint64_t maxFileBytes);

// Why `entry` (fields already checked) may not follow `history`, or "": the mid is its author's;
// edits and deletes act on an existing text entry of the same author, reactions on an existing text or
// file entry. A target older than the kept history cannot be checked and is let through.
std::string entryRulesProblem(const Entry& entry, const History& history);

// Whether a rule broken is an authorship claim (acting on or writing as another member): reported as
// a forgery, not only dropped.
bool isForgery(std::string_view problem);

// The canonical bytes an author signs: a compact JSON array, see docs/protocol.md.
std::string entryBytes(std::string_view room, const Entry& entry);
std::string helloBytes(std::string_view room, const Hello& hello);

// Every signature a data-channel message holds, with the bytes it signs (docs/protocol.md, Identity).
std::vector<SignedPart> signedParts(std::string_view room, const PeerMessage& message);
SignedPart signedPart(std::string_view room, const Hello& hello);

// The DTLS fingerprint an SDP names ("sha-256 AB:CD:..." from its a=fingerprint line), or "".
std::string fingerprintOf(std::string_view sdp);
// Fingerprints compare without regard to case ("sha-256 ab:cd" is "SHA-256 AB:CD").
bool sameFingerprint(std::string_view a, std::string_view b);

}  // namespace webchat
