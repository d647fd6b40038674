#pragma once
// Member and offer ids: 16 lowercase hex digits from a seeded generator, so a simulation run with the
// same seed makes the same ids. Browsers seed it from crypto.getRandomValues.

#include <cstdint>
#include <string>

namespace webchat {

class RandomIds final {
 public:
  explicit RandomIds(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  std::string id() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t value = next();
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = kHex[value & 0xF];
    return out;
  }

 private:
  std::uint64_t state_;
};

}  // namespace webchat
