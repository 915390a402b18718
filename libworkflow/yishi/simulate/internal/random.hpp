// Random numbers for the simulation: a small, portable generator (the standard library's
// distributions differ between implementations, which would break "same seed, same numbers
// on any machine"), and the duration distributions on top of it.
#pragma once

#include <cmath>
#include <cstdint>

#include "yishi/simulate/simulate.hpp"

namespace yishi::simulate::internal {

/// splitmix64: a one-step mixer, used to derive independent streams from (seed, keys).
[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t z) noexcept {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
[[nodiscard]] constexpr std::uint64_t stream(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) noexcept {
  return mix(mix(mix(seed) ^ a) ^ (b * 0xD1B54A32D192ED03ULL));
}

/// A 64-bit generator with one word of state (splitmix64 sequence): fast, portable, and small
/// enough to keep one per simulated applicant.
struct Rng {
  std::uint64_t state = 0;
  [[nodiscard]] std::uint64_t next() noexcept {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  [[nodiscard]] double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  [[nodiscard]] bool chance(double p) noexcept { return p > 0 && uniform() < p; }
  /// Standard normal (Box–Muller; one value per call, for reproducibility over speed).
  [[nodiscard]] double normal() noexcept {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

/// Draws a duration in office hours (≥ 0).
[[nodiscard]] double sample(const Distribution& d, Rng& rng);

}  // namespace yishi::simulate::internal
