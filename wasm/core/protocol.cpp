#include "protocol.hpp"

#include <nlohmann/json.hpp>

namespace webchat {

using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxTokenBytes = 32;
constexpr std::size_t kMaxSdpBytes = 32 * 1024;
constexpr std::size_t kMaxFieldBytes = 4 * kMaxTextChars;  // longest UTF-8 form of a chat line

// Ids (member ids, offer ids) appear inside mailbox IDs, so they use a narrow alphabet.
bool isToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxTokenBytes) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

// Replacement, not an exception, for invalid UTF-8: dump() must never throw in the wasm build.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json envelope(const char* type) { return json{{"v", kProtocolVersion}, {"type", type}}; }

// Readers: a missing field or one of the wrong type is an error naming the field.
class Reader {
 public:
  explicit Reader(const json& object) : object_(object) {}

  bool string(const char* key, std::string& out, std::size_t maxBytes) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_string()) return fail(key, "missing or not a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > maxBytes) return fail(key, "too long");
    out = s;
    return true;
  }
  bool token(const char* key, std::string& out) {
    if (!string(key, out, kMaxTokenBytes)) return false;
    return isToken(out) || fail(key, "not an id");
  }
  bool unsignedNumber(const char* key, std::uint64_t& out) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_number_unsigned()) return fail(key, "missing or not a whole number");
    out = it->get<std::uint64_t>();
    return true;
  }
  bool integer(const char* key, std::int64_t& out) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_number_integer()) return fail(key, "missing or not a whole number");
    out = it->get<std::int64_t>();
    return true;
  }
  bool boolean(const char* key, bool& out) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_boolean()) return fail(key, "missing or not a boolean");
    out = it->get<bool>();
    return true;
  }
  const json* array(const char* key, std::size_t maxItems) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_array()) {
      fail(key, "missing or not an array");
      return nullptr;
    }
    if (it->size() > maxItems) {
      fail(key, "too many items");
      return nullptr;
    }
    return &*it;
  }
  bool fail(const std::string& key, const char* what) {
    if (error_.empty()) error_ = "field '" + key + "' " + what;
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  const json& object_;
  std::string error_;
};

// Parses and checks the envelope; on success `type` names the message kind.
std::optional<json> parseEnvelope(std::string_view text, std::string& type, std::string& error) {
  if (text.size() > kMaxPeerMessageBytes) {
    error = "message larger than " + std::to_string(kMaxPeerMessageBytes) + " bytes";
    return std::nullopt;
  }
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  Reader r(j);
  std::int64_t version = 0;
  if (!r.integer("v", version) || !r.string("type", type, kMaxTokenBytes)) {
    error = r.error();
    return std::nullopt;
  }
  if (version != kProtocolVersion) {
    error = "unsupported protocol version " + std::to_string(version);
    return std::nullopt;
  }
  return j;
}

json memberToJson(const Member& m) { return json{{"id", m.id}, {"nick", m.nick}, {"host", m.host}}; }

json chatToJson(const ChatMessage& m) {
  return json{{"seq", m.seq}, {"mid", m.mid},   {"from", m.from},
              {"nick", m.nick}, {"text", m.text}, {"time", m.time}};
}

json rankToJson(const HostRank& r) { return json{{"epoch", r.epoch}, {"since", r.since}, {"host", r.host}}; }

json membersToJson(const std::vector<Member>& members) {
  json list = json::array();
  for (const auto& member : members) list.push_back(memberToJson(member));
  return list;
}

// A message id is "<member id>-<counter>".
bool isMid(std::string_view s) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos || s.size() > 2 * kMaxTokenBytes) return false;
  auto counter = s.substr(dash + 1);
  if (counter.empty()) return false;
  for (char c : counter) {
    if (c < '0' || c > '9') return false;
  }
  return isToken(s.substr(0, dash));
}

bool readMid(Reader& r, const char* key, std::string& out) {
  if (!r.string(key, out, 2 * kMaxTokenBytes)) return false;
  return isMid(out) || r.fail(key, "not a message id");
}

bool readMembers(Reader& r, std::vector<Member>& out) {
  const json* list = r.array("members", kMaxRoomMembers);
  if (!list) return false;
  for (const json& item : *list) {
    if (!item.is_object()) return r.fail("members", "holds a non-object");
    Reader m(item);
    Member member;
    if (!m.token("id", member.id) || !m.string("nick", member.nick, kMaxFieldBytes) ||
        !m.boolean("host", member.host)) {
      return r.fail("members", ("item: " + m.error()).c_str());
    }
    out.push_back(std::move(member));
  }
  return true;
}

