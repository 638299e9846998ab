#include "sim/clouds.h"

#include <algorithm>
#include <cmath>

#include "sim/load_profile.h"
#include "sim/rng.h"

namespace wattle::sim {

namespace {
constexpr uint64_t kStreamDay = 0xc10d;
constexpr uint64_t kStreamSlot = 0xc10e;
constexpr double kRho = 0.9;
}  // namespace

std::vector<double> clear_sky_index(uint64_t seed, int64_t first_day, int days) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(days) * kSlotsPerDay);
  for (int i = 0; i < days; ++i) {
    const uint64_t day = static_cast<uint64_t>(first_day + i);
    const double mean = 0.15 + 0.85 * std::pow(draw_unit(seed, kStreamDay, day), 0.8);
    const double sigma = 0.12 * (1.0 - std::abs(2.0 * mean - 1.0)) + 0.02;
    // Each day starts its AR(1) from the stationary distribution, so a day
    // does not depend on the one before (windows are independent of start).
    double x = draw_normal(seed, kStreamSlot, day * kSlotsPerDay) * sigma;
    for (int q = 0; q < kSlotsPerDay; ++q) {
      if (q > 0)
        x = kRho * x + std::sqrt(1 - kRho * kRho) * sigma *
                           draw_normal(seed, kStreamSlot, day * kSlotsPerDay + q);
      out.push_back(std::clamp(mean + x, 0.05, 1.1));
    }
  }
  return out;
}

}  // namespace wattle::sim
