#include "sim/load_profile.h"

#include <gtest/gtest.h>

#include <numeric>

namespace wattle::sim {
namespace {

TEST(LoadProfile, AnnualEnergyMatchesConfiguredConsumption) {
  for (int year : {2024, 2025}) {
    for (bool holidays : {false, true}) {
      const auto wh = h0_year_wh({.year = year, .annual_kwh = 3500, .holidays_de = holidays});
      ASSERT_EQ(wh.size(), static_cast<size_t>(days_in_year(year)) * 96);
      const double kwh = std::accumulate(wh.begin(), wh.end(), 0.0) / 1000.0;
      EXPECT_NEAR(kwh, 3500.0, 3500.0 * 0.005) << year << " holidays " << holidays;
    }
  }
}

TEST(LoadProfile, WinterWorkdayNoonOfTheTypicalDayIs125_4W) {
  // The published table value, before dynamisation (BDEW H0, WiWd 12:00-12:15).
  EXPECT_DOUBLE_EQ(h0_watts(Season::kWinter, DayType::kWorkday, 48), 125.4);
}

TEST(LoadProfile, SeasonsAndDayTypesFollowBdewRules) {
  EXPECT_EQ(h0_season(Date{2025, 3, 20}), Season::kWinter);
  EXPECT_EQ(h0_season(Date{2025, 3, 21}), Season::kTransition);
  EXPECT_EQ(h0_season(Date{2025, 5, 15}), Season::kSummer);
  EXPECT_EQ(h0_season(Date{2025, 9, 14}), Season::kSummer);
  EXPECT_EQ(h0_season(Date{2025, 9, 15}), Season::kTransition);
  EXPECT_EQ(h0_season(Date{2025, 11, 1}), Season::kWinter);
  EXPECT_EQ(h0_day_type(Date{2025, 1, 6}, false), DayType::kWorkday);  // Monday
  EXPECT_EQ(h0_day_type(Date{2025, 1, 4}, false), DayType::kSaturday);
  EXPECT_EQ(h0_day_type(Date{2025, 1, 5}, false), DayType::kSunday);
  // Good Friday 2025 is 18 April; a holiday only with --holidays de.
  EXPECT_EQ(h0_day_type(Date{2025, 4, 18}, false), DayType::kWorkday);
  EXPECT_EQ(h0_day_type(Date{2025, 4, 18}, true), DayType::kSunday);
  EXPECT_EQ(easter_sunday(2025), (Date{2025, 4, 20}));
  EXPECT_EQ(easter_sunday(2024), (Date{2024, 3, 31}));
}

TEST(LoadProfile, DynamisationFactorFollowsThePolynomial) {
  EXPECT_NEAR(h0_dynamisation(1), 1.2421, 1e-4);
  // Minimum in summer, around 0.8 in July.
  EXPECT_LT(h0_dynamisation(190), 0.85);
  EXPECT_GT(h0_dynamisation(190), 0.75);
}

TEST(LoadProfile, ScaledValueIsTableTimesDynamisationTimesScale) {
  // 1,000 kWh/a, 6 Jan 2025 (a winter Monday), 12:00: table 125.4 W x F(6) x
  // 0.25 h, times the year's normalisation, which is within 2% of 1.
  const auto wh = h0_year_wh({.year = 2025, .annual_kwh = 1000});
  const double raw = 125.4 * h0_dynamisation(6) * 0.25;
  EXPECT_NEAR(wh[5 * 96 + 48] / raw, 1.0, 0.02);
}

}  // namespace
}  // namespace wattle::sim