// Reads an object-valued field with `read`, prefixing its errors with the field's name.
template <typename Read>
bool readObject(Reader& r, const json& parent, const char* key, Read read) {
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_object()) return r.fail(key, "missing or not an object");
  Reader inner(*it);
  if (read(inner)) return true;
  return r.fail(key, ("→ " + inner.error()).c_str());
}

bool readChat(Reader& r, ChatMessage& c) {
  if (!(r.unsignedNumber("seq", c.seq) && readMid(r, "mid", c.mid) && r.token("from", c.from) &&
        r.string("nick", c.nick, kMaxFieldBytes) && r.string("text", c.text, kMaxFieldBytes) &&
        r.integer("time", c.time))) {
    return false;
  }
  return c.seq > 0 || r.fail("seq", "must be at least 1");
}

bool readRank(Reader& r, HostRank& rank) {
  return r.integer("epoch", rank.epoch) && r.integer("since", rank.since) && r.token("host", rank.host);
}

template <typename T>
Decoded<T> rejected(std::string error) {
  return Decoded<T>{std::nullopt, std::move(error)};
}

// A hello's fields after its peer, in a hello message or an answer.
void writeHelloFields(json& j, const Hello& hello) {
  j["nick"] = hello.nick;
  j["lastSeq"] = hello.lastSeq;
  j["lastMid"] = hello.lastMid;
}

bool readHelloFields(Reader& r, Hello& hello) {
  return r.string("nick", hello.nick, kMaxFieldBytes) && r.unsignedNumber("lastSeq", hello.lastSeq) &&
         r.string("lastMid", hello.lastMid, 2 * kMaxTokenBytes);
}

}  // namespace

bool outranks(const HostRank& a, const HostRank& b) {
  if (a.epoch != b.epoch) return a.epoch > b.epoch;
  if (a.since != b.since) return a.since < b.since;
  return a.host < b.host;
}

std::string encodeOffer(const OfferText& o) {
  json j = envelope("offer");
  j["room"] = o.room;
  j["rank"] = rankToJson(o.rank);
  j["offer"] = o.offer;
  j["sdp"] = o.sdp;
  return dump(j);
}

std::string encodeAnswer(const AnswerText& a) {
  json j = envelope("answer");
  j["offer"] = a.offer;
  j["peer"] = a.peer;
  j["sdp"] = a.sdp;
  if (a.hello) writeHelloFields(j, *a.hello);
  if (a.trickle) j["trickle"] = true;
  return dump(j);
}

std::string encodeCandidates(const CandidatesText& c) {
  json j = envelope("candidates");
  j["offer"] = c.offer;
  j["peer"] = c.peer;
  j["candidates"] = c.candidates;
  return dump(j);
}

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
      j["afterMid"] = m.afterMid;
      return j;
    }
    json operator()(const Carry& m) const {
      json j = envelope("carry");
      j["message"] = chatToJson(m.message);
      return j;
    }
    json operator()(const Carried&) const { return envelope("carried"); }
    json operator()(const Welcome& m) const {
      json j = envelope("welcome");
      j["members"] = membersToJson(m.members);
      j["rank"] = rankToJson(m.rank);
      j["reset"] = m.reset;
      return j;
    }
    json operator()(const Refuse& m) const {
      json j = envelope("refuse");
      j["reason"] = m.reason;
      return j;
    }
    json operator()(const Say& m) const {
      json j = envelope("say");
      j["text"] = m.text;
      j["mid"] = m.mid;
      return j;
    }
    json operator()(const Posted& m) const {
      json j = envelope("posted");
      j["message"] = chatToJson(m.message);
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
    json operator()(const Bye&) const { return envelope("bye"); }
    json operator()(const Ping&) const { return envelope("ping"); }
  };
  return dump(std::visit(Encoder{}, message));
}

Decoded<OfferText> decodeOffer(std::string_view text) {
  std::string type, error;
  auto j = parseEnvelope(text, type, error);
  if (!j) return rejected<OfferText>(error);
  if (type != "offer") return rejected<OfferText>("expected an offer, got '" + type + "'");
  Reader r(*j);
  OfferText o;
  if (!r.string("room", o.room, kMaxRoomNameBytes) ||
      !readObject(r, *j, "rank", [&](Reader& in) { return readRank(in, o.rank); }) || !r.token("offer", o.offer) ||
      !r.string("sdp", o.sdp, kMaxSdpBytes)) {
    return rejected<OfferText>(r.error());
  }
  return {std::move(o), {}};
}

