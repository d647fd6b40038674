// Text crossing between JS strings and the WebAssembly memory, through the browser's own UTF-8 codec
// (TextEncoder / TextDecoder, native code). embind's std::string conversion walks every byte in JS:
// on a join's SDP-sized texts those loops ran hot enough that V8 optimized them in the middle of the
// join, on a worker thread (Chromium's tracing: ~10 ms of CPU per join, on a 2-core machine where a
// join is CPU-bound). Bytes that are not UTF-8 become U+FFFD, lone surrogates too.
#pragma once

#include <emscripten/val.h>
#include <emscripten/wire.h>

#include <string>
#include <string_view>

namespace webchat {

/** A JS string (anything else is converted as String() would) as UTF-8 bytes. */
inline std::string fromJsString(const emscripten::val& text) {
  static const emscripten::val encoder = emscripten::val::global("TextEncoder").new_();
  const emscripten::val bytes = encoder.call<emscripten::val>("encode", text);
  std::string out(bytes["length"].as<std::size_t>(), '\0');
  // A view into the wasm memory, made just before the copy: nothing allocates in between.
  emscripten::val(emscripten::typed_memory_view(out.size(), reinterpret_cast<unsigned char*>(out.data())))
      .call<void>("set", bytes);
  return out;
}

/** UTF-8 bytes as a JS string. */
inline emscripten::val toJsString(std::string_view text) {
  static const emscripten::val decoder = emscripten::val::global("TextDecoder").new_();
  return decoder.call<emscripten::val>(
      "decode", emscripten::val(emscripten::typed_memory_view(text.size(), reinterpret_cast<const unsigned char*>(text.data()))));
}

}  // namespace webchat
