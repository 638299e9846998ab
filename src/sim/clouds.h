// A seeded stochastic cloud process: the clear-sky index k (measured
// irradiance / clear-sky irradiance) per 15-minute slot.
//
// Model (stylised, documented in docs/sim.md): each day draws a regime mean
// m_d = 0.15 + 0.85 u^0.8 (u uniform; mean ~0.62, close to the ratio of
// measured to clear-sky annual irradiation in central Europe) and, within the
// day, k follows an AR(1) around m_d with lag-1 correlation 0.9 per slot and
// an innovation that is largest on mixed days (k near 0.5) and small on clear
// or overcast ones. k is clamped to [0.05, 1.1] (brief cloud-edge enhancement
// above clear sky is real). One process per community: neighbours share weather.
//
// Promise: a pure function of (seed, start day, days); the same window of the
// same seed is identical however it is requested.
#pragma once

#include <cstdint>
#include <vector>

namespace wattle::sim {

std::vector<double> clear_sky_index(uint64_t seed, int64_t first_day_index, int days);

}  // namespace wattle::sim
