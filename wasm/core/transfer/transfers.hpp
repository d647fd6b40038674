#pragma once
// One member's file transfers, as a state machine with no I/O and no clock of its own (like Room).
//
// The driver owns the direct links (one per other member, carrying messages.hpp's protocol), the
// bytes and the hashing; this class decides what may be sent and received. As a receiver it pulls
// a file from one holder at a time (fetch, then resume from another holder after an interruption);
// as a holder it serves files it offers, within each receiver's window. Anything a peer sends outside
// the protocol (out-of-range, duplicate, oversized or unasked chunks, data past the window, malformed
// texts, acks of bytes never sent) cuts that peer's link off: its transfers stop, nobody else's.
//
// Driver loop: feed an input, drain poll() until empty, call tick() at nextDeadline().

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "messages.hpp"

namespace webchat::transfer {

using Millis = std::int64_t;
using TransferId = std::uint32_t;  // one incoming file at this member (across its resumes)
using PeerId = std::string;        // the member at the other end of a direct link

inline constexpr Millis kAnswerMs = 10000;     // a get unanswered this long: ask another holder
inline constexpr Millis kStallMs = 15000;      // no chunk this long while the window is open: same
inline constexpr Millis kIdleServeMs = 30000;  // a holder stops serving a receiver silent this long
inline constexpr std::size_t kMaxServedPerPeer = 4;
inline constexpr std::size_t kMaxServed = 32;
inline constexpr std::size_t kMaxDraining = 64;  // finished requests whose in-flight chunks are tolerated
inline constexpr std::size_t kMaxCompleted = 64;  // completed requests whose chunks are told apart ("after-end")
inline constexpr std::size_t kMaxWithdrawn = 64;  // files we stopped sharing, answered "withdrawn" when asked

enum class Outcome { Complete, Incomplete, Cancelled, Failed };
const char* toString(Outcome outcome);

namespace effect {
struct SendText {  // one control message on the direct link to peer
  PeerId peer;
  std::string text;
};
struct SendChunk {  // holder: read [offset, offset + length) of the file and send it as one chunk
  PeerId peer;
  RequestNo request;
  std::string hash;
  std::uint64_t offset;
  std::uint32_t length;
};
struct StopSending {  // holder: drop the chunks of this request not sent yet
  PeerId peer;
  RequestNo request;
};
struct CutOff {  // close the direct link to peer (it broke the protocol); no onLinkClosed needed
  PeerId peer;
  std::string reason;
  std::string hash = {};  // the file the offending chunk claimed to be of, when known; else ""
};
struct Verify {  // receiver: every byte is in: finish the hash and report it with onHashed
  TransferId transfer;
};
struct Ended {  // receiver: a transfer stopped. Incomplete keeps its bytes: resume() it elsewhere
  TransferId transfer;
  Outcome outcome;
  std::string reason;
  std::uint64_t bytes;  // received so far
};
struct Served {  // holder: a receiver's progress (acked bytes), and its end (done, with a reason)
  PeerId peer;
  RequestNo request;
  std::string hash;
  std::uint64_t acked;
  std::uint64_t size;
  bool done;
  std::string reason;  // when done: "complete", "cancelled", "withdrawn", "idle", "gone", "cut-off"
};
}  // namespace effect

using Effect = std::variant<effect::SendText, effect::SendChunk, effect::StopSending, effect::CutOff,
                            effect::Verify, effect::Ended, effect::Served>;

class Transfers final {
 public:
  // --- Holder inputs --------------------------------------------------------------------------
  // Serve the file with this hash and size to whoever asks. Returns "" or why not (a bad hash or size).
  [[nodiscard]] std::string offer(std::string_view hash, std::uint64_t size);
  // Stop serving it: every receiver still pulling it is told "cancelled", and one asking later
  // "withdrawn" (not "unknown": its person sees the sender cancelled, not a file nobody holds).
  void withdraw(std::string_view hash, Millis now);

