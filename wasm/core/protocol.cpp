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
    if (it == object_.end() || !it->is_array()) return fail(key, "missing or not an array"), nullptr;
    if (it->size() > maxItems) return fail(key, "too many items"), nullptr;
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
  return json{{"seq", m.seq}, {"from", m.from}, {"nick", m.nick}, {"text", m.text}, {"time", m.time}};
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

template <typename T>
Decoded<T> rejected(std::string error) {
  return Decoded<T>{std::nullopt, std::move(error)};
}

}  // namespace

std::string encodeOffer(const OfferText& o) {
  json j = envelope("offer");
  j["room"] = o.room;
  j["host"] = o.host;
  j["offer"] = o.offer;
  j["sdp"] = o.sdp;
  return dump(j);
}

std::string encodeAnswer(const AnswerText& a) {
  json j = envelope("answer");
  j["offer"] = a.offer;
  j["peer"] = a.peer;
  j["sdp"] = a.sdp;
  return dump(j);
}

std::string encodeMessage(const PeerMessage& message) {
  struct Encoder {
    json operator()(const Hello& m) const {
      json j = envelope("hello");
      j["peer"] = m.peer;
      j["nick"] = m.nick;
      return j;
    }
    json operator()(const Welcome& m) const {
      json j = envelope("welcome");
      j["members"] = json::array();
      for (const auto& member : m.members) j["members"].push_back(memberToJson(member));
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
      return j;
    }
    json operator()(const Posted& m) const {
      json j = envelope("posted");
      j["message"] = chatToJson(m.message);
      return j;
    }
    json operator()(const MemberList& m) const {
      json j = envelope("members");
      j["members"] = json::array();
      for (const auto& member : m.members) j["members"].push_back(memberToJson(member));
      return j;
    }
    json operator()(const Bye&) const { return envelope("bye"); }
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
  if (!r.string("room", o.room, kMaxRoomNameBytes) || !r.token("host", o.host) || !r.token("offer", o.offer) ||
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
  return {std::move(a), {}};
}

Decoded<PeerMessage> decodeMessage(std::string_view text) {
  std::string type, error;
  auto j = parseEnvelope(text, type, error);
  if (!j) return rejected<PeerMessage>(error);
  Reader r(*j);
  auto done = [&](PeerMessage m) { return Decoded<PeerMessage>{std::move(m), {}}; };
  if (type == "hello") {
    Hello m;
    if (r.token("peer", m.peer) && r.string("nick", m.nick, kMaxFieldBytes)) return done(std::move(m));
  } else if (type == "welcome") {
    Welcome m;
    if (readMembers(r, m.members)) return done(std::move(m));
  } else if (type == "refuse") {
    Refuse m;
    if (r.string("reason", m.reason, kMaxTokenBytes)) return done(std::move(m));
  } else if (type == "say") {
    Say m;
    if (r.string("text", m.text, kMaxFieldBytes)) return done(std::move(m));
  } else if (type == "posted") {
    auto it = j->find("message");
    if (it == j->end() || !it->is_object()) return rejected<PeerMessage>("field 'message' missing or not an object");
    Reader mr(*it);
    Posted m;
    ChatMessage& c = m.message;
    if (mr.unsignedNumber("seq", c.seq) && mr.token("from", c.from) && mr.string("nick", c.nick, kMaxFieldBytes) &&
        mr.string("text", c.text, kMaxFieldBytes) && mr.integer("time", c.time)) {
      if (c.seq == 0) return rejected<PeerMessage>("field 'seq' must be at least 1");
      return done(std::move(m));
    }
    return rejected<PeerMessage>("in 'message': " + mr.error());
  } else if (type == "members") {
    MemberList m;
    if (readMembers(r, m.members)) return done(std::move(m));
  } else if (type == "bye") {
    return done(Bye{});
  } else {
    return rejected<PeerMessage>("unknown message type '" + type + "'");
  }
  return rejected<PeerMessage>(r.error());
}

std::string offerSignalId(std::string_view room) { return "wc1." + std::string(room) + ".offer"; }

std::string answerSignalId(std::string_view room, std::string_view offer) {
  return "wc1." + std::string(room) + ".answer." + std::string(offer);
}

}  // namespace webchat
