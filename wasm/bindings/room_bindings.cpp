// embind registration of the room logic: converts values, adds no behaviour. Text goes through
// js_text.hpp, not embind's std::string conversion (see there why). The JS side
// (web/webchat.js) drives it: feeds inputs, drains poll() and carries out each effect.

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_text.hpp"
#include <optional>
#include <vector>

#include "entries.hpp"
#include "room.hpp"

namespace webchat {
namespace {

using emscripten::val;

val toJs(const Member& m) {
  val out = val::object();
  out.set("id", toJsString(m.id));
  out.set("nick", toJsString(m.nick));
  out.set("host", m.host);
  out.set("key", toJsString(m.key));
  return out;
}

// An entry as the page sees it; fromJs reads the same shape back (a reload's stored history and outbox).
val toJs(const Entry& e) {
  val out = val::object();
  out.set("seq", static_cast<double>(e.seq));
  out.set("mid", toJsString(e.mid));
  out.set("from", toJsString(e.from));
  out.set("nick", toJsString(e.nick));
  out.set("key", toJsString(e.key));
  out.set("kind", toJsString(toString(e.kind)));
  out.set("text", toJsString(e.text));
  out.set("target", toJsString(e.target));
  out.set("reply", toJsString(e.reply));
  out.set("time", static_cast<double>(e.time));
  if (e.file) {
    val file = val::object();
    file.set("name", toJsString(e.file->name));
    file.set("size", static_cast<double>(e.file->size));
    file.set("type", toJsString(e.file->type));
    file.set("hash", toJsString(e.file->hash));
    out.set("file", file);
  }
  out.set("chain", toJsString(e.chain));
  out.set("sig", toJsString(e.sig));
  return out;
}

std::string stringField(const val& object, const char* key) {
  val value = object[key];
  return value.isString() ? fromJsString(value) : std::string();
}

double numberField(const val& object, const char* key) {
  val value = object[key];
  return value.isNumber() ? value.as<double>() : 0;
}

// A byte count from JS: a whole number from 0 to 2^53, or nullopt (negative, fractional, NaN, not a
// number), which a cast to an unsigned integer would turn into anything.
std::optional<std::uint64_t> byteCountField(const val& object, const char* key) {
  val value = object[key];
  if (!value.isNumber()) return std::nullopt;
  double number = value.as<double>();
  if (!(number >= 0 && number <= static_cast<double>(kMaxFileSize)) || number != static_cast<double>(static_cast<std::uint64_t>(number))) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(number);
}

// { name, size, type, hash }, as the history's file entries carry it; nullopt when size is no byte count.
std::optional<FileInfo> fileFromJs(const val& file) {
  auto size = byteCountField(file, "size");
  if (!size) return std::nullopt;
  return FileInfo{stringField(file, "name"), *size, stringField(file, "type"), stringField(file, "hash")};
}

// Anything malformed becomes an entry the core's own checks refuse (a wrong kind, a missing mid).
std::optional<Entry> entryFromJs(const val& in) {
  if (in.isNull() || in.typeOf().as<std::string>() != "object") return std::nullopt;
  auto kind = entryKindFrom(stringField(in, "kind"));
  if (!kind) return std::nullopt;
  Entry e;
  e.seq = static_cast<std::uint64_t>(numberField(in, "seq"));
  e.mid = stringField(in, "mid");
  e.from = stringField(in, "from");
  e.nick = stringField(in, "nick");
  e.key = stringField(in, "key");
  e.kind = *kind;
  e.text = stringField(in, "text");
  e.target = stringField(in, "target");
  e.reply = stringField(in, "reply");
  e.time = static_cast<Millis>(numberField(in, "time"));
  val file = in["file"];
  if (!file.isUndefined() && !file.isNull()) {
    e.file = fileFromJs(file);  // none for a size that is no byte count: the core refuses the entry
  }
  e.chain = stringField(in, "chain");
  e.sig = stringField(in, "sig");
  return e;
}

std::vector<Entry> entriesFromJs(const val& list) {
  std::vector<Entry> out;
  if (!list.isArray()) return out;
  const auto length = list["length"].as<unsigned>();
  for (unsigned i = 0; i < length; ++i) {
    if (auto entry = entryFromJs(list[i])) out.push_back(std::move(*entry));
  }
  return out;
}

// sealing: "none" (a public room), "secret" or "password" (the driver seals the signaling texts).
Sealing toSealing(const std::string& kind) {
  if (kind == "secret") return Sealing::Secret;
  if (kind == "password") return Sealing::Password;
  return Sealing::None;
}

// { room, nick, seedHigh, seedLow, sealing?, key?, fingerprint?, verify?, selfId?, history?, outbox?, midCounter?, maxFileBytes? }
Room::Config configFromJs(const val& in) {
  Room::Config config;
  config.room = stringField(in, "room");
  config.nick = stringField(in, "nick");
  config.seed = (static_cast<std::uint64_t>(numberField(in, "seedHigh")) << 32) |
                static_cast<std::uint32_t>(numberField(in, "seedLow"));
  config.sealing = toSealing(stringField(in, "sealing"));
  config.key = stringField(in, "key");
  config.fingerprint = stringField(in, "fingerprint");
  config.verify = in["verify"].isTrue();
  config.selfId = stringField(in, "selfId");
  config.history = entriesFromJs(in["history"]);
  config.outbox = entriesFromJs(in["outbox"]);
  config.midCounter = static_cast<std::uint64_t>(numberField(in, "midCounter"));
  if (auto limit = byteCountField(in, "maxFileBytes")) config.maxFileBytes = *limit;
  return config;
}

LinkEnd linkEndFromJs(const val& why) {
  std::string name = why.isString() ? fromJsString(why) : std::string();
  if (name == "ice-failed") return LinkEnd::IceFailed;
  if (name == "dtls-failed") return LinkEnd::DtlsFailed;
  return LinkEnd::Closed;
}

template <typename Items>
val arrayToJs(const Items& items) {
  val out = val::array();
  for (const auto& item : items) out.call<void>("push", toJs(item));
  return out;
}

val tagged(const char* type) {
  val out = val::object();
  out.set("type", toJsString(type));
  return out;
}

// One JS object per effect, tagged by "type"; the names match web/webchat.js's effect handlers.
struct EffectToJs {
  val operator()(const effect::SignalGet& e) const {
    val out = tagged("signal-get");
    out.set("request", e.request);
    out.set("id", toJsString(e.id));
    out.set("timeout", static_cast<double>(e.timeout));
    return out;
  }
  val operator()(const effect::SignalSet& e) const {
    val out = tagged("signal-set");
    out.set("request", e.request);
    out.set("id", toJsString(e.id));
    out.set("text", toJsString(e.text));
    out.set("timeout", static_cast<double>(e.timeout));
    return out;
  }
  val operator()(const effect::SignalCancel& e) const {
    val out = tagged("signal-cancel");
    out.set("request", e.request);
    return out;
  }
  val operator()(const effect::OpenLink& e) const {
    val out = tagged("open-link");
    out.set("link", e.link);
    out.set("remoteOffer", toJsString(e.remoteOffer));
    return out;
  }
  val operator()(const effect::AcceptAnswer& e) const {
    val out = tagged("accept-answer");
    out.set("link", e.link);
    out.set("sdp", toJsString(e.sdp));
    return out;
  }
  val operator()(const effect::AddCandidates& e) const {
    val out = tagged("add-candidates");
    out.set("link", e.link);
    val list = val::array();
    for (const auto& candidate : e.candidates) list.call<void>("push", toJsString(candidate));
    out.set("candidates", list);
    return out;
  }
  val operator()(const effect::Send& e) const {
    val out = tagged("send");
    out.set("link", e.link);
    out.set("text", toJsString(e.text));
    return out;
  }
  val operator()(const effect::Sign& e) const {
    val out = tagged("sign");
    out.set("ticket", e.ticket);
    out.set("bytes", toJsString(e.bytes));
    return out;
  }
  val operator()(const effect::Verify& e) const {
    val out = tagged("verify");
    out.set("ticket", e.ticket);
    val parts = val::array();
    for (const auto& part : e.parts) {
      val item = val::object();
      item.set("key", toJsString(part.key));
      item.set("bytes", toJsString(part.bytes));
      item.set("sig", toJsString(part.sig));
      parts.call<void>("push", item);
    }
    out.set("parts", parts);
    return out;
  }
  val operator()(const effect::CloseLink& e) const {
    val out = tagged("close-link");
    out.set("link", e.link);
    return out;
  }
  val operator()(const effect::StatusChanged& e) const {
    val out = tagged("status");
    out.set("state", toJsString(toString(e.state)));
    out.set("error", toJsString(e.error));
    out.set("stage", toJsString(e.stage));
    out.set("historyEnd", static_cast<double>(e.historyEnd));
    return out;
  }
  val operator()(const effect::MessageAdded& e) const {
    val out = tagged("message");
    out.set("message", toJs(e.entry));
    return out;
  }
  val operator()(const effect::HistoryCleared&) const { return tagged("history-cleared"); }
  val operator()(const effect::MembersChanged& e) const {
    val out = tagged("members");
    out.set("members", arrayToJs(e.members));
    return out;
  }
  val operator()(const effect::Notice& e) const {
    val out = tagged("notice");
    out.set("kind", toJsString(toString(e.kind)));
    out.set("nick", toJsString(e.nick));
    out.set("previous", toJsString(e.previous));
    return out;
  }
  val operator()(const effect::Typing& e) const {
    val out = tagged("typing");
    out.set("from", toJsString(e.from));
    out.set("nick", toJsString(e.nick));
    return out;
  }
  val operator()(const effect::Warning& e) const {
    val out = tagged("warning");
    out.set("kind", toJsString(e.kind));
    out.set("from", toJsString(e.from));
    out.set("nick", toJsString(e.nick));
    return out;
  }
  val operator()(const effect::Denied& e) const {
    val out = tagged("denied");
    out.set("what", toJsString(e.what));
    out.set("reason", toJsString(e.reason));
    out.set("mid", toJsString(e.mid));
    return out;
  }
  val operator()(const effect::Throttled& e) const {
    val out = tagged("throttled");
    out.set("mid", toJsString(e.mid));
    return out;
  }
  val operator()(const effect::CheckNetwork&) const { return tagged("check-network"); }
  val operator()(const effect::Relayed& e) const {
    val out = tagged("relayed");
    out.set("from", toJsString(e.from));
    out.set("data", toJsString(e.data));
    return out;
  }
};

// JS numbers are doubles: times arrive as such and are whole milliseconds.
Millis ms(double now) { return static_cast<Millis>(now); }

class RoomBinding {
 public:
  explicit RoomBinding(const val& config) : room_(configFromJs(config)) {}

