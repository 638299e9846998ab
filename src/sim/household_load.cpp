#include "sim/household_load.h"

#include <algorithm>
#include <cmath>

#include "sim/rng.h"

namespace wattle::sim {

namespace {
// Random streams (rng.h): the noise keeps the engine's historical stream.
constexpr uint64_t kStreamLoadNoise = 1;
constexpr uint64_t kStreamLoadEvents = 5;
}  // namespace

double household_load_wh(double mean_wh, double noise_sd, double event_share, uint64_t seed,
                         uint64_t household, uint64_t slot) {
  double base = (1 - event_share) * mean_wh;
  if (noise_sd > 0) {
    // Uniform multiplicative noise with standard deviation noise_sd.
    const double u = draw_unit(seed, kStreamLoadNoise * 0x100000000ull + household, slot);
    base *= std::max(0.0, 1.0 + noise_sd * 1.7320508075688772 * (2 * u - 1));
  }
  if (event_share <= 0 || mean_wh <= 0) return base;
  // Poisson by inversion (the mean is small: a few tenths per slot).
  Rng rng(draw_u64(seed, kStreamLoadEvents * 0x100000000ull + household, slot));
  const double mu = event_share * mean_wh / kLoadEventWh;
  const double u = rng.unit();
  // P(no event) = exp(-mu) >= 1 - mu: below that the answer is 0 without
  // computing the exponential (most slots; a year of 10,000 households has
  // 350 M of them).
  if (u <= 1 - mu) return base;
  double p = std::exp(-mu), cdf = p;
  int k = 0;
  while (u > cdf && k < 64) {
    ++k;
    p *= mu / k;
    cdf += p;
  }
  double events = 0;
  for (int i = 0; i < k; ++i) events += kLoadEventWh * (0.5 + rng.unit());
  return base + events;
}

}  // namespace wattle::sim
