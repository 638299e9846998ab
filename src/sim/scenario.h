// A community scenario: who lives there, what they own, how they trade, and
// the market and tariffs around them. Presets (presets.h) are scenarios too.
//
// Promise: a Scenario returned by parse_scenario() is valid: every number in
// range, the mechanism known, CSV inputs readable and long enough. Errors
// name the key (e.g. `households[2].pv_kwp`) and the reason; CSV errors name
// file, line and column. Prices here are floats in tokens per kWh (the
// simulator's units); the market adapter turns them into integer micro-units.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "market/hierarchy/market_tree.h"
#include "sim/agents.h"
#include "sim/battery.h"
#include "sim/calendar.h"
#include "sim/pv_profile.h"
#include "sim/weather_csv.h"

namespace wattle::sim {

struct HouseholdGroup {
  std::string name = "household";
  int count = 1;
  double annual_kwh = 3500;
  double load_noise = 0.1;  // standard deviation of the per-slot multiplicative noise
  // Share of the H0 energy that comes as the household's own stochastic
  // appliance events (household_load.h); 0: H0 plus noise only.
  double load_events = 0.5;
  double pv_kwp = 0;
  PvArray pv;  // kwp set from pv_kwp
  BatterySpec battery;
  AgentKind agent = AgentKind::kTruthful;
  // The battery agent may charge from the market (grid or neighbours) in
  // slots it expects to be cheap; off by default, so batteries charge only
  // from their household's own surplus (docs/sim.md, Batteries).
  bool grid_charging = false;
  double fixed_price = 0;  // tokens/kWh, for agent = fixed
  // Replayed 15-minute series (Wh per slot from the scenario's start), replacing
  // the models; every household of the group gets the same series (plus noise
  // for load).
  std::optional<std::vector<double>> load_wh;
  std::optional<std::vector<double>> pv_wh;
  // With [[markets]]: the leaf market the group's households trade in
  // ("" = the tree's only leaf), and its index in Scenario::markets.
  std::string market;
  uint32_t market_leaf = 0;
};

struct Scenario {
  std::string name = "custom";
  std::string description;
  uint64_t seed = 1;
  Date start{2025, 1, 1};
  int days = 7;
  bool holidays_de = true;
  std::string mechanism = "uniform";
  // Granular certificates (docs/certificates.md): each slot's P2P sales carry
  // their certificates to the buyers, who claim them against that slot's
  // import; the report adds each group's "24/7 matched %".
  bool certificates = false;
  std::map<std::string, int64_t> mechanism_params;
  double grid_buy = 0.30;   // tokens/kWh the grid charges
  double grid_sell = 0.08;  // tokens/kWh the grid pays
  double price_cap = 0;     // top of ZI price ranges; 0 = 2 x grid_buy
  double carbon_g_per_kwh = 380;
  PvSite site;
  bool clouds = true;
  // Seasonal cloudiness from the site's monthly climatology (climate.h) when
  // a table covers the site; false keeps the same cloud statistics all year.
  bool climatology = true;
  // Measured hourly irradiance (site.weather_csv, a PVGIS TMY CSV): when set,
  // its clear-sky index replaces the stylised cloud process.
  std::optional<HourlyWeather> weather;
  std::vector<HouseholdGroup> groups;
  // A hierarchy of markets (docs/sim.md, "Markets as a tree"); empty: one
  // flat market with `mechanism`. Fees in micro-units/kWh; no fee accounts.
  market::MarketTree markets;

  int households() const;
  // The leaf market of each household (groups in order), for a tree.
  std::vector<uint32_t> household_leaves() const;
  int slots() const { return days * 96; }
};

// Parses TOML text. `base_dir` resolves relative CSV paths; `origin` names the
// source in messages (a file name or "preset brooklyn"). `days_override` > 0
// replaces the file's `days` before CSV inputs are checked for length.
Result<Scenario> parse_scenario(const std::string& toml_text, const std::string& origin,
                                const std::string& base_dir, int days_override = 0);
Result<Scenario> load_scenario_file(const std::string& path, int days_override = 0);

// Rescales the groups' counts to `total` households in all, in proportion
// (largest remainders), every group keeping at least one; `total` below the
// number of groups is raised to it.
void scale_households(Scenario& s, int total);

// Reads a CSV with an `energy_wh` column: one row per 15-minute slot, at
// least `slots` rows, energies >= 0.
Result<std::vector<double>> read_energy_series(const std::string& path, size_t slots);

}  // namespace wattle::sim
