// Photovoltaic output per 15-minute slot: sun position and clear sky at the
// slot's midpoint (solar.h), plane of array, x kWp x performance ratio, x an
// optional clear-sky index from the seeded cloud process (clouds.h).
//
// Promise: energy in Wh per slot, >= 0, zero whenever the sun is below the
// horizon at the slot's midpoint. Slots are the local slots of the scenario:
// legal time of `timezone` (DST included, timezone.h) when set, else the fixed
// `utc_offset_h`, converts them to UTC for the sun.
#pragma once

#include <string>
#include <vector>

#include "sim/calendar.h"
#include "sim/solar.h"

namespace wattle::sim {

struct PvSite {
  double latitude_deg = 52.52;
  double longitude_deg = 13.40;
  double altitude_m = 0;
  double utc_offset_h = 0;       // fixed offset of local time, used when timezone is empty
  double linke_turbidity = 3.0;  // typical central-European clear day
  std::string timezone;          // IANA name (e.g. "Europe/Berlin"): legal time with DST
};

struct PvArray {
  double kwp = 1.0;
  double performance_ratio = 0.85;  // inverter, wiring, temperature, soiling
  Surface surface;
};

struct PvSlot {
  double energy_wh = 0;
  double ghi_w_m2 = 0;
  double zenith_deg = 90;
  double azimuth_deg = 0;
};

// Clear-sky output of one array for `days` days from `start`.
std::vector<PvSlot> pv_clear_sky(const PvSite& site, const PvArray& array, const Date& start,
                                 int days);

// Output under clouds: each slot's GHI is clear_sky_index[t] x the clear-sky
// GHI, split into beam and diffuse by Erbs et al. (solar.h) before it reaches
// the plane, so overcast winter light gets no beam tilt gain.
// `clear_sky_index` has one value per slot of the window.
std::vector<PvSlot> pv_under_clouds(const PvSite& site, const PvArray& array, const Date& start,
                                    int days, const std::vector<double>& clear_sky_index);

// Unix seconds (UTC) of a local slot's start.
double slot_start_unix(const Date& day, int quarter_hour, double utc_offset_h);

}  // namespace wattle::sim
