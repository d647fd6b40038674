// embind registration of the room logic: converts values, adds no behaviour. Text goes through
// js_text.hpp, not embind's std::string conversion (see there why). The JS side
// (web/webchat.js) drives it: feeds inputs, drains poll() and carries out each effect.

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_text.hpp"
#include "room.hpp"

namespace webchat {
namespace {

using emscripten::val;

val toJs(const Member& m) {
  val out = val::object();
  out.set("id", toJsString(m.id));
  out.set("nick", toJsString(m.nick));
  out.set("host", m.host);
  return out;
}

val toJs(const ChatMessage& m) {
  val out = val::object();
  out.set("seq", static_cast<double>(m.seq));
  out.set("mid", toJsString(m.mid));
  out.set("from", toJsString(m.from));
  out.set("nick", toJsString(m.nick));
  out.set("text", toJsString(m.text));
  out.set("time", static_cast<double>(m.time));
  return out;
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
  val operator()(const effect::CloseLink& e) const {
    val out = tagged("close-link");
    out.set("link", e.link);
    return out;
  }
  val operator()(const effect::StatusChanged& e) const {
    val out = tagged("status");
    out.set("state", toJsString(toString(e.state)));
    out.set("error", toJsString(e.error));
    return out;
  }
  val operator()(const effect::MessageAdded& e) const {
    val out = tagged("message");
    out.set("message", toJs(e.message));
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
    return out;
  }
};

// JS numbers are doubles: times arrive as such and are whole milliseconds.
Millis ms(double now) { return static_cast<Millis>(now); }

Sealing toSealing(const std::string& kind) {
  if (kind == "secret") return Sealing::Secret;
  if (kind == "password") return Sealing::Password;
  return Sealing::None;
}

class RoomBinding {
 public:
  RoomBinding(const val& room, const val& nick, double seedHigh, double seedLow)
      : RoomBinding(room, nick, seedHigh, seedLow, val("none")) {}
  // sealing: "none" (a public room), "secret" or "password" (the driver seals the signaling texts).
  RoomBinding(const val& room, const val& nick, double seedHigh, double seedLow, const val& sealing)
      : room_(Room::Config{fromJsString(room), fromJsString(nick),
                           (static_cast<std::uint64_t>(seedHigh) << 32) | static_cast<std::uint32_t>(seedLow),
                           toSealing(fromJsString(sealing))}) {}

  void join(double now) { room_.join(ms(now)); }
  void leave(double now) { room_.leave(ms(now)); }
  void closeRoom(double now) { room_.closeRoom(ms(now)); }
  val send(const val& text, double now) { return toJsString(room_.send(fromJsString(text), ms(now))); }
  void signalDone(RequestId request, int status, const val& body, double now) {
    room_.onSignalDone(request, status, fromJsString(body), ms(now));
  }
  void signalUnreadable(RequestId request, double now) { room_.onSignalUnreadable(request, ms(now)); }
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
  void linkClosed(LinkId link, double now) { room_.onLinkClosed(link, ms(now)); }
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
  val selfId() const { return toJsString(room_.selfId()); }
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
      .constructor<emscripten::val, emscripten::val, double, double>()
      .constructor<emscripten::val, emscripten::val, double, double, emscripten::val>()
      .function("join", &RoomBinding::join)
      .function("leave", &RoomBinding::leave)
      .function("closeRoom", &RoomBinding::closeRoom)
      .function("send", &RoomBinding::send)
      .function("signalDone", &RoomBinding::signalDone)
      .function("signalUnreadable", &RoomBinding::signalUnreadable)
      .function("linkDescribed", &RoomBinding::linkDescribed)
      .function("linkCandidates", &RoomBinding::linkCandidates)
      .function("linkOpen", &RoomBinding::linkOpen)
      .function("linkMessage", &RoomBinding::linkMessage)
      .function("linkClosed", &RoomBinding::linkClosed)
      .function("tick", &RoomBinding::tick)
      .function("poll", &RoomBinding::poll)
      .function("nextDeadline", &RoomBinding::nextDeadline)
      .function("history", &RoomBinding::history)
      .function("members", &RoomBinding::members)
      .function("selfId", &RoomBinding::selfId)
      .function("state", &RoomBinding::state)
      .function("droppedMessages", &RoomBinding::droppedMessages)
      .function("lastDropReason", &RoomBinding::lastDropReason);
}
