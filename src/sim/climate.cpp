#include "sim/climate.h"

#include <algorithm>
#include <cmath>

#include "sim/calendar.h"
#include "sim/load_profile.h"
#include "sim/solar.h"

namespace wattle::sim {

namespace {

// DWD, monthly area means of global radiation over Germany, 1981-2010
// reference period, as the DWD's monthly radiation reports state them
// (quoted month by month by solarserver.de, "Sonneneinstrahlung in
// Deutschland im <Monat>", 2020-2024, each "Quelle: DWD"): Jan 23, Feb 40,
// Mar 75, Apr 117, May 153, Jun 159, Jul 161, Aug 137, Sep 91, Oct 56,
// Nov 25, Dec 17 kWh/m^2; the year sums to 1,054 kWh/m^2. A national mean,
// not a station's: Berlin and Wuppertal lie near it, the Alpine foreland
// gets more, the north-west coast less.
const MonthlyClimate kGermany{
    "Germany, DWD area mean 1981-2010",
    "Deutscher Wetterdienst, monthly global radiation, area mean of Germany, 1981-2010 "
    "(docs/sim.md)",
    {23, 40, 75, 117, 153, 159, 161, 137, 91, 56, 25, 17}};

constexpr int kReferenceYear = 2023;

// Sums f(position, day of year) x 0.25 h over the reference year's UTC
// slots, per month, in kWh/m^2.
template <class F>
Monthly monthly_sum(const PvSite& site, F&& irradiance_w_m2) {
  Monthly out{};
  const Date first{kReferenceYear, 1, 1};
  for (int i = 0; i < days_in_year(kReferenceYear); ++i) {
    const Date d = add_days(first, i);
    const int doy = day_of_year(d);
    for (int q = 0; q < kSlotsPerDay; ++q) {
      const double mid = slot_start_unix(d, q, 0.0) + 450.0;
      const SolarPosition pos = solar_position(mid, site.latitude_deg, site.longitude_deg);
      out[d.month - 1] += irradiance_w_m2(pos, doy) * kSlotHours / 1000.0;
    }
  }
  return out;
}

}  // namespace

const MonthlyClimate* find_climate(double lat, double lon) {
  if (lat >= 47.5 && lat <= 55.1 && lon >= 5.9 && lon <= 15.1) return &kGermany;
  return nullptr;
}

Monthly monthly_extraterrestrial_kwh_m2(const PvSite& site) {
  return monthly_sum(site, [](const SolarPosition& pos, int doy) {
    return extraterrestrial_dni(doy) *
           std::max(0.0, std::cos(pos.zenith_deg * 3.14159265358979323846 / 180.0));
  });
}

Monthly monthly_clear_sky_ghi_kwh_m2(const PvSite& site) {
  return monthly_sum(site, [&](const SolarPosition& pos, int doy) {
    return clear_sky_at(pos, doy, site.linke_turbidity, site.altitude_m).ghi;
  });
}

std::optional<Monthly> climate_clear_sky_index(const PvSite& site) {
  const MonthlyClimate* c = find_climate(site.latitude_deg, site.longitude_deg);
  if (!c) return std::nullopt;
  const Monthly cs = monthly_clear_sky_ghi_kwh_m2(site);
  Monthly k{};
  for (int m = 0; m < 12; ++m) k[m] = cs[m] > 0 ? c->ghi_kwh_m2[m] / cs[m] : 1.0;
  return k;
}

}  // namespace wattle::sim
