// Prng: the simulator's only source of randomness (SplitMix64).
//
// Promises: a pure function of its seed, identical on every platform and
// compiler (no std::random_device, no distribution objects whose output the
// standard leaves implementation-defined). Not thread-safe; one per schedule.
#pragma once

#include <cstdint>

namespace wattle::cluster_sim {

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) for n > 0 (multiply-shift; the bias is < n / 2^64).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  // True with probability percent / 100.
  bool percent(uint32_t percent) { return below(100) < percent; }

 private:
  uint64_t state_;
};

}  // namespace wattle::cluster_sim
