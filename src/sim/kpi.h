// Key performance indicators of a run, per household and for the community
// (gsy-e's set and more; definitions in docs/sim.md).
//
// Promise: pure functions of the run's totals; ratios of an empty quantity
// (no load, no PV, no baseline cost, no possible trade) are reported as 0 and
// flagged where it matters, never NaN. Money in tokens (micro-units / 1e6),
// energy in kWh, power in kW.
#pragma once

#include <string>
#include <vector>

#include "sim/engine.h"

namespace wattle::sim {

struct HouseholdKpis {
  double cost = 0;              // tokens, with the market
  double baseline_cost = 0;     // tokens, grid only
  double savings = 0;           // baseline - cost
  double savings_pct = 0;       // savings / |baseline|, 0 when baseline is 0
  double self_sufficiency = 0;  // 1 - grid import / load
  double self_consumption = 0;  // 1 - (grid export + P2P sold) / PV
  double p2p_kwh = 0;           // bought + sold
};

struct CommunityKpis {
  int households = 0;
  double load_kwh = 0, pv_kwh = 0, import_kwh = 0, export_kwh = 0, p2p_kwh = 0;
  double cost = 0, baseline_cost = 0, savings = 0, savings_pct = 0;
  double self_sufficiency = 0;  // 1 - community grid import / community load
  double self_consumption = 0;  // 1 - community grid export / community PV
  // Realised / maximum welfare over all slots, welfare measured against the
  // agents' own (possibly random) limit prices.
  double allocative_efficiency_pct = 0;
  // P2P energy / the energy that could have been traded locally (per slot
  // the smaller of offered and wanted energy): what the market did with the
  // physically possible local trade, whatever the agents' limits.
  double local_match_pct = 0;
  double local_possible_kwh = 0;
  double price_mean = 0, price_min = 0, price_max = 0, price_std = 0;  // tokens/kWh
  int slots_with_trades = 0;
  double peak_import_kw = 0;
  double baseline_peak_import_kw = 0;  // grid-only baseline (self-consumption batteries)
  double peak_import_change_pct = 0;   // vs baseline; 0 when the baseline imports nothing
  double battery_charge_kwh = 0, battery_discharge_kwh = 0, battery_loss_kwh = 0;
  double battery_market_charge_kwh = 0;  // charged from the market (grid_charging only)
  double peak_to_average = 0;            // peak import / mean import
  double gini_savings = 0;
  double carbon_kg = 0;  // grid imports x carbon factor
};

// One household group under one mechanism: totals over its households, and
// the spread of their savings (Gini, 10th and 90th percentile).
struct GroupKpis {
  std::string group;
  int households = 0;
  double cost = 0, baseline_cost = 0, savings = 0, savings_pct = 0;  // tokens, %
  double self_sufficiency = 0, self_consumption = 0;                 // of the group's totals
  double p2p_kwh = 0;                                                // bought + sold
  double savings_p10 = 0, savings_p90 = 0;                           // tokens per household
  double gini_savings = 0;
  // Certificates on: metered import matched by same-slot certificates /
  // metered import, in % (0 without import).
  double matched_247_pct = 0;
};

HouseholdKpis household_kpis(const HouseholdTotals& t);
// Groups in order of first appearance (the scenario's order).
std::vector<GroupKpis> group_kpis(const RunResult& r);
// The p-th percentile (0..100) by linear interpolation between order
// statistics (numpy's default); 0 for an empty list.
double percentile(std::vector<double> x, double p);
CommunityKpis community_kpis(const RunResult& r, double carbon_g_per_kwh, int slots);

// Gini coefficient of x: sum_ij |x_i - x_j| / (2 n^2 mean). Defined for a
// positive mean (0 otherwise); negative entries (households that lost money)
// are allowed and can push it above 1.
double gini(std::vector<double> x);

}  // namespace wattle::sim
