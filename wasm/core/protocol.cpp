#include "protocol.hpp"

#include "codec_parts.hpp"

namespace webchat {

using namespace wire;

namespace wire {

json rankToJson(const HostRank& r) {
  json j{{"epoch", r.epoch}, {"since", r.since}, {"host", r.host}};
  if (r.moves > 0) j["moves"] = r.moves;  // absent: 0 (peers before it never send it)
  return j;
}

bool readRank(Reader& r, HostRank& rank) {
  if (!r.integer("epoch", rank.epoch) || !r.integer("since", rank.since) || !r.token("host", rank.host)) return false;
  if (!r.has("moves")) return true;
  return r.integer("moves", rank.moves) && (rank.moves >= 0 || r.fail("moves", "negative"));
}

void writeHelloFields(json& j, const Hello& hello) {
  j["nick"] = hello.nick;
  j["lastSeq"] = hello.lastSeq;
  j["lastChain"] = hello.lastChain;
  j["key"] = hello.key;
  j["fp"] = hello.fp;
  j["sig"] = hello.sig;
}

bool readHelloFields(Reader& r, Hello& hello) {
  return r.string("nick", hello.nick, kMaxFieldBytes) && r.unsignedNumber("lastSeq", hello.lastSeq) &&
         r.string("lastChain", hello.lastChain, 16) && r.string("key", hello.key, kMaxKeyBytes) &&
         r.string("fp", hello.fp, kMaxFingerprintBytes) && r.string("sig", hello.sig, kMaxSigBytes);
}

}  // namespace wire

namespace {

template <typename T>
Decoded<T> rejected(std::string error) {
  return Decoded<T>{std::nullopt, std::move(error)};
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
  if (o.host) {
    json host = json{{"peer", o.host->peer}};
    writeHelloFields(host, *o.host);
    j["host"] = std::move(host);
  }
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

std::string encodeRetry(const RetryText& retry) {
  json j = envelope("retry");
  j["offer"] = retry.offer;
  return dump(j);
}

Decoded<OfferText> decodeOffer(std::string_view text) {
  std::string type, error;
  json j;
  if (!parseEnvelope(text, j, type, error)) return rejected<OfferText>(error);
  if (type != "offer") return rejected<OfferText>("expected an offer, got '" + type + "'");
  Reader r(j);
  OfferText o;
  if (!r.string("room", o.room, kMaxRoomNameBytes) ||
      !r.object("rank", [&](Reader& in) { return readRank(in, o.rank); }) || !r.token("offer", o.offer) ||
      !r.string("sdp", o.sdp, kMaxSdpBytes)) {
    return rejected<OfferText>(r.error());
  }
  if (j.contains("host")) {
    Hello host;
    auto hello = [&](Reader& in) { return in.token("peer", host.peer) && readHelloFields(in, host); };
    if (!r.object("host", hello)) return rejected<OfferText>(r.error());
    o.host = std::move(host);
  }
  return {std::move(o), {}};
}

Decoded<AnswerText> decodeAnswer(std::string_view text) {
  std::string type, error;
  json j;
  if (!parseEnvelope(text, j, type, error)) return rejected<AnswerText>(error);
  if (type != "answer") return rejected<AnswerText>("expected an answer, got '" + type + "'");
  Reader r(j);
  AnswerText a;
  if (!r.token("offer", a.offer) || !r.token("peer", a.peer) || !r.string("sdp", a.sdp, kMaxSdpBytes)) {
    return rejected<AnswerText>(r.error());
  }
  if (j.contains("nick")) {
    Hello hello;
    hello.peer = a.peer;
    if (!readHelloFields(r, hello)) return rejected<AnswerText>(r.error());
    a.hello = std::move(hello);
  }
  if (j.contains("trickle") && !r.boolean("trickle", a.trickle)) return rejected<AnswerText>(r.error());
  return {std::move(a), {}};
}

Decoded<CandidatesText> decodeCandidates(std::string_view text) {
  std::string type, error;
  json j;
  if (!parseEnvelope(text, j, type, error)) return rejected<CandidatesText>(error);
  if (type != "candidates") return rejected<CandidatesText>("expected candidates, got '" + type + "'");
  Reader r(j);
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

Decoded<RetryText> decodeRetry(std::string_view text) {
  std::string type, error;
  json j;
  if (!parseEnvelope(text, j, type, error)) return rejected<RetryText>(error);
  if (type != "retry") return rejected<RetryText>("expected a retry, got '" + type + "'");
  Reader r(j);
  RetryText retry;
  if (!r.token("offer", retry.offer)) return rejected<RetryText>(r.error());
  return {std::move(retry), {}};
}

std::string offerSignalId(std::string_view room) { return "wc2." + std::string(room) + ".offer"; }

std::string answerSignalId(std::string_view room, std::string_view offer) {
  return "wc2." + std::string(room) + ".answer." + std::string(offer);
}

std::string candidatesSignalId(std::string_view room, std::string_view offer) {
  return "wc2." + std::string(room) + ".candidates." + std::string(offer);
}

std::string retrySignalId(std::string_view room, std::string_view offer) {
  return "wc2." + std::string(room) + ".retry." + std::string(offer);
}

}  // namespace webchat
