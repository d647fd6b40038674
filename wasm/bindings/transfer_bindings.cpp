// embind registration of the file-transfer state machine (wasm/core/transfer): converts values, adds
// no behaviour. web/files/ drives it like web/webchat.js drives the Room: feed an input, drain poll().

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_text.hpp"
#include "transfers.hpp"

namespace webchat {
namespace {

using emscripten::val;
using namespace transfer;

val tagged(const char* type) {
  val out = val::object();
  out.set("type", toJsString(type));
  return out;
}

// Sizes and offsets stay below 2^53 (kMaxFileBytes): exact as JS numbers.
double number(std::uint64_t value) { return static_cast<double>(value); }

struct EffectToJs {
  val operator()(const effect::SendText& e) const {
    val out = tagged("send-text");
    out.set("peer", toJsString(e.peer));
    out.set("text", toJsString(e.text));
    return out;
  }
  val operator()(const effect::SendChunk& e) const {
    val out = tagged("send-chunk");
    out.set("peer", toJsString(e.peer));
    out.set("request", e.request);
    out.set("hash", toJsString(e.hash));
    out.set("offset", number(e.offset));
    out.set("length", e.length);
    return out;
  }
  val operator()(const effect::StopSending& e) const {
    val out = tagged("stop-sending");
    out.set("peer", toJsString(e.peer));
    out.set("request", e.request);
    return out;
  }
  val operator()(const effect::CutOff& e) const {
    val out = tagged("cut-off");
    out.set("peer", toJsString(e.peer));
    out.set("reason", toJsString(e.reason));
    out.set("hash", toJsString(e.hash));
    return out;
  }
  val operator()(const effect::Verify& e) const {
    val out = tagged("verify");
    out.set("transfer", e.transfer);
    return out;
  }
  val operator()(const effect::Ended& e) const {
    val out = tagged("ended");
    out.set("transfer", e.transfer);
    out.set("outcome", toJsString(toString(e.outcome)));
    out.set("reason", toJsString(e.reason));
    out.set("bytes", number(e.bytes));
    return out;
  }
  val operator()(const effect::Served& e) const {
    val out = tagged("served");
    out.set("peer", toJsString(e.peer));
    out.set("request", e.request);
    out.set("hash", toJsString(e.hash));
    out.set("acked", number(e.acked));
    out.set("size", number(e.size));
    out.set("done", e.done);
    out.set("reason", toJsString(e.reason));
    return out;
  }
};

Millis ms(double now) { return static_cast<Millis>(now); }
std::uint64_t bytes(double value) { return value > 0 ? static_cast<std::uint64_t>(value) : 0; }

class TransfersBinding {
 public:
  val offer(const val& hash, double size) { return toJsString(transfers_.offer(fromJsString(hash), bytes(size))); }
  void withdraw(const val& hash, double now) { transfers_.withdraw(fromJsString(hash), ms(now)); }
  TransferId fetch(const val& hash, double size, const val& peer, double now) {
    return transfers_.fetch(fromJsString(hash), bytes(size), fromJsString(peer), ms(now));
  }
  val resume(TransferId transfer, const val& peer, double now) {
    return toJsString(transfers_.resume(transfer, fromJsString(peer), ms(now)));
  }
  void cancel(TransferId transfer, double now) { transfers_.cancel(transfer, ms(now)); }
  TransferId chunk(const val& peer, RequestNo request, double offset, double length, double now) {
    return transfers_.onChunk(fromJsString(peer), request, bytes(offset), bytes(length), ms(now));
  }
  void stored(TransferId transfer, double upto, double now) { transfers_.onStored(transfer, bytes(upto), ms(now)); }
  void hashed(TransferId transfer, const val& hash, double now) { transfers_.onHashed(transfer, fromJsString(hash), ms(now)); }
  void text(const val& peer, const val& text, double now) { transfers_.onText(fromJsString(peer), fromJsString(text), ms(now)); }
  void linkClosed(const val& peer, double now) { transfers_.onLinkClosed(fromJsString(peer), ms(now)); }
  void tick(double now) { transfers_.tick(ms(now)); }

  val poll() {
    auto effect = transfers_.poll();
    return effect ? std::visit(EffectToJs{}, *effect) : val::null();
  }
  val nextDeadline() const {
    auto deadline = transfers_.nextDeadline();
    return deadline ? val(static_cast<double>(*deadline)) : val::null();
  }
  bool offers(const val& hash) const { return transfers_.offers(fromJsString(hash)); }
  double cutOffs() const { return number(transfers_.cutOffs()); }
  val lastCutOffReason() const { return toJsString(transfers_.lastCutOffReason()); }

 private:
  Transfers transfers_;
};

}  // namespace
}  // namespace webchat

EMSCRIPTEN_BINDINGS(webchat_transfers) {
  using webchat::TransfersBinding;
  emscripten::class_<TransfersBinding>("Transfers")
      .constructor<>()
      .function("offer", &TransfersBinding::offer)
      .function("withdraw", &TransfersBinding::withdraw)
      .function("fetch", &TransfersBinding::fetch)
      .function("resume", &TransfersBinding::resume)
      .function("cancel", &TransfersBinding::cancel)
      .function("chunk", &TransfersBinding::chunk)
      .function("stored", &TransfersBinding::stored)
      .function("hashed", &TransfersBinding::hashed)
      .function("text", &TransfersBinding::text)
      .function("linkClosed", &TransfersBinding::linkClosed)
      .function("tick", &TransfersBinding::tick)
      .function("poll", &TransfersBinding::poll)
      .function("nextDeadline", &TransfersBinding::nextDeadline)
      .function("offers", &TransfersBinding::offers)
      .function("cutOffs", &TransfersBinding::cutOffs)
      .function("lastCutOffReason", &TransfersBinding::lastCutOffReason);
  emscripten::constant("transferChunkBytes", webchat::transfer::kChunkBytes);
  emscripten::constant("transferChunkHeaderBytes", webchat::transfer::kChunkHeaderBytes);
  emscripten::constant("transferWindowBytes", static_cast<double>(webchat::transfer::kWindowBytes));
}
