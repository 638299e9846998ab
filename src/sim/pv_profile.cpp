#include "sim/pv_profile.h"

#include "sim/load_profile.h"
#include "sim/timezone.h"

namespace wattle::sim {

double slot_start_unix(const Date& day, int q, double utc_offset_h) {
  return static_cast<double>(days_from_civil(day)) * 86400.0 + q * 900.0 - utc_offset_h * 3600.0;
}

namespace {

// One loop for both skies: `k` null is the clear sky (Ineichen's own split).
std::vector<PvSlot> pv_series(const PvSite& site, const PvArray& array, const Date& start, int days,
                              const std::vector<double>* k) {
  std::vector<PvSlot> out;
  out.reserve(static_cast<size_t>(days) * kSlotsPerDay);
  // Legal time of the site's zone (DST included), else the fixed offset. The
  // zone was checked when the scenario was read; an unreadable zone here
  // falls back to the fixed offset rather than dropping the day.
  std::vector<double> offsets;
  if (!site.timezone.empty())
    if (auto o = slot_utc_offsets_h(site.timezone, start, days)) offsets = std::move(*o);
  for (int i = 0; i < days; ++i) {
    const Date d = add_days(start, i);
    const int doy = day_of_year(d);
    for (int q = 0; q < kSlotsPerDay; ++q) {
      const size_t t = static_cast<size_t>(i) * kSlotsPerDay + q;
      const double offset = offsets.empty() ? site.utc_offset_h : offsets[t];
      const double mid = slot_start_unix(d, q, offset) + 450.0;
      const SolarPosition pos = solar_position(mid, site.latitude_deg, site.longitude_deg);
      ClearSky sky = clear_sky_at(pos, doy, site.linke_turbidity, site.altitude_m);
      if (k) sky = erbs_split(sky.ghi * (*k)[t], pos.zenith_deg, doy);
      const double poa = plane_of_array(pos, sky, array.surface);
      // W/m^2 at 1000 W/m^2 STC -> kWp x PR; x 0.25 h -> Wh.
      const double wh = poa / 1000.0 * array.kwp * 1000.0 * array.performance_ratio * kSlotHours;
      out.push_back(PvSlot{wh, sky.ghi, pos.zenith_deg, pos.azimuth_deg});
    }
  }
  return out;
}

}  // namespace

std::vector<PvSlot> pv_clear_sky(const PvSite& site, const PvArray& array, const Date& start,
                                 int days) {
  return pv_series(site, array, start, days, nullptr);
}

std::vector<PvSlot> pv_under_clouds(const PvSite& site, const PvArray& array, const Date& start,
                                    int days, const std::vector<double>& clear_sky_index) {
  return pv_series(site, array, start, days, &clear_sky_index);
}

}  // namespace wattle::sim