Decoded<AnswerText> decodeAnswer(std::string_view text) {
  std::string type, error;
  auto j = parseEnvelope(text, type, error);
  if (!j) return rejected<AnswerText>(error);
  if (type != "answer") return rejected<AnswerText>("expected an answer, got '" + type + "'");
  Reader r(*j);
  AnswerText a;
  if (!r.token("offer", a.offer) || !r.token("peer", a.peer) || !r.string("sdp", a.sdp, kMaxSdpBytes)) {
    return rejected<AnswerText>(r.error());
  }
  if (j->contains("nick")) {
    Hello hello{a.peer, {}, 0, {}};
    if (!readHelloFields(r, hello)) return rejected<AnswerText>(r.error());
    a.hello = std::move(hello);
  }
  if (j->contains("trickle") && !r.boolean("trickle", a.trickle)) return rejected<AnswerText>(r.error());
  return {std::move(a), {}};
}

Decoded<CandidatesText> decodeCandidates(std::string_view text) {
  std::string type, error;
  auto j = parseEnvelope(text, type, error);
  if (!j) return rejected<CandidatesText>(error);
  if (type != "candidates") return rejected<CandidatesText>("expected candidates, got '" + type + "'");
  Reader r(*j);
  CandidatesText c;
  if (!r.token("offer", c.offer) || !r.token("peer", c.peer)) return rejected<CandidatesText>(r.error());
  const json* list = r.array("candidates", kMaxCandidates);
  if (!list) return rejected<CandidatesText>(r.error());
  for (const json& item : *list) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > kMaxCandidateBytes) {
      return rejected<CandidatesText>("field 'candidates' holds a non-string or one too long");
    }
    c.candidates.push_back(item.get<std::string>());
  }
  return {std::move(c), {}};
}

Decoded<PeerMessage> decodeMessage(std::string_view text) {
  std::string type, error;
  auto j = parseEnvelope(text, type, error);
  if (!j) return rejected<PeerMessage>(error);
  Reader r(*j);
  auto done = [](PeerMessage m) { return Decoded<PeerMessage>{std::move(m), {}}; };
  auto withRank = [&](HostRank& rank) { return readObject(r, *j, "rank", [&](Reader& in) { return readRank(in, rank); }); };
  auto withChat = [&](ChatMessage& chat) { return readObject(r, *j, "message", [&](Reader& in) { return readChat(in, chat); }); };
  if (type == "hello") {
    Hello m;
    if (r.token("peer", m.peer) && readHelloFields(r, m)) return done(std::move(m));
  } else if (type == "upload") {
    Upload m;
    if (r.unsignedNumber("after", m.after) && r.string("afterMid", m.afterMid, 2 * kMaxTokenBytes)) return done(std::move(m));
  } else if (type == "carry") {
    Carry m;
    if (withChat(m.message)) return done(std::move(m));
  } else if (type == "carried") {
    return done(Carried{});
  } else if (type == "welcome") {
    Welcome m;
    if (readMembers(r, m.members) && withRank(m.rank) && r.boolean("reset", m.reset)) return done(std::move(m));
  } else if (type == "refuse") {
    Refuse m;
    if (r.string("reason", m.reason, kMaxTokenBytes)) return done(std::move(m));
  } else if (type == "say") {
    Say m;
    if (r.string("text", m.text, kMaxFieldBytes) && readMid(r, "mid", m.mid)) return done(std::move(m));
  } else if (type == "posted") {
    Posted m;
    if (withChat(m.message)) return done(std::move(m));
  } else if (type == "members") {
    MemberList m;
    if (readMembers(r, m.members)) return done(std::move(m));
  } else if (type == "moved") {
    Moved m;
    if (withRank(m.rank)) return done(std::move(m));
  } else if (type == "close") {
    return done(Close{});
  } else if (type == "bye") {
    return done(Bye{});
  } else if (type == "ping") {
    return done(Ping{});
  } else {
    return rejected<PeerMessage>("unknown message type '" + type + "'");
  }
  return rejected<PeerMessage>(r.error());
}

std::string offerSignalId(std::string_view room) { return "wc1." + std::string(room) + ".offer"; }

std::string answerSignalId(std::string_view room, std::string_view offer) {
  return "wc1." + std::string(room) + ".answer." + std::string(offer);
}

std::string candidatesSignalId(std::string_view room, std::string_view offer) {
  return "wc1." + std::string(room) + ".candidates." + std::string(offer);
}

}  // namespace webchat