  void join(double now) { room_.join(ms(now)); }
  void leave(double now, bool back) { room_.leave(ms(now), back); }
  void closeRoom(double now) { room_.closeRoom(ms(now)); }
  // Chat inputs: each returns why it was refused, or "".
  val send(const val& text, const val& reply, double now) {
    return toJsString(room_.send(fromJsString(text), ms(now), fromJsString(reply)));
  }
  val edit(const val& target, const val& text, double now) {
    return toJsString(room_.edit(fromJsString(target), fromJsString(text), ms(now)));
  }
  val remove(const val& target, double now) { return toJsString(room_.remove(fromJsString(target), ms(now))); }
  val react(const val& target, const val& emoji, bool on, double now) {
    return toJsString(room_.react(fromJsString(target), fromJsString(emoji), on, ms(now)));
  }
  val typing(double now) { return toJsString(room_.typing(ms(now))); }
  val rename(const val& nick, double now) { return toJsString(room_.rename(fromJsString(nick), ms(now))); }
  val relay(const val& to, const val& data, double now) {
    return toJsString(room_.relay(fromJsString(to), fromJsString(data), ms(now)));
  }
  // file: { name, size, type, hash }, as the history's file entries carry it.
  val shareFile(const val& file, const val& caption, double now) {
    auto info = fileFromJs(file);
    if (!info) return toJsString("file size is not a whole number of bytes from 0 to 2^53");
    return toJsString(room_.shareFile(std::move(*info), fromJsString(caption), ms(now)));
  }
  void signalDone(RequestId request, int status, const val& body, double now) {
    room_.onSignalDone(request, status, fromJsString(body), ms(now));
  }
  void signalUnreadable(RequestId request, double now) { room_.onSignalUnreadable(request, ms(now)); }
  void signed_(double ticket, const val& sig, double now) {
    room_.onSigned(static_cast<std::uint32_t>(ticket), fromJsString(sig), ms(now));
  }
  // verdicts: for effect 'verify', whether each of its parts verified (true), in order.
  void verified(double ticket, const val& verdicts, double now) {
    std::vector<bool> list;
    const auto length = verdicts.isArray() ? verdicts["length"].as<unsigned>() : 0;
    for (unsigned i = 0; i < length; ++i) list.push_back(verdicts[i].isTrue());
    room_.onVerified(static_cast<std::uint32_t>(ticket), list, ms(now));
  }
  // candidatesFollow: an answer reported before ICE gathering ended; linkCandidates brings the rest.
  void linkDescribed(LinkId link, const val& sdp, double now, bool candidatesFollow) {
    room_.onLinkDescribed(link, fromJsString(sdp), ms(now), candidatesFollow ? IceCandidates::Follow : IceCandidates::Included);
  }
  // candidates: an array of "candidate:..." strings; anything else in it is skipped.
  void linkCandidates(LinkId link, const val& candidates, double now) {
    std::vector<std::string> list;
    const auto length = candidates["length"].as<unsigned>();
    for (unsigned i = 0; i < length; ++i) {
      val item = candidates[i];
      if (item.isString()) list.push_back(fromJsString(item));
    }
    room_.onLinkCandidates(link, std::move(list), ms(now));
  }
  void linkOpen(LinkId link, double now) { room_.onLinkOpen(link, ms(now)); }
  void linkMessage(LinkId link, const val& text, double now) { room_.onLinkMessage(link, fromJsString(text), ms(now)); }
  // why: "closed", "ice-failed" or "dtls-failed".
  void linkClosed(LinkId link, double now, const val& why) { room_.onLinkClosed(link, ms(now), linkEndFromJs(why)); }
  // This browser's own network changed (web/network-watch.js saw an address of its own it had not had).
  void networkChanged(double now) { room_.onNetworkChanged(ms(now)); }
  // The answer to effect 'check-network' when the look found no address of its own it had not had.
  void networkChecked(double now) { room_.onNetworkChecked(ms(now)); }
  void tick(double now) { room_.tick(ms(now)); }

