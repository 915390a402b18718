// StableHash: a 64-bit hash that never changes between builds, runs or machines (unlike
// std::hash), for values that are stored: command fingerprints, the chain of a case's
// commits, snapshot checksums.
//
// FNV-1a's multiply over 8-byte words, strings length-prefixed so that field boundaries
// count, and splitmix64's finaliser for the avalanche.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace yishi {

class StableHash {
 public:
  StableHash& add(std::uint64_t v) noexcept {
    h_ = (h_ ^ v) * 0x100000001b3ULL;
    h_ ^= h_ >> 29;
    return *this;
  }
  StableHash& add(std::string_view s) noexcept {
    add(static_cast<std::uint64_t>(s.size()));
    std::size_t k = 0;
    for (; k + 8 <= s.size(); k += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + k, 8);
      add(w);
    }
    std::uint64_t tail = 0;
    for (std::size_t j = 0; k < s.size(); ++k, ++j) tail |= std::uint64_t{static_cast<unsigned char>(s[k])} << (8 * j);
    return add(tail);
  }
  [[nodiscard]] std::uint64_t value() const noexcept {
    std::uint64_t z = h_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace yishi
