// Seasonal cloudiness for the stylised cloud process (clouds.h): a published
// monthly climatology of global horizontal irradiation H per site, turned into
// the mean clear-sky index the process must have in each month.
//
// Table (docs/sim.md, "Seasonal climatology"): the Deutscher Wetterdienst's
// (DWD) monthly means of global radiation for 1981-2010, area mean over
// Germany, kWh/m^2 per month, applied to sites inside a box around Germany
// (47.5-55.1 N, 5.9-15.1 E). Sites outside every table keep the old,
// season-free process.
//
// Derivations: K_T = H / H0 with H0 the monthly extraterrestrial horizontal
// irradiation from solar.h; the process's target mean clear-sky index is
// H / Hcs with Hcs the monthly Ineichen-Perez clear-sky GHI of the site
// (its own Linke turbidity and altitude), both summed over the 15-minute
// slots of a reference year (2023) in UTC.
//
// Promise: pure functions of their arguments.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "sim/pv_profile.h"

namespace wattle::sim {

using Monthly = std::array<double, 12>;  // [0] = January

struct MonthlyClimate {
  std::string name;    // what the table describes
  std::string source;  // citation
  Monthly ghi_kwh_m2;  // mean monthly sum of global horizontal irradiation
};

// The table covering a site, or nullptr.
const MonthlyClimate* find_climate(double latitude_deg, double longitude_deg);

// Monthly sums over the reference year, kWh/m^2.
Monthly monthly_extraterrestrial_kwh_m2(const PvSite& site);
Monthly monthly_clear_sky_ghi_kwh_m2(const PvSite& site);

// H / Hcs per month for the site's table; nullopt without one.
std::optional<Monthly> climate_clear_sky_index(const PvSite& site);

}  // namespace wattle::sim
