// Seasonal cloudiness (docs/sim.md, PV, "Seasonal climatology"): the cloud
// process's monthly mean clear-sky index follows the site's published
// monthly irradiation, so Berlin's December/June ratio and annual yield match
// the DWD table and measured systems, where the season-free process gave
// winter about twice too much.
#include "sim/climate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "sim/calendar.h"
#include "sim/clouds.h"
#include "sim/load_profile.h"
#include "sim/scenario.h"
#include "test_seed.h"

namespace wattle::sim {
namespace {

PvSite berlin_utc() {
  return PvSite{52.52, 13.40, 0, 0, 3.0, ""};
}

// Mean monthly GHI (kWh/m^2) of `years` years from 2001 under the cloud
// process, at the site's clear sky (UTC slots).
Monthly simulated_ghi(const PvSite& site, int years, const std::optional<Monthly>& targets) {
  Monthly sum{};
  const Date first{2001, 1, 1};
  int days = 0;
  for (int y = 0; y < years; ++y) days += days_in_year(2001 + y);
  const std::vector<double> k = clear_sky_index(test_seed(), days_from_civil(first), days, targets);
  const std::vector<PvSlot> cs = pv_clear_sky(site, PvArray{}, first, days);
  for (size_t t = 0; t < k.size(); ++t) {
    const Date d = add_days(first, static_cast<int64_t>(t / kSlotsPerDay));
    sum[d.month - 1] += cs[t].ghi_w_m2 * k[t] * kSlotHours / 1000.0 / years;
  }
  return sum;
}

TEST(Climate, TablesCoverGermanSitesOnly) {
  EXPECT_NE(find_climate(52.52, 13.40), nullptr);  // Berlin
  EXPECT_NE(find_climate(51.26, 7.15), nullptr);   // Wuppertal
  EXPECT_EQ(find_climate(47.37, 8.54), nullptr);   // Zurich
  EXPECT_EQ(find_climate(50.85, 4.35), nullptr);   // Brussels
  EXPECT_EQ(find_climate(40.68, -73.98), nullptr);
  EXPECT_FALSE(climate_clear_sky_index(PvSite{40.68, -73.98, 0, -5, 3.0, ""}));
  double year = 0;
  for (double h : find_climate(52.52, 13.40)->ghi_kwh_m2) year += h;
  EXPECT_EQ(year, 1054);  // the DWD table's annual sum
}

TEST(Climate, ClearnessIndexOfTheTableIsPlausible) {
  // K_T = H / H0 of a mid-latitude climate: 0.2-0.6 every month, and the
  // clear-sky index H / Hcs below 1.
  const PvSite site = berlin_utc();
  const Monthly h0 = monthly_extraterrestrial_kwh_m2(site);
  const Monthly k = *climate_clear_sky_index(site);
  const Monthly& h = find_climate(52.52, 13.40)->ghi_kwh_m2;
  for (int m = 0; m < 12; ++m) {
    std::printf("month %2d H %5.0f H0 %6.1f K_T %.3f k %.3f\n", m + 1, h[m], h0[m], h[m] / h0[m],
                k[m]);
    EXPECT_GT(h[m] / h0[m], 0.2) << m;
    EXPECT_LT(h[m] / h0[m], 0.6) << m;
    EXPECT_LT(k[m], 1.0) << m;
  }
  // H0 from the slot sums equals the closed form for daily extraterrestrial
  // irradiation on a horizontal plane (Duffie & Beckman, eq. 1.10.3, Spencer's
  // declination, eq. 1.6.1b) summed over the month's days, within 2 % (the midpoint rule
  // overcounts the sunrise and sunset slots of short winter days).
  const double pi = 3.14159265358979323846, rad = pi / 180, phi = site.latitude_deg * rad;
  for (int m = 1; m <= 12; ++m) {
    double sum = 0;
    for (int d = 1; d <= days_in_month(2023, m); ++d) {
      const int n = day_of_year(Date{2023, m, d});
      const double b = 2 * pi * (n - 1) / 365.0;
      const double delta = 0.006918 - 0.399912 * std::cos(b) + 0.070257 * std::sin(b) -
                           0.006758 * std::cos(2 * b) + 0.000907 * std::sin(2 * b) -
                           0.002697 * std::cos(3 * b) + 0.00148 * std::sin(3 * b);
      const double ws = std::acos(-std::tan(phi) * std::tan(delta));
      sum +=
          24 / pi * 1.367 * (1 + 0.033 * std::cos(2 * pi * n / 365.0)) *
          (std::cos(phi) * std::cos(delta) * std::sin(ws) + ws * std::sin(phi) * std::sin(delta));
    }
    EXPECT_NEAR(h0[m - 1] / sum, 1.0, 0.02) << "month " << m;
  }
}

TEST(Climate, QuadratureMatchesTheProcess) {
  // The exponent the climatology picks is only right if cloud_process_mean
  // is the process's real mean: 30 years of draws agree within 0.01.
  for (double target : {0.35, 0.5, 0.7}) {
    Monthly t;
    t.fill(target);
    const std::vector<double> k = clear_sky_index(test_seed(), 11000, 30 * 365, t);
    double mean = 0;
    for (double v : k) mean += v / k.size();
    EXPECT_NEAR(mean, target, 0.01) << target;
  }
  EXPECT_NEAR(cloud_process_mean(kCloudExponent), 0.62, 0.01);
  EXPECT_NEAR(cloud_exponent_for_mean(cloud_process_mean(kCloudExponent)), kCloudExponent, 1e-6);
}

TEST(Climate, NoTableKeepsTheOldProcessBitForBit) {
  // p = 0.8 every month is the season-free process; targets change days.
  const std::vector<double> a = clear_sky_index(test_seed(), 20000, 40);
  const std::vector<double> b = clear_sky_index(test_seed(), 20000, 40, std::nullopt);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, clear_sky_index(test_seed(), 20000, 40, climate_clear_sky_index(berlin_utc())));
}

TEST(Climate, BerlinMonthlyIrradiationFollowsTheTable) {
  // 20 years: each month's mean GHI within 6 % of the DWD table (the
  // sampling spread of 20 Decembers is ~2 %), the year within 2 %.
  const PvSite site = berlin_utc();
  const Monthly sim = simulated_ghi(site, 20, climate_clear_sky_index(site));
  const Monthly& h = find_climate(52.52, 13.40)->ghi_kwh_m2;
  double sim_year = 0, table_year = 0;
  for (int m = 0; m < 12; ++m) {
    std::printf("month %2d simulated %6.1f table %5.0f\n", m + 1, sim[m], h[m]);
    EXPECT_NEAR(sim[m] / h[m], 1.0, 0.06) << "month " << m + 1;
    sim_year += sim[m];
    table_year += h[m];
  }
  EXPECT_NEAR(sim_year / table_year, 1.0, 0.02);
}

TEST(Climate, BerlinDecemberJuneRatioFollowsTheTable) {
  // The table's December/June ratio is 17/159 = 0.107. (The season-free
  // process happens to give 0.102 for GHI: the DWD table's clear-sky index
  // varies little over the year; the winter excess of the old PV came from
  // the tilted plane, see BerlinPvFollowsTheMonthlyMethod.)
  const PvSite site = berlin_utc();
  const double table = 17.0 / 159.0;
  const Monthly seasonal = simulated_ghi(site, 20, climate_clear_sky_index(site));
  std::printf("Dec/Jun: table %.3f seasonal %.3f\n", table, seasonal[11] / seasonal[5]);
  EXPECT_NEAR(seasonal[11] / seasonal[5] / table, 1.0, 0.10);
}

TEST(Climate, ScenarioKeyTurnsItOff) {
  const std::string hh = "[[households]]\nname = \"h\"\ncount = 1\nannual_kwh = 3000\n";
  Result<Scenario> on = parse_scenario("[site]\nclouds = true\n" + hh, "t", ".");
  ASSERT_TRUE(on) << on.status().message();
  EXPECT_TRUE(on->climatology);
  Result<Scenario> off = parse_scenario("[site]\nclimatology = false\n" + hh, "t", ".");
  ASSERT_TRUE(off) << off.status().message();
  EXPECT_FALSE(off->climatology);
  Result<Scenario> bad = parse_scenario("[site]\nclimatology = 3\n" + hh, "t", ".");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("climatology"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace wattle::sim