  val poll() {
    auto effect = room_.poll();
    return effect ? std::visit(EffectToJs{}, *effect) : val::null();
  }
  val nextDeadline() const {
    auto deadline = room_.nextDeadline();
    return deadline ? val(static_cast<double>(*deadline)) : val::null();
  }
  val history() const { return arrayToJs(room_.history()); }
  val members() const { return arrayToJs(room_.members()); }
  val outbox() const { return arrayToJs(room_.outbox()); }
  double midCounter() const { return static_cast<double>(room_.midCounter()); }
  val nick() const { return toJsString(room_.nick()); }
  val selfId() const { return toJsString(room_.selfId()); }
  LinkId linkTo(const val& id) const { return room_.linkTo(fromJsString(id)); }
  val state() const { return toJsString(toString(room_.state())); }
  double droppedMessages() const { return static_cast<double>(room_.droppedMessages()); }
  val lastDropReason() const { return toJsString(room_.lastDropReason()); }

 private:
  Room room_;
};

}  // namespace
}  // namespace webchat

EMSCRIPTEN_BINDINGS(webchat) {
  using webchat::RoomBinding;
  emscripten::class_<RoomBinding>("Room")
      .constructor<emscripten::val>()
      .function("join", &RoomBinding::join)
      .function("leave", &RoomBinding::leave)
      .function("closeRoom", &RoomBinding::closeRoom)
      .function("send", &RoomBinding::send)
      .function("edit", &RoomBinding::edit)
      .function("remove", &RoomBinding::remove)
      .function("react", &RoomBinding::react)
      .function("typing", &RoomBinding::typing)
      .function("rename", &RoomBinding::rename)
      .function("relay", &RoomBinding::relay)
      .function("shareFile", &RoomBinding::shareFile)
      .function("signalDone", &RoomBinding::signalDone)
      .function("signalUnreadable", &RoomBinding::signalUnreadable)
      .function("signed", &RoomBinding::signed_)
      .function("verified", &RoomBinding::verified)
      .function("linkDescribed", &RoomBinding::linkDescribed)
      .function("linkCandidates", &RoomBinding::linkCandidates)
      .function("linkOpen", &RoomBinding::linkOpen)
      .function("linkMessage", &RoomBinding::linkMessage)
      .function("linkClosed", &RoomBinding::linkClosed)
      .function("networkChanged", &RoomBinding::networkChanged)
      .function("networkChecked", &RoomBinding::networkChecked)
      .function("tick", &RoomBinding::tick)
      .function("poll", &RoomBinding::poll)
      .function("nextDeadline", &RoomBinding::nextDeadline)
      .function("history", &RoomBinding::history)
      .function("members", &RoomBinding::members)
      .function("outbox", &RoomBinding::outbox)
      .function("midCounter", &RoomBinding::midCounter)
      .function("nick", &RoomBinding::nick)
      .function("selfId", &RoomBinding::selfId)
      .function("linkTo", &RoomBinding::linkTo)
      .function("state", &RoomBinding::state)
      .function("droppedMessages", &RoomBinding::droppedMessages)
      .function("lastDropReason", &RoomBinding::lastDropReason);
}
