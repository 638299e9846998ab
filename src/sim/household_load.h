// One household's load in one slot: its share of the standard profile (H0)
// plus household-level stochastic events, so that households differ and
// peak at different times while their mean, slot by slot, is H0.
//
// Model: load = (1 - a) x m x (1 + noise) + events, where m is the slot's H0
// energy for the household's annual consumption, `noise` the per-slot
// uniform noise (standard deviation `noise_sd`, mean 0) and `events` the
// energy of appliance switch-ons in the slot: a Poisson number with mean
// a x m / E, each drawing a uniform energy on [E/2, 3E/2] (E = 500 Wh, an
// appliance of 1-3 kW running the whole quarter hour). Expected load = m, so
// the community aggregate converges to H0 as households are added (law of
// large numbers), while one household's series is spiky, as metered homes
// are. An inhomogeneous Poisson process of appliance starts whose rate follows
// a daily activity profile is the structure of bottom-up models such as
// Richardson, Thomson, Infield and Clifford (2010), "Domestic electricity use:
// A high-resolution energy demand model", Energy and Buildings 42(10):1878-1887;
// here the rate follows H0 itself rather than occupancy and appliance tables.
// a = 0 gives the H0-plus-noise model of earlier versions, draw for draw.
//
// Promise: a pure function of (seed, household, slot) and the arguments;
// never negative.
#pragma once

#include <cstdint>

namespace wattle::sim {

constexpr double kLoadEventWh = 500;

double household_load_wh(double mean_wh, double noise_sd, double event_share, uint64_t seed,
                         uint64_t household, uint64_t slot);

}  // namespace wattle::sim
