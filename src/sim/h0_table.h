// The BDEW H0 typical-day table (see h0_table.cpp for the source).
//
// Promise: 3 seasons x 3 day types x 96 quarter hours of mean power in watts
// for a household using 1,000 kWh per year, before the dynamisation factor.
#pragma once

namespace wattle::sim {

enum class Season : int { kWinter = 0, kSummer = 1, kTransition = 2 };
enum class DayType : int { kWorkday = 0, kSaturday = 1, kSunday = 2 };  // Sunday = holidays too

extern const double kH0Watts[3][3][96];

inline double h0_watts(Season s, DayType d, int quarter_hour) {
  return kH0Watts[static_cast<int>(s)][static_cast<int>(d)][quarter_hour];
}

}  // namespace wattle::sim
