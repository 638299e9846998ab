// The BDEW H0 standard household load profile as a series of 15-minute energies.
//
// Method (VDEW M-32/99, as implemented by demandlib and BDEW's own workbook):
// each day gets the typical day of its season (winter 1 Nov - 20 Mar, summer
// 15 May - 14 Sep, transition otherwise) and day type (Mon-Fri workday,
// Saturday, Sunday; with `holidays_de` the German nationwide holidays count as
// Sunday; 24 and 31 Dec count as Saturday in BDEW's rules and here), the
// quarter-hour power is multiplied by the dynamisation factor
//   F(t) = -3.92e-10 t^4 + 3.2e-7 t^3 - 7.02e-5 t^2 + 2.1e-3 t + 1.24
// (t = day of year, 1..366), and the whole year is scaled so its energy equals
// the configured annual consumption (the unscaled profile is ~1,000 kWh/a but
// not exactly, which is why every implementation rescales).
//
// Promise: deterministic, floats only (never enters consensus); values >= 0.
#pragma once

#include <vector>

#include "sim/calendar.h"
#include "sim/h0_table.h"

namespace wattle::sim {

constexpr int kSlotsPerDay = 96;
constexpr double kSlotHours = 0.25;

struct LoadProfileOptions {
  int year = 2025;
  double annual_kwh = 1000.0;
  bool holidays_de = false;
};

Season h0_season(const Date& d);
DayType h0_day_type(const Date& d, bool holidays_de);
double h0_dynamisation(int day_of_year);

// One value per quarter hour of the year, Wh (days_in_year * 96 values),
// summing to annual_kwh * 1000.
std::vector<double> h0_year_wh(const LoadProfileOptions& opts);

// The same for an arbitrary window of days starting at `start`, scaled as the
// year of `start` would be (so a window is a slice of the annual profile).
std::vector<double> h0_window_wh(const Date& start, int days, double annual_kwh, bool holidays_de);

}  // namespace wattle::sim
