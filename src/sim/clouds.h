// A seeded stochastic cloud process: the clear-sky index k (measured
// irradiance / clear-sky irradiance) per 15-minute slot.
//
// Model (stylised, documented in docs/sim.md): each day draws a regime mean
// m_d = 0.15 + 0.85 u^p (u uniform; p = 0.8 gives a mean ~0.62, close to the
// ratio of measured to clear-sky annual irradiation in central Europe) and,
// within the day, k follows an AR(1) around m_d with lag-1 correlation 0.9 per
// slot and an innovation that is largest on mixed days (k near 0.5) and small
// on clear or overcast ones. k is clamped to [0.05, 1.1] (brief cloud-edge
// enhancement above clear sky is real). One process per community:
// neighbours share weather.
//
// Seasons: given a monthly climatology (climate.h), each day's exponent p is
// the one whose expected k equals its month's target mean, so the month's mean
// clear-sky index follows the site's table while the draws, the AR(1) and the
// clamp stay as they are. Without one, p = 0.8 all year (the old process,
// bit for bit).
//
// Promise: a pure function of (seed, start day, days, targets); the same
// window of the same seed is identical however it is requested.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace wattle::sim {

constexpr double kCloudExponent = 0.8;  // the season-free process

std::vector<double> clear_sky_index(
    uint64_t seed, int64_t first_day_index, int days,
    const std::optional<std::array<double, 12>>& monthly_mean = std::nullopt);

// The expected clear-sky index of the process with exponent p (daily regime,
// normal AR(1) marginal, clamp), by quadrature.
double cloud_process_mean(double exponent);
// The exponent whose expected index is `mean`, bisected over p in [0.02, 50];
// a mean beyond what that range reaches gets the nearest end.
double cloud_exponent_for_mean(double mean);

}  // namespace wattle::sim
