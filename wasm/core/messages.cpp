// Data-channel messages: their JSON form, and the entries of the history they carry.
#include "codec_parts.hpp"
#include "protocol.hpp"
#include "text.hpp"

namespace webchat {

using namespace wire;

const char* toString(EntryKind kind) {
  switch (kind) {
    case EntryKind::Text: return "text";
    case EntryKind::Edit: return "edit";
    case EntryKind::Delete: return "delete";
    case EntryKind::React: return "react";
    case EntryKind::Unreact: return "unreact";
    case EntryKind::File: return "file";
  }
  return "?";
}

std::optional<EntryKind> entryKindFrom(std::string_view name) {
  for (auto kind : {EntryKind::Text, EntryKind::Edit, EntryKind::Delete, EntryKind::React, EntryKind::Unreact,
                    EntryKind::File}) {
    if (name == toString(kind)) return kind;
  }
  return std::nullopt;
}

namespace {

// Bounds of a file description on the wire; what its fields may hold is entries.cpp's rule, checked
// where the entry is accepted (so a bad one keeps its place in the order, and its author is told).
constexpr std::size_t kMaxFileNameBytes = 4 * kMaxFileNameChars;

json memberToJson(const Member& m) { return json{{"id", m.id}, {"nick", m.nick}, {"host", m.host}, {"key", m.key}}; }

json membersToJson(const std::vector<Member>& members) {
  json list = json::array();
  for (const auto& member : members) list.push_back(memberToJson(member));
  return list;
}

bool readMembers(Reader& r, std::vector<Member>& out) {
  const json* list = r.array("members", kMaxRoomMembers);
  if (!list) return false;
  for (const json& item : *list) {
    if (!item.is_object()) return r.fail("members", "holds a non-object");
    Reader m(item);
    Member member;
    if (!m.token("id", member.id) || !m.string("nick", member.nick, kMaxFieldBytes) ||
        !m.boolean("host", member.host) || !m.string("key", member.key, kMaxKeyBytes)) {
      return r.fail("members", ("item: " + m.error()).c_str());
    }
    out.push_back(std::move(member));
  }
  return true;
}

// The fields the author writes and signs (a say); `full` adds what the host fills in (a posted or
// carried entry).
json entryToJson(const Entry& e, bool full) {
  json j = json::object();
  if (full) {
    j["seq"] = e.seq;
    j["chain"] = e.chain;
  }
  j["from"] = e.from;
  j["key"] = e.key;
  j["mid"] = e.mid;
  j["nick"] = e.nick;
  j["kind"] = toString(e.kind);
  j["text"] = e.text;
  if (!e.target.empty()) j["target"] = e.target;
  if (!e.reply.empty()) j["reply"] = e.reply;
  j["time"] = e.time;
  if (e.file) {
    j["file"] = json{{"name", e.file->name}, {"size", e.file->size}, {"type", e.file->type}, {"hash", e.file->hash}};
  }
  j["sig"] = e.sig;
  return j;
}

bool readFile(Reader& r, FileInfo& f) {
  if (!(r.string("name", f.name, kMaxFileNameBytes) && r.unsignedNumber("size", f.size) &&
        r.string("type", f.type, kMaxFieldBytes) && r.string("hash", f.hash, 64))) {
    return false;
  }
  return f.size <= kMaxFileSize || r.fail("size", "larger than 2^53");
}

bool readEntry(Reader& r, Entry& e, bool full) {
  if (full) {
    if (!(r.unsignedNumber("seq", e.seq) && r.string("chain", e.chain, 16))) {
      return false;
    }
    if (e.seq == 0) return r.fail("seq", "must be at least 1");
    if (!isLowerHex(e.chain, 16)) return r.fail("chain", "not 16 lowercase hex digits");
  }
  std::string kind;
  if (!(r.mid("mid", e.mid) && r.token("from", e.from) && r.string("nick", e.nick, kMaxFieldBytes) &&
        r.string("key", e.key, kMaxKeyBytes) &&
        r.string("kind", kind, kMaxTokenBytes) &&
        r.string("text", e.text, kMaxFieldBytes) && r.integer("time", e.time) && r.string("sig", e.sig, kMaxSigBytes))) {
    return false;
  }
  auto parsed = entryKindFrom(kind);
  if (!parsed) return r.fail("kind", "unknown");
  e.kind = *parsed;
  if (r.has("target") && !r.mid("target", e.target)) return false;
  if (r.has("reply") && !r.mid("reply", e.reply)) return false;
  if (r.has("file")) {
    FileInfo file;
    if (!r.object("file", [&](Reader& in) { return readFile(in, file); })) return false;
    e.file = std::move(file);
  }
  if ((e.kind == EntryKind::File) != e.file.has_value()) return r.fail("file", "present exactly when kind is file");
  return true;
}

template <typename T>
Decoded<T> rejected(std::string error) {
  return Decoded<T>{std::nullopt, std::move(error)};
}

}  // namespace

std::string encodeMessage(const PeerMessage& message) {
  struct Encoder {
    json operator()(const Hello& m) const {
      json j = envelope("hello");
      j["peer"] = m.peer;
      writeHelloFields(j, m);
      return j;
    }
    json operator()(const Upload& m) const {
      json j = envelope("upload");
      j["after"] = m.after;
      j["afterChain"] = m.afterChain;
      return j;
    }
    json operator()(const Carry& m) const {
      json j = envelope("carry");
      j["entry"] = entryToJson(m.entry, true);
      return j;
    }
    json operator()(const Carried&) const { return envelope("carried"); }
    json operator()(const Welcome& m) const {
      json j = envelope("welcome");
      j["members"] = membersToJson(m.members);
      j["rank"] = rankToJson(m.rank);
      j["reset"] = m.reset;
      json host = json{{"peer", m.host.peer}};
      writeHelloFields(host, m.host);
      j["host"] = std::move(host);
      return j;
    }
    json operator()(const Refuse& m) const {
      json j = envelope("refuse");
      j["reason"] = m.reason;
      return j;
    }
    json operator()(const Say& m) const {
      json j = envelope("say");
      j["entry"] = entryToJson(m.entry, false);
      return j;
    }
    json operator()(const Posted& m) const {
      json j = envelope("posted");
      j["entry"] = entryToJson(m.entry, true);
      return j;
    }
    json operator()(const MemberList& m) const {
      json j = envelope("members");
      j["members"] = membersToJson(m.members);
      return j;
    }
    json operator()(const Moved& m) const {
      json j = envelope("moved");
      j["rank"] = rankToJson(m.rank);
      return j;
    }
    json operator()(const Close&) const { return envelope("close"); }
    json operator()(const Bye& m) const {
      json j = envelope("bye");
      if (m.back) j["back"] = true;
      return j;
    }
    json operator()(const Ping&) const { return envelope("ping"); }
    json operator()(const Typing& m) const {
      json j = envelope("typing");
      if (!m.from.empty()) j["from"] = m.from;
      return j;
    }
    json operator()(const Rename& m) const {
      json j = envelope("rename");
      j["nick"] = m.nick;
      j["peer"] = m.peer;
      j["key"] = m.key;
      j["fp"] = m.fp;
      j["sig"] = m.sig;
      return j;
    }
    json operator()(const Denied& m) const {
      json j = envelope("denied");
      j["what"] = m.what;
      j["reason"] = m.reason;
      if (!m.mid.empty()) j["mid"] = m.mid;
      return j;
    }
    json operator()(const Throttled& m) const {
      json j = envelope("throttled");
      j["mid"] = m.mid;
      return j;
    }
    json operator()(const Relay& m) const {
      json j = envelope("relay");
      if (!m.to.empty()) j["to"] = m.to;
      if (!m.from.empty()) j["from"] = m.from;
      j["data"] = m.data;
      return j;
    }
  };
  return dump(std::visit(Encoder{}, message));
}

Decoded<PeerMessage> decodeMessage(std::string_view text) {
  std::string type, error;
  json j;
  if (!parseEnvelope(text, j, type, error)) return rejected<PeerMessage>(error);
  Reader r(j);
  auto done = [](PeerMessage m) { return Decoded<PeerMessage>{std::move(m), {}}; };
  auto withRank = [&](HostRank& rank) { return r.object("rank", [&](Reader& in) { return readRank(in, rank); }); };
  auto withEntry = [&](Entry& entry, bool full) {
    return r.object("entry", [&](Reader& in) { return readEntry(in, entry, full); });
  };
  if (type == "hello") {
    Hello m;
    if (r.token("peer", m.peer) && readHelloFields(r, m)) return done(std::move(m));
  } else if (type == "upload") {
    Upload m;
    if (r.unsignedNumber("after", m.after) && r.string("afterChain", m.afterChain, 16)) return done(std::move(m));
  } else if (type == "carry") {
    Carry m;
    if (withEntry(m.entry, true)) return done(std::move(m));
  } else if (type == "carried") {
    return done(Carried{});
  } else if (type == "welcome") {
    Welcome m;
    auto host = [&](Reader& in) { return in.token("peer", m.host.peer) && readHelloFields(in, m.host); };
    if (readMembers(r, m.members) && withRank(m.rank) && r.boolean("reset", m.reset) && r.object("host", host)) {
      return done(std::move(m));
    }
  } else if (type == "refuse") {
    Refuse m;
    if (r.string("reason", m.reason, kMaxTokenBytes)) return done(std::move(m));
  } else if (type == "say") {
    Say m;
    if (withEntry(m.entry, false)) return done(std::move(m));
  } else if (type == "posted") {
    Posted m;
    if (withEntry(m.entry, true)) return done(std::move(m));
  } else if (type == "members") {
    MemberList m;
    if (readMembers(r, m.members)) return done(std::move(m));
  } else if (type == "moved") {
    Moved m;
    if (withRank(m.rank)) return done(std::move(m));
  } else if (type == "close") {
    return done(Close{});
  } else if (type == "bye") {
    Bye m;
    if (!r.has("back") || r.boolean("back", m.back)) return done(m);
  } else if (type == "ping") {
    return done(Ping{});
  } else if (type == "typing") {
    Typing m;
    if (!r.has("from") || r.token("from", m.from)) return done(std::move(m));
  } else if (type == "rename") {
    Rename m;
    if (r.string("nick", m.nick, kMaxFieldBytes) && r.token("peer", m.peer) && r.string("key", m.key, kMaxKeyBytes) &&
        r.string("fp", m.fp, kMaxFingerprintBytes) && r.string("sig", m.sig, kMaxSigBytes)) {
      return done(std::move(m));
    }
  } else if (type == "denied") {
    Denied m;
    if (r.string("what", m.what, kMaxTokenBytes) && r.string("reason", m.reason, kMaxTokenBytes) &&
        (!r.has("mid") || r.mid("mid", m.mid))) {
      return done(std::move(m));
    }
  } else if (type == "throttled") {
    Throttled m;
    if (r.mid("mid", m.mid)) return done(std::move(m));
  } else if (type == "relay") {
    Relay m;
    bool routed = (!r.has("to") || r.token("to", m.to)) && (!r.has("from") || r.token("from", m.from));
    if (routed && r.string("data", m.data, kMaxRelayBytes)) {
      if (m.to.empty() == m.from.empty()) return rejected<PeerMessage>("relay needs exactly one of 'to' and 'from'");
      return done(std::move(m));
    }
  } else {
    return rejected<PeerMessage>("unknown message type '" + type + "'");
  }
  return rejected<PeerMessage>(r.error());
}

}  // namespace webchat
