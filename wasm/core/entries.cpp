#include "entries.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace webchat {

namespace {

constexpr std::size_t kMaxEmojiBytes = 16;
constexpr const char* kOtherAuthor = "acts on another member's entry";
constexpr const char* kOtherMid = "message id of another member";

std::uint64_t parseHex(std::string_view hex) {
  std::uint64_t value = 0;
  for (char c : hex) value = (value << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return value;
}

std::string dumpArray(const nlohmann::json& array) {
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A name every page can show and offer as a download's name as it is: no path separator and not
// "." or ".." (a folder, to a download), no control character, no bidirectional control (which can
// make "gpj.exe" read as "exe.jpg").
std::string fileNameProblem(std::string_view name) {
  if (name.empty() || countCodePoints(name) > kMaxFileNameChars) return "file name is empty or longer than 255 characters";
  if (name == "." || name == "..") return "file name is . or ..";
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c == '/' || c == '\\') return "file name contains a path separator";
    bool c1 = c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) < 0xA0;  // U+0080-U+009F
    if (c < 0x20 || c == 0x7F || c1) return "file name contains a control character";
  }
  static constexpr std::string_view kBidiControls[] = {"\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C",
                                                       "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"};
  for (auto control : kBidiControls) {
    if (name.find(control) != std::string_view::npos) return "file name contains a bidirectional control character";
  }
  return {};
}

std::string fileProblem(const std::optional<FileInfo>& file, std::uint64_t maxFileBytes) {
  if (!file) return "file entry describes no file";
  if (auto problem = fileNameProblem(file->name); !problem.empty()) return problem;
  if (file->type.size() > kMaxFileTypeBytes) return "file type is longer than 127 bytes";
  for (unsigned char c : file->type) {
    if (c < 0x20 || c > 0x7E) return "file type is not printable ASCII";
  }
  if (!isLowerHex(file->hash, 64)) return "file hash is not 64 lowercase hex digits";
  if (file->size > std::min(maxFileBytes, kMaxFileSize)) {
    return "file is larger than this room's limit of " + std::to_string(std::min(maxFileBytes, kMaxFileSize)) + " bytes";
  }
  return {};
}

}  // namespace

std::string chainAfter(std::string_view previous, std::uint64_t seq, std::string_view mid) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix = [&](unsigned char byte) { hash = (hash ^ byte) * 0x100000001b3ULL; };
  auto mix64 = [&](std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) mix(static_cast<unsigned char>(value >> shift));
  };
  mix64(previous.size() == 16 ? parseHex(previous) : 0);
  mix64(seq);
  for (char c : mid) mix(static_cast<unsigned char>(c));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<std::size_t>(i)] = kHex[hash & 0xF];
  return out;
}

std::string entryFieldsProblem(const Entry& e, std::uint64_t maxFileBytes) {
  bool targets = e.kind != EntryKind::Text && e.kind != EntryKind::File;
  if (targets == e.target.empty()) return targets ? "entry names no target" : "entry names a target";
  if (e.kind != EntryKind::Text && !e.reply.empty()) return "only a line may reply";
  switch (e.kind) {
    case EntryKind::Text:
    case EntryKind::Edit: return textProblem(e.text);
    case EntryKind::Delete: return e.text.empty() ? "" : "a delete carries no text";
    case EntryKind::React:
    case EntryKind::Unreact:
      return e.text.empty() || e.text.size() > kMaxEmojiBytes ? "a reaction is one emoji of at most 16 bytes" : "";
    case EntryKind::File:
      if (auto problem = fileProblem(e.file, maxFileBytes); !problem.empty()) return problem;
      return e.text.empty() ? "" : textProblem(e.text);
  }
  return "unknown kind";
}

std::string entryRulesProblem(const Entry& e, const History& history) {
  if (e.mid.rfind(e.from + "-", 0) != 0) return kOtherMid;
  if (e.kind == EntryKind::Text || e.kind == EntryKind::File) return {};
  const Entry* target = history.findMid(e.target);
  if (!target) {
    bool forgotten = history.contains(e.target) || !history.complete();  // older than what is kept
    return forgotten ? "" : "target is not in the history";
  }
  if (target->refused) return "target is not in the history";
  if (e.kind == EntryKind::Edit || e.kind == EntryKind::Delete) {
    if (target->kind != EntryKind::Text) return "only a line can be edited or deleted";
    if (target->from != e.from) return kOtherAuthor;
    return {};
  }
  if (target->kind != EntryKind::Text && target->kind != EntryKind::File) return "only a line or file takes reactions";
  return {};
}

bool isForgery(std::string_view problem) { return problem == kOtherAuthor || problem == kOtherMid; }

std::string entryBytes(std::string_view room, const Entry& e) {
  const FileInfo none;
  const FileInfo& file = e.file ? *e.file : none;
  return dumpArray(nlohmann::json::array({"wc2/entry", room, e.mid, e.from, e.nick, toString(e.kind), e.text, e.target,
                                          e.reply, e.time, file.name, file.size, file.type, file.hash}));
}

std::string helloBytes(std::string_view room, const Hello& h) {
  return dumpArray(nlohmann::json::array({"wc2/hello", room, h.peer, h.nick, h.key, h.fp}));
}

SignedPart signedPart(std::string_view room, const Hello& hello) { return {hello.key, helloBytes(room, hello), hello.sig}; }

std::vector<SignedPart> signedParts(std::string_view room, const PeerMessage& message) {
  std::vector<SignedPart> parts;
  auto entry = [&](const Entry& e) { parts.push_back({e.key, entryBytes(room, e), e.sig}); };
  if (const auto* m = std::get_if<Hello>(&message)) parts.push_back(signedPart(room, *m));
  if (const auto* m = std::get_if<Welcome>(&message)) parts.push_back(signedPart(room, m->host));
  if (const auto* m = std::get_if<Say>(&message)) entry(m->entry);
  if (const auto* m = std::get_if<Posted>(&message)) entry(m->entry);
  if (const auto* m = std::get_if<Carry>(&message)) entry(m->entry);
  if (const auto* m = std::get_if<Rename>(&message)) parts.push_back(signedPart(room, Hello{m->peer, m->nick, 0, {}, m->key, m->fp, m->sig}));
  return parts;
}

std::string fingerprintOf(std::string_view sdp) {
  constexpr std::string_view kTag = "a=fingerprint:";
  auto at = sdp.find(kTag);
  if (at == std::string_view::npos) return {};
  auto value = sdp.substr(at + kTag.size());
  return std::string(value.substr(0, value.find_first_of("\r\n")));
}

bool sameFingerprint(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace webchat
