// One seed per test run for the simulator's random tests: from
// WATTLE_TEST_SEED when set, else fixed, and printed once so a failure can be
// replayed.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>

namespace wattle::sim {

inline uint64_t test_seed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("WATTLE_TEST_SEED");
    const uint64_t s = env ? std::strtoull(env, nullptr, 10) : 20251127;
    std::cout << "sim test seed=" << s << " (set WATTLE_TEST_SEED to replay)\n";
    return s;
  }();
  return seed;
}

}  // namespace wattle::sim
