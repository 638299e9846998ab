#include "sim/load_profile.h"

#include <algorithm>

namespace wattle::sim {

Season h0_season(const Date& d) {
  const int md = d.month * 100 + d.day;
  if (md >= 1101 || md <= 320) return Season::kWinter;
  if (md >= 515 && md <= 914) return Season::kSummer;
  return Season::kTransition;
}

DayType h0_day_type(const Date& d, bool holidays_de) {
  const int w = weekday(d);
  if (w == 6) return DayType::kSunday;
  if (holidays_de) {
    for (const Date& h : german_holidays(d.year))
      if (h == d) return DayType::kSunday;
    if (d.month == 12 && (d.day == 24 || d.day == 31)) return DayType::kSaturday;
  }
  if (w == 5) return DayType::kSaturday;
  return DayType::kWorkday;
}

double h0_dynamisation(int t) {
  const double x = t;
  return -3.92e-10 * x * x * x * x + 3.2e-7 * x * x * x - 7.02e-5 * x * x + 2.1e-3 * x + 1.24;
}

namespace {

// Unscaled Wh per quarter hour for one day (W x 0.25 h x F(t)).
void unscaled_day(const Date& d, bool holidays_de, double* out) {
  const Season s = h0_season(d);
  const DayType t = h0_day_type(d, holidays_de);
  const double f = h0_dynamisation(day_of_year(d));
  for (int q = 0; q < kSlotsPerDay; ++q) out[q] = h0_watts(s, t, q) * kSlotHours * f;
}

double unscaled_year_wh(int year, bool holidays_de) {
  double sum = 0;
  double day[kSlotsPerDay];
  const Date first{year, 1, 1};
  for (int i = 0; i < days_in_year(year); ++i) {
    unscaled_day(add_days(first, i), holidays_de, day);
    for (double v : day) sum += v;
  }
  return sum;
}

}  // namespace

std::vector<double> h0_window_wh(const Date& start, int days, double annual_kwh, bool holidays_de) {
  std::vector<double> out(static_cast<size_t>(std::max(days, 0)) * kSlotsPerDay);
  const double scale = annual_kwh * 1000.0 / unscaled_year_wh(start.year, holidays_de);
  for (int i = 0; i < days; ++i) {
    double* day = out.data() + static_cast<size_t>(i) * kSlotsPerDay;
    unscaled_day(add_days(start, i), holidays_de, day);
    for (int q = 0; q < kSlotsPerDay; ++q) day[q] *= scale;
  }
  return out;
}

std::vector<double> h0_year_wh(const LoadProfileOptions& o) {
  return h0_window_wh(Date{o.year, 1, 1}, days_in_year(o.year), o.annual_kwh, o.holidays_de);
}

}  // namespace wattle::sim
