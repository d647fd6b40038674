#include "text.hpp"

#include "limits.hpp"
#include "nick_skeleton.hpp"

namespace webchat {

std::size_t countCodePoints(std::string_view utf8) {
  std::size_t count = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

namespace {

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

}  // namespace

std::string nickProblem(std::string_view nick) {
  if (nick.empty()) return "nickname is empty";
  if (countCodePoints(nick) > kMaxNickChars) return "nickname is longer than 32 characters";
  for (unsigned char c : nick) {
    if (isControl(c)) return "nickname contains a control character";
  }
  if (nick.front() == ' ' || nick.back() == ' ') return "nickname starts or ends with a space";
  if (nickSkeleton(nick).empty()) return "nickname has no visible character";
  return {};
}

std::string textProblem(std::string_view text) {
  if (text.empty()) return "message is empty";
  if (countCodePoints(text) > kMaxTextChars) return "message is longer than 4000 characters";
  return {};
}

bool isLowerHex(std::string_view s, std::size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string roomProblem(std::string_view room) {
  if (room.empty()) return "room name is empty";
  if (room.size() > kMaxRoomNameBytes) return "room name is longer than 64 characters";
  for (char c : room) {
    bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '~' || c == '-';
    if (!allowed) return "room name may only use letters, digits and . _ ~ -";
  }
  return {};
}

bool sameNick(std::string_view a, std::string_view b) {
  return nickSkeleton(a) == nickSkeleton(b) || confusableSkeleton(a) == confusableSkeleton(b);
}

}  // namespace webchat
