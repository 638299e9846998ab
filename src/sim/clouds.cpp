#include "sim/clouds.h"

#include <algorithm>
#include <cmath>

#include "sim/calendar.h"
#include "sim/load_profile.h"
#include "sim/rng.h"

namespace wattle::sim {

namespace {
constexpr uint64_t kStreamDay = 0xc10d;
constexpr uint64_t kStreamSlot = 0xc10e;
constexpr double kRho = 0.9;
constexpr double kLo = 0.05;
constexpr double kHi = 1.1;

double regime_mean(double u, double exponent) {
  return 0.15 + 0.85 * std::pow(u, exponent);
}
double regime_sigma(double mean) {
  return 0.12 * (1.0 - std::abs(2.0 * mean - 1.0)) + 0.02;
}

// E[max(Y - a, 0)] / s for Y ~ N(m, s^2), z = (m - a) / s.
double excess(double z) {
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * 3.14159265358979323846);
  return z * cdf + pdf;
}
}  // namespace

double cloud_process_mean(double exponent) {
  // Midpoint rule over u; for each regime the clamped normal's mean in closed
  // form: clamp(Y, a, b) = a + max(Y - a, 0) - max(Y - b, 0).
  constexpr int kN = 4000;
  double sum = 0;
  for (int i = 0; i < kN; ++i) {
    const double m = regime_mean((i + 0.5) / kN, exponent);
    const double s = regime_sigma(m);
    sum += kLo + s * (excess((m - kLo) / s) - excess((m - kHi) / s));
  }
  return sum / kN;
}

double cloud_exponent_for_mean(double mean) {
  // The mean falls as p grows; bisect on log p over [0.02, 50].
  double lo = std::log(0.02), hi = std::log(50.0);
  for (int i = 0; i < 50; ++i) {
    const double mid = 0.5 * (lo + hi);
    (cloud_process_mean(std::exp(mid)) > mean ? lo : hi) = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

std::vector<double> clear_sky_index(uint64_t seed, int64_t first_day, int days,
                                    const std::optional<std::array<double, 12>>& monthly_mean) {
  std::array<double, 12> exponent;
  exponent.fill(kCloudExponent);
  if (monthly_mean)
    for (int m = 0; m < 12; ++m) exponent[m] = cloud_exponent_for_mean((*monthly_mean)[m]);
  std::vector<double> out;
  out.reserve(static_cast<size_t>(days) * kSlotsPerDay);
  for (int i = 0; i < days; ++i) {
    const uint64_t day = static_cast<uint64_t>(first_day + i);
    const double p = exponent[civil_from_days(first_day + i).month - 1];
    const double mean = regime_mean(draw_unit(seed, kStreamDay, day), p);
    const double sigma = regime_sigma(mean);
    // Each day starts its AR(1) from the stationary distribution, so a day
    // does not depend on the one before (windows are independent of start).
    double x = draw_normal(seed, kStreamSlot, day * kSlotsPerDay) * sigma;
    for (int q = 0; q < kSlotsPerDay; ++q) {
      if (q > 0)
        x = kRho * x + std::sqrt(1 - kRho * kRho) * sigma *
                           draw_normal(seed, kStreamSlot, day * kSlotsPerDay + q);
      out.push_back(std::clamp(mean + x, kLo, kHi));
    }
  }
  return out;
}

}  // namespace wattle::sim
