// Counter-based random numbers for the simulator.
//
// Promise: a draw is a pure function of (seed, stream, index), so results do
// not depend on how work is split across threads or in which order it runs
// (same seed -> same output). SplitMix64 finaliser (Steele, Lea, Flood 2014);
// statistical quality is ample for noise and agent prices, not for crypto.
#pragma once

#include <cmath>
#include <cstdint>

namespace wattle::sim {

inline uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline uint64_t draw_u64(uint64_t seed, uint64_t stream, uint64_t index) {
  return mix64(mix64(seed ^ mix64(stream)) ^ index);
}

// Uniform in [0, 1).
inline double draw_unit(uint64_t seed, uint64_t stream, uint64_t index) {
  return static_cast<double>(draw_u64(seed, stream, index) >> 11) * 0x1.0p-53;
}

// Standard normal (Box-Muller on two independent draws).
inline double draw_normal(uint64_t seed, uint64_t stream, uint64_t index) {
  const double u1 = 1.0 - draw_unit(seed, stream, 2 * index);
  const double u2 = draw_unit(seed, stream, 2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// A sequential generator for code that draws in a fixed order (the auction
// experiment, agents within one slot): same seed -> same sequence.
class Rng {
 public:
  explicit Rng(uint64_t seed, uint64_t stream = 0) : seed_(seed), stream_(stream) {}
  uint64_t next() { return draw_u64(seed_, stream_, counter_++); }
  double unit() { return draw_unit(seed_, stream_, counter_++); }
  // Uniform integer in [lo, hi] (lo <= hi); the modulo bias is below 2^-40 for
  // the ranges used here.
  int64_t uniform_int(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(next() % span);
  }

 private:
  uint64_t seed_;
  uint64_t stream_;
  uint64_t counter_ = 0;
};

}  // namespace wattle::sim
