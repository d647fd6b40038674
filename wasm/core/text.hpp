#pragma once
// Checks on user-provided text that every member applies the same way.

#include <cstddef>
#include <string>
#include <string_view>

namespace webchat {

// Number of Unicode code points in valid UTF-8 (continuation bytes are not counted).
std::size_t countCodePoints(std::string_view utf8);

// Why a nickname is unacceptable, or an empty string when it is fine.
// A nickname is 1..kMaxNickChars code points, no control characters, no leading or trailing space, and
// not only invisible (default-ignorable) characters.
std::string nickProblem(std::string_view nick);

// Why a chat line is unacceptable, or an empty string when it is fine: 1..kMaxTextChars code points.
std::string textProblem(std::string_view text);

// Whether `s` is exactly `length` lowercase hex digits (member ids, chains, file hashes).
bool isLowerHex(std::string_view s, std::size_t length);

// Why a room name is unacceptable, or an empty string: it becomes part of signaling IDs, so it uses
// their alphabet [A-Za-z0-9._~-], 1..kMaxRoomNameBytes long.
std::string roomProblem(std::string_view room);

// Whether two nicknames would pass for one another, so both cannot be in a room: equal after
// normalization and case folding, or look-alikes (UTS #39 confusables: "аlice" with a Cyrillic а,
// "ａlice", "a1ice", "rn" for "m"), case-insensitively or, as for "Ian" and "lan", with case.
// See nick_skeleton.hpp.
bool sameNick(std::string_view a, std::string_view b);

}  // namespace webchat
