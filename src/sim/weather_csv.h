// Measured weather for the PV model: an hourly PVGIS typical meteorological
// year (TMY) CSV, as the EU JRC's PVGIS tool exports it (`tmy` tool, CSV):
// metadata lines, then the header `time(UTC),T2m,RH,G(h),Gb(n),Gd(h),...`,
// 8,760 hourly rows `YYYYMMDD:HHMM,...` (each month from the year PVGIS chose
// for it), then legend lines. Only G(h), global horizontal irradiance in
// W/m^2, is used.
//
// The clear-sky index of a slot is the measured G(h) of the UTC hour that
// holds the slot's midpoint divided by the Ineichen-Perez clear-sky GHI of the
// site at that hour's midpoint (solar.h); the PV model multiplies the slot's
// clear-sky plane-of-array output by it (as it does the stylised cloud
// process, clouds.h). A TMY year has no 29 February: that day repeats the
// 28th. Where the clear sky is below 10 W/m^2 (sun at the horizon) the index
// is 1 when any irradiance was measured, else 0; it is clamped to [0, 1.5].
//
// Promise: read_pvgis_tmy() accepts a file only with all 8,760 hours of a
// year exactly once and finite G(h) >= 0; errors name file, line and column.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "sim/calendar.h"
#include "sim/pv_profile.h"

namespace wattle::sim {

struct HourlyWeather {
  std::string source;       // the file read
  std::vector<double> ghi;  // W/m^2, [(day of a non-leap year - 1) * 24 + UTC hour]
};

Result<HourlyWeather> read_pvgis_tmy(const std::string& path);

// The clear-sky index of each local slot of `days` days from `start`.
std::vector<double> weather_clear_sky_index(const HourlyWeather& w, const PvSite& site,
                                            const Date& start, int days);

}  // namespace wattle::sim
