#pragma once
// The numbers the room protocol promises. docs/protocol.md lists them; change both together.

#include <cstddef>
#include <cstdint>

namespace webchat {

using Millis = std::int64_t;  // milliseconds on the driver's clock (virtual in simulation tests)

inline constexpr int kProtocolVersion = 2;

// Sizes.
inline constexpr std::size_t kMaxTextChars = 4000;      // one chat line, in Unicode code points
inline constexpr std::size_t kMaxNickChars = 32;        // a nickname, in Unicode code points
inline constexpr std::size_t kMaxRoomNameBytes = 64;    // room names use the signaling ID alphabet
inline constexpr std::size_t kMaxPeerMessageBytes = 64 * 1024;  // one data-channel message or signaling text
inline constexpr std::size_t kMaxRoomMembers = 32;
inline constexpr std::size_t kMaxHistory = 1000;         // chat lines a room keeps and hands newcomers
inline constexpr std::size_t kMaxOutbox = 100;           // own lines waiting to be sequenced
// ICE candidates in one candidates text: a browser finds a few per network interface and ICE server.
inline constexpr std::size_t kMaxCandidates = 64;
inline constexpr std::size_t kMaxCandidateBytes = 512;  // one "candidate:..." value (typically ~100-200)
// A file entry's description (the bytes travel over direct links, docs/files.md).
inline constexpr std::size_t kMaxFileNameChars = 255;             // in Unicode code points
inline constexpr std::size_t kMaxFileTypeBytes = 127;             // a MIME type, printable ASCII
inline constexpr std::uint64_t kMaxFileSize = 1ULL << 53;         // exact in a JS number
inline constexpr std::uint64_t kDefaultMaxFileBytes = 1ULL << 30;  // Room::Config::maxFileBytes (1 GiB)

// Joining.
// How long a joiner waits for a parked offer. A host re-parks within a round trip (it keeps a described
// spare offer), so this only has to cover the host's own probe and a slow server.
inline constexpr Millis kProbeTimeoutMs = 1500;
inline constexpr Millis kOfferRenewMs = 30000;         // an offer nobody took is replaced after this
// While a newcomer connects, the host's described spare offer waits this long at most before it is
// parked (it is parked at once when the newcomer gets in or fails). A probe long-polls for longer.
inline constexpr Millis kSpareHoldMs = 500;
// Once a newcomer is in, the spare is parked and the next one described this much later: the host's
// createOffer, gathering and request ran while the newcomer's end of the channel was still opening and
// delayed its first line by 5-7 ms (docs/web.md). A joiner arriving meanwhile long-polls that long more.
inline constexpr Millis kSpareAfterAdmitMs = 60;
inline constexpr Millis kAnswerWaitMs = 5000;          // host waits this long for the answer to a taken offer
inline constexpr Millis kAnswerParkMs = 4000;          // guest parks its answer this long: no taker = dead host
inline constexpr Millis kConnectTimeoutMs = 8000;      // answer taken → channel open and welcome received
// A host whose own network changed tells a joiner still connecting on an offer it described before to
// look again (a retry text, docs/protocol.md "A network of one's own"). The joiner reads the retry ID
// only if its channel is not open this long after its answer was taken, so an ordinary join (open in
// tens of milliseconds) makes no extra request; it reads until its connect timeout, as long as the
// host parks the text.
inline constexpr Millis kRetryListenAfterMs = 500;
inline constexpr Millis kRetryParkMs = kConnectTimeoutMs;
// A joiner parks its trickled candidates as long as its answer; the host waits for them until the
// newcomer connects or its connect timeout ends the attempt.
inline constexpr Millis kCandidatesParkMs = kAnswerParkMs;
// A joiner says hello (first sent in its answer) again this often after its channel opens, until the
// host answers: Chromium has been seen to lose a message sent the moment a channel opens (~1 join in
// 40 while the host gathered another offer), which cost the whole connect timeout. A repeat reaching
// a host that already answered gets the answer again (it may have been the message lost).
inline constexpr Millis kHelloResendMs = 500;
// A host answers such a repeat at most this often per joiner, and once per kHelloResendMs: an answer
// carries the history (up to kMaxHistory lines), and a joiner must not make the host flood its link.
inline constexpr int kMaxAnswersAgain = 3;
// A joiner that cannot reach the host it found (an attempt ends with ICE failed, or without the channel
// opening in time) tries once more, and gives up with "no-route" at most this long after the join
// started (join()'s time: the browser module passes when joinRoom was called). Issue #17 promises 15 s
// from the person's click; the 2 s left cover the page's work before joinRoom and timers late on a
// busy machine.
inline constexpr Millis kNoRouteMs = 13000;
inline constexpr Millis kRetryInitialMs = 500;         // first back-off after a signaling failure
inline constexpr Millis kRetryMaxMs = 8000;            // back-off ceiling

// Liveness.
inline constexpr Millis kHeartbeatMs = 1000;           // each side sends at least this often
inline constexpr Millis kHostSilenceMs = 3000;         // a guest that hears nothing this long starts a failover
inline constexpr Millis kGuestSilenceMs = 4500;        // a host drops a guest silent this long (< 6 s promised)

// Failover and merging.
inline constexpr Millis kSuccessorStepMs = 2500;       // each later successor waits this much longer to take over
inline constexpr Millis kFailoverSettleMs = 2500;      // a new host gathers old history before sequencing new lines
inline constexpr Millis kRejoinProbeMs = 1000;         // long-poll length of a reconnecting member's probes
inline constexpr Millis kHostProbeEveryMs = 2000;      // how often a host looks for another host of its room

// A member whose own network changed (the driver saw a new address: onNetworkChanged). For this long
// its links' silence is taken as its own doing, as after a pause: it looks for its room's host before
// taking anything over. A host looks for other hosts this often meanwhile (its guests are failing over
// to its first successor, which it joins as soon as it finds it).
inline constexpr Millis kMovedWindowMs = 10000;
inline constexpr Millis kMovedHostProbeMs = 500;
// A first successor whose host falls silent asks its driver to look at its own addresses before taking
// the room over (effect::CheckNetwork), and waits this long at most for the answer: a browser learns of a
// new address of its own seconds late (Chromium on Linux: 2 s), so the silence may be its own move
// (issue #17: a moved first successor took a healthy room over). The browser module answers after
// ~0.8 s of looks; a driver that does not watch answers at once.
inline constexpr Millis kNetworkCheckMs = 1000;
// A first successor whose host fell silent probes this many times at most, without waiting, for an offer
// its host parked after a move of its own (rank.moves) before it takes over: what a dead host left
// parked, or a lost host that lives on out of reach parking again at once, costs no more than that.
inline constexpr int kFirstSuccessorLooks = 3;

// Flow control: each guest may send this many lines per second on average, in bursts of kSayBurst.
inline constexpr double kSayPerSecond = 5.0;
inline constexpr double kSayBurst = 20.0;
// A guest resends its oldest unsequenced lines this often (a burst over the limit, a line lost with a
// dying host); the host ignores mids it already has, so resends never duplicate.
inline constexpr Millis kResendMs = 2000;
inline constexpr std::size_t kResendBatch = 5;
// Once a host drops a guest's entry for the rate limit, it drops that guest's later entries too until
// the dropped one comes back (resends go oldest first), so the room gets them in the order written;
// for this long at most, in case it never does (a guest that gave up on it).
inline constexpr Millis kKeepOrderMs = 3 * kResendMs;
// A host refuses a new entry whose author's time is further than this from its own clock.
inline constexpr Millis kMaxClockSkewMs = 10 * 60 * 1000;

// Typing: a member says so at most this often; a host relays at most one per member per kTypingRelayMs.
inline constexpr Millis kTypingEveryMs = 2000;
inline constexpr Millis kTypingRelayMs = 1000;

// Relays (guest → host → guest): at most kMaxRelayBytes of data each, kRelayPerSecond per guest on
// average in bursts of kRelayBurst.
inline constexpr std::size_t kMaxRelayBytes = 60000;
inline constexpr double kRelayPerSecond = 50.0;
inline constexpr double kRelayBurst = 100.0;

}  // namespace webchat
