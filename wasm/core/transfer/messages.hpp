#pragma once
// The file-transfer protocol on a direct link between two members (docs/files.md): small JSON control
// messages, and binary chunks whose 16-byte header the driver reads (see kChunkHeaderBytes).
//
// A receiver pulls: `get` asks a holder for a file (by hash and size) from an offset; the holder
// streams chunks in order, never more than kWindowBytes past the receiver's last `ack`; `cancel` stops
// it. A holder answers `none` when it does not hold the file (or is busy), `end` when it stops.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace webchat::transfer {

using RequestNo = std::uint32_t;  // one get, chosen by the receiver; names its chunks on the wire

// Every chunk carries exactly kChunkBytes of data, except the file's last (the remainder). A chunk is
// one binary data-channel message: a 16-byte header (request number, 4 zero bytes, offset, all
// big-endian), then the data. 64 KiB + 16 fits both browsers' message limits.
inline constexpr std::uint32_t kChunkBytes = 64 * 1024;
inline constexpr std::uint32_t kChunkHeaderBytes = 16;
// How far past its last ack a receiver lets a holder send: what it may have to hold in memory before
// storing. 64 chunks; enough to keep a loopback link busy (docs/files.md has the measurement).
inline constexpr std::uint64_t kWindowBytes = 64ull * kChunkBytes;
inline constexpr std::uint64_t kMaxFileBytes = 1ull << 53;  // sizes stay exact as JS numbers
inline constexpr std::size_t kMaxControlBytes = 512;
inline constexpr std::size_t kMaxReasonBytes = 32;

struct Get {
  RequestNo request = 0;
  std::string hash;  // 64 lowercase hex
  std::uint64_t size = 0;
  std::uint64_t from = 0;  // a multiple of kChunkBytes, or size
};
struct Ack {
  RequestNo request = 0;
  std::uint64_t upto = 0;  // bytes of the file the receiver has stored, counted from 0
};
struct Cancel {
  RequestNo request = 0;
};
struct None {  // reason: "unknown" (not held) or "busy"
  RequestNo request = 0;
  std::string reason;
};
struct End {  // the holder stops: "cancelled" (its owner stopped sharing) or "idle" (no ack for long)
  RequestNo request = 0;
  std::string reason;
};
using Control = std::variant<Get, Ack, Cancel, None, End>;

std::string encode(const Control& message);

struct Decoded {
  std::optional<Control> message;
  std::string error;  // why the text was refused, when message is empty
};
Decoded decode(std::string_view text);

bool isFileHash(std::string_view text);  // 64 lowercase hex digits

}  // namespace webchat::transfer
