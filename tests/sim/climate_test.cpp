// Seasonal cloudiness (docs/sim.md, PV, "Seasonal climatology"): the cloud
// process's monthly mean clear-sky index follows the site's published
// monthly irradiation, and cloudy light reaches a tilted plane split into beam
// and diffuse, so Berlin's months follow the DWD table and the textbook
// monthly method, where the old model gave October-March 11-31 % too much.
#include "sim/climate.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// Monthly irradiation on a south-facing plane by the isotropic monthly method
// (Liu and Jordan; Duffie & Beckman, §2.19: Rb at the month's mean day, Table
// 1.6.1, eq. 2.19.3) with Erbs's monthly diffuse fraction (eq. 2.12.1) from
// the table's K_T: an independent, textbook estimate of what the table means
// for a tilted array, kWh/m^2.
Monthly monthly_method_poa(const PvSite& site, double tilt_deg, double albedo) {
  static const int mean_day[12] = {17, 47, 75, 105, 135, 162, 198, 228, 258, 288, 318, 344};
  const double pi = 3.14159265358979323846, rad = pi / 180;
  const double phi = site.latitude_deg * rad, beta = tilt_deg * rad;
  const Monthly h0 = monthly_extraterrestrial_kwh_m2(site);
  const Monthly& h = find_climate(site.latitude_deg, site.longitude_deg)->ghi_kwh_m2;
  Monthly out{};
  for (int m = 0; m < 12; ++m) {
    const double delta = 23.45 * rad * std::sin(2 * pi * (284 + mean_day[m]) / 365.0);
    const double ws = std::acos(-std::tan(phi) * std::tan(delta));
    const double ws_t = std::min(ws, std::acos(-std::tan(phi - beta) * std::tan(delta)));
    const double rb =
        (std::cos(phi - beta) * std::cos(delta) * std::sin(ws_t) +
         ws_t * std::sin(phi - beta) * std::sin(delta)) /
        (std::cos(phi) * std::cos(delta) * std::sin(ws) + ws * std::sin(phi) * std::sin(delta));
    const double kt = h[m] / h0[m];
    const double fd = ws <= 81.4 * rad
                          ? 1.391 - 3.560 * kt + 4.189 * kt * kt - 2.137 * kt * kt * kt
                          : 1.311 - 3.022 * kt + 3.427 * kt * kt - 1.821 * kt * kt * kt;
    out[m] =
        h[m] * ((1 - fd) * rb + fd * (1 + std::cos(beta)) / 2 + albedo * (1 - std::cos(beta)) / 2);
  }
  return out;
}

// Mean monthly plane-of-array irradiation (kWh/m^2) of a 30-degree south
// array over `years` years: under the seasonal clouds with the beam/diffuse
// split (today), or as the old model did it (clear-sky plane x the
// season-free index).
Monthly simulated_poa(const PvSite& site, int years, bool old_model) {
  Monthly sum{};
  const Date first{2001, 1, 1};
  int days = 0;
  for (int y = 0; y < years; ++y) days += days_in_year(2001 + y);
  const PvArray array{1.0, 1.0, Surface{30, 180, 0.2}};
  const int64_t d0 = days_from_civil(first);
  std::vector<PvSlot> pv;
  std::vector<double> k;
  if (old_model) {
    pv = pv_clear_sky(site, array, first, days);
    k = clear_sky_index(test_seed(), d0, days);
  } else {
    pv = pv_under_clouds(site, array, first, days,
                         clear_sky_index(test_seed(), d0, days, climate_clear_sky_index(site)));
    k.assign(pv.size(), 1.0);
  }
  for (size_t t = 0; t < pv.size(); ++t) {
    const Date d = add_days(first, static_cast<int64_t>(t / kSlotsPerDay));
    sum[d.month - 1] += pv[t].energy_wh * k[t] / 1000.0 / years;  // 1 kWp at PR 1: kWh/m^2
  }
  return sum;
}

TEST(Climate, BerlinPvFollowsTheMonthlyMethod) {
  // A 30-degree south array in Berlin, 20 years: every month within 15 % of
  // the monthly method, the year within 3 %, December/June within 15 %. The
  // model runs 5-12 % below the monthly method in November-January (measured
  // over seeds 1, 2, 3, 42 and CI's; docs/sim.md), so a 10 % bound would pass
  // or fail by seed. The old model (clear-sky plane x a season-free index, no
  // beam/diffuse split) is 11-31 % high from October to March and fails the
  // monthly check.
  const PvSite site = berlin_utc();
  const Monthly ref = monthly_method_poa(site, 30, 0.2);
  const Monthly now = simulated_poa(site, 20, false);
  const Monthly old = simulated_poa(site, 20, true);
  double ref_year = 0, now_year = 0, old_year = 0, old_worst = 0;
  for (int m = 0; m < 12; ++m) {
    std::printf("month %2d monthly method %6.1f simulated %6.1f old model %6.1f kWh/m2\n", m + 1,
                ref[m], now[m], old[m]);
    EXPECT_NEAR(now[m] / ref[m], 1.0, 0.15) << "month " << m + 1;
    old_worst = std::max(old_worst, std::abs(old[m] / ref[m] - 1));
    ref_year += ref[m];
    now_year += now[m];
    old_year += old[m];
  }
  const double ref_ratio = ref[11] / ref[5];
  std::printf("Dec/Jun: monthly method %.3f simulated %.3f old model %.3f\n", ref_ratio,
              now[11] / now[5], old[11] / old[5]);
  std::printf("year at PR 0.85: monthly method %.0f simulated %.0f old model %.0f kWh/kWp\n",
              0.85 * ref_year, 0.85 * now_year, 0.85 * old_year);
  EXPECT_NEAR(now[11] / now[5] / ref_ratio, 1.0, 0.15);
  EXPECT_NEAR(now_year / ref_year, 1.0, 0.03);
  EXPECT_GT(old_worst, 0.15);  // the same check fails the old model
}

TEST(Climate, CloudySplitConservesGhi) {
  // Beam on the horizontal plus diffuse is the GHI; overcast light is almost
  // all diffuse (Erbs: 1 - 0.09 k_t), a clear high sun mostly beam, and the
  // sun below the horizon gives nothing.
  const double pi = 3.14159265358979323846;
  for (double z : {20.0, 60.0, 80.0})
    for (double ghi : {20.0, 200.0, 600.0}) {
      const ClearSky s = erbs_split(ghi, z, 172);
      EXPECT_NEAR(s.dni * std::cos(z * pi / 180) + s.dhi, ghi, 1e-9) << z << " " << ghi;
      EXPECT_GE(s.dni, 0);
    }
  EXPECT_GT(erbs_split(40, 40, 172).dhi / 40, 0.97);    // k_t ~0.05: all but diffuse
  EXPECT_LT(erbs_split(850, 30, 172).dhi / 850, 0.25);  // clear summer noon
  EXPECT_EQ(erbs_split(100, 95, 172).ghi, 0);
  EXPECT_NEAR(erbs_diffuse_fraction(0.1), 0.991, 1e-12);
  EXPECT_NEAR(erbs_diffuse_fraction(0.9), 0.165, 1e-12);
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
