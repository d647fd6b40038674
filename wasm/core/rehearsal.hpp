#pragma once
// A join played out in memory, between two throwaway rooms, to warm up the WebAssembly.
//
// Browsers compile a WebAssembly function on its first call (lazy compilation). Without a rehearsal,
// a real join pays for compiling the JSON codec and the room code on its critical path: ~10 ms on
// the first signaling reply alone, more on a busy phone. The driver calls this once, right after the
// module is instantiated, while a person is still typing a nickname.

namespace webchat {

// Returns true when the rehearsal went all the way: the guest was welcomed, its trickled candidates
// reached the host, and each side received the other's chat line (so every step of a join really ran,
// and the warm-up is not silently empty).
bool rehearseJoin();

}  // namespace webchat