  // --- Receiver inputs ------------------------------------------------------------------------
  // Starts pulling a file from holder `peer`. Returns 0 (and does nothing) for a bad hash or size.
  [[nodiscard]] TransferId fetch(std::string_view hash, std::uint64_t size, const PeerId& peer, Millis now);
  // Pull an Incomplete transfer on from the bytes it has, from `peer`. Returns "" or why not.
  [[nodiscard]] std::string resume(TransferId transfer, const PeerId& peer, Millis now);
  void cancel(TransferId transfer, Millis now);
  // A chunk's header arrived (its data follows in the same message, `length` bytes). Returns the
  // transfer to append the data to, or 0: drop it (a chunk still in flight from a request we ended,
  // or a hostile one, whose peer is then cut off).
  [[nodiscard]] TransferId onChunk(const PeerId& peer, RequestNo request, std::uint64_t offset,
                                   std::uint64_t length, Millis now);
  // The driver has stored the transfer's bytes up to `upto` (the window reopens as it does).
  void onStored(TransferId transfer, std::uint64_t upto, Millis now);
  void onHashed(TransferId transfer, std::string_view hash, Millis now);

  // --- Both -----------------------------------------------------------------------------------
  void onText(const PeerId& peer, std::string_view text, Millis now);
  void onLinkClosed(const PeerId& peer, Millis now);
  void tick(Millis now);

  [[nodiscard]] std::optional<Effect> poll();
  [[nodiscard]] std::optional<Millis> nextDeadline() const;

  // --- Observers ------------------------------------------------------------------------------
  bool offers(std::string_view hash) const { return offered_.count(std::string(hash)) > 0; }
  std::uint64_t received(TransferId transfer) const;
  std::size_t serving() const { return served_.size(); }
  std::uint64_t cutOffs() const { return cutOffs_; }
  const std::string& lastCutOffReason() const { return lastCutOffReason_; }

 private:
  enum class Stage { Asking, Receiving, Verifying, Done, Incomplete };
  struct Incoming {
    std::string hash;
    std::uint64_t size = 0;
    Stage stage = Stage::Asking;
    PeerId peer;                // the holder asked last
    RequestNo request = 0;      // its current request
    std::uint64_t next = 0;     // bytes received
    std::uint64_t stored = 0;   // bytes the driver stored
    std::uint64_t acked = 0;    // the window's base, as last told to the holder
    Millis lastHeard = 0;
  };
  struct Serving {
    std::string hash;
    std::uint64_t size = 0;
    std::uint64_t sent = 0;   // bytes handed to the driver to send
    std::uint64_t acked = 0;
    Millis lastAck = 0;
  };
  struct Draining {  // a request we ended: the holder may still have chunks in flight, up to `end`
    PeerId peer;
    std::uint64_t end = 0;
  };
  struct Completed {  // a request whose file arrived whole: any chunk for it is data past the end
    PeerId peer;
    std::string hash;
  };
  using ServeKey = std::pair<PeerId, RequestNo>;

  void onGet(const PeerId& peer, const Get& m, Millis now);
  void onAck(const PeerId& peer, const Ack& m, Millis now);
  void onCancel(const PeerId& peer, const Cancel& m);
  void onHolderStop(const PeerId& peer, RequestNo request, Outcome outcome, const std::string& reason);
  void ask(TransferId id, Incoming& in, const PeerId& peer, Millis now);
  void fill(const ServeKey& key, Serving& s);
  void stopServing(std::map<ServeKey, Serving>::iterator it, const std::string& reason, bool tellReceiver);
  // Ends the current request of a transfer: its in-flight chunks are tolerated, then dropped.
  void release(Incoming& in, bool tellHolder);
  void end(TransferId id, Incoming& in, Outcome outcome, const std::string& reason);
  void cutOff(const PeerId& peer, const std::string& reason, Millis now, const std::string& hash = {});
  Incoming* byRequest(const PeerId& peer, RequestNo request, TransferId* id = nullptr);
  void send(const PeerId& peer, const Control& message);

  std::map<std::string, std::uint64_t> offered_;  // hash → size
  std::deque<std::string> withdrawn_;              // hashes we stopped sharing, newest last
  std::map<TransferId, Incoming> incoming_;
  std::map<RequestNo, TransferId> requests_;  // current requests of incoming transfers
  std::map<RequestNo, Draining> draining_;
  std::map<RequestNo, Completed> completed_;
  std::map<ServeKey, Serving> served_;
  std::deque<Effect> effects_;
  TransferId nextTransfer_ = 1;
  RequestNo nextRequest_ = 1;
  std::uint64_t cutOffs_ = 0;
  std::string lastCutOffReason_;
};

}  // namespace webchat::transfer
