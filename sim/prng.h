// Prng: the simulator's one source of randomness. xoshiro256** seeded through
// SplitMix64, with distributions written here (std:: distributions differ
// between standard libraries, so they would break cross-machine replay).
// Passed explicitly by reference; never global, never reseeded from the clock.
#pragma once

#include <cassert>
#include <cstdint>

namespace dwsim::sim {

__extension__ using Uint128 = unsigned __int128;

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : s_) word = splitmix64(x);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound). REQUIRES: bound > 0. Lemire's method with rejection.
  std::uint64_t below(std::uint64_t bound) {
    assert(bound > 0);
    for (;;) {
      const Uint128 m = static_cast<Uint128>(next()) * bound;
      const auto low = static_cast<std::uint64_t>(m);
      if (low >= bound || low >= (0 - bound) % bound) return static_cast<std::uint64_t>(m >> 64);
    }
  }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    assert(lo <= hi);
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  // True with probability per_mille / 1000.
  bool chance(int per_mille) { return static_cast<int>(below(1000)) < per_mille; }

  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Derives an independent seed for a sub-stream (cell, case, job) from a parent seed.
inline std::uint64_t derive_seed(std::uint64_t parent, std::uint64_t stream) {
  std::uint64_t x = parent ^ (stream * 0xD1B54A32D192ED03ull);
  return Prng::splitmix64(x);
}

}  // namespace dwsim::sim
