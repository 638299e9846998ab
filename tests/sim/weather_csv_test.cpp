// PVGIS TMY CSV as the PV model's weather (docs/sim.md, PV): the file's
// hours land on the right local slots (UTC, DST), the clear-sky index is
// measured / clear-sky GHI, and malformed files are refused with file:line:col.
#include "sim/weather_csv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "sim/engine.h"
#include "sim/load_profile.h"
#include "sim/solar.h"

namespace wattle::sim {
namespace {

// A month's share of the clear sky, as a TMY for Berlin might have it.
double share(int month) {
  static const double f[12] = {0.3, 0.35, 0.45, 0.55, 0.6, 0.65, 0.7, 0.65, 0.55, 0.45, 0.35, 0.25};
  return f[month - 1];
}

// Writes a TMY in PVGIS's layout whose G(h) is share(month) x the clear-sky
// GHI of `site` at each UTC hour's midpoint (years differ per month, as in a
// TMY). `skip` leaves out one hour; `bad` spoils one value.
std::string write_tmy(const std::string& name, const PvSite& site, int skip = -1,
                      bool bad = false) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream o(path);
  o << "Latitude (decimal degrees):,52.520\nLongitude (decimal degrees):,13.400\n"
       "Elevation (m):,34\nmonth,year\n1,2012\n2,2016\n3,2009\n4,2011\n5,2008\n6,2015\n"
       "7,2006\n8,2014\n9,2016\n10,2007\n11,2011\n12,2013\n"
       "time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP\n";
  int h = 0;
  for (int m = 1; m <= 12; ++m) {
    for (int d = 1; d <= days_in_month(2001, m); ++d) {
      for (int hour = 0; hour < 24; ++hour, ++h) {
        if (h == skip) continue;
        const double mid =
            static_cast<double>(days_from_civil(Date{2001, m, d})) * 86400 + hour * 3600 + 1800;
        const SolarPosition pos = solar_position(mid, site.latitude_deg, site.longitude_deg);
        const double cs =
            clear_sky_at(pos, day_of_year(Date{2001, m, d}), site.linke_turbidity, 0).ghi;
        char row[160];
        std::snprintf(row, sizeof row,
                      "2011%02d%02d:%02d00,5.1,80.2,%s,0.0,0.0,300.1,3.2,250,100900\n", m, d, hour,
                      bad && h == 4000 ? "x" : std::to_string(share(m) * cs).c_str());
        o << row;
      }
    }
  }
  o << "T2m: 2-m air temperature (degree Celsius)\nG(h): Global irradiance on the horizontal "
       "plane (W/m2)\n";
  return path;
}

TEST(WeatherCsv, ClearSkyIndexIsTheMonthsShareOnLocalSlots) {
  PvSite site;
  site.timezone = "Europe/Berlin";
  Result<HourlyWeather> w = read_pvgis_tmy(write_tmy("tmy_ok.csv", site));
  ASSERT_TRUE(w) << w.status().message();
  // A winter and a summer day (CET and CEST), local slots. The file's sun is
  // 2001's, the run's 2025's (a TMY has no year): 0.5 % apart at most; an
  // hour off (a DST or UTC slip) would be 10 % or more.
  for (const Date d : {Date{2025, 1, 15}, Date{2025, 7, 15}, Date{2024, 2, 29}}) {
    const std::vector<double> k = weather_clear_sky_index(*w, site, d, 1);
    ASSERT_EQ(k.size(), 96u);
    EXPECT_NEAR(k[12 * 4], share(d.month), 0.005) << format_date(d);  // local noon
    EXPECT_NEAR(k[10 * 4 + 2], share(d.month), 0.005) << format_date(d);
    EXPECT_EQ(k[0], 0.0) << format_date(d);  // midnight: no sun, none measured
  }
}

TEST(WeatherCsv, ScenarioPvFollowsTheMeasuredYear) {
  PvSite site;
  site.timezone = "Europe/Berlin";
  const std::string path = write_tmy("tmy_scenario.csv", site);
  const std::string top = "start = \"2025-01-01\"\ndays = 365\nholidays = \"none\"\n";
  // A horizontal array: its plane sees the GHI whatever the beam/diffuse
  // split (a tilted one gains less under cloud, docs/sim.md, PV).
  const std::string hh =
      "[[households]]\nannual_kwh = 0\npv_kwp = 1\nperformance_ratio = 1\npv_tilt = 0\n";
  Result<Scenario> measured =
      parse_scenario(top + "[site]\nweather_csv = \"" + path + "\"\n" + hh, "t", ".");
  ASSERT_TRUE(measured) << measured.status().message();
  Result<Scenario> clear = parse_scenario(top + "[site]\nclouds = false\n" + hh, "t", ".");
  ASSERT_TRUE(clear);
  auto m = make_fast_market("uniform", {}, Tariffs{300'000, 80'000}, true);
  ASSERT_TRUE(m);
  Result<RunResult> a = run_scenario(*measured, **m);
  Result<RunResult> b = run_scenario(*clear, **m);
  ASSERT_TRUE(a && b);
  // January's PV is about share(1) of the clear sky's, July's share(7).
  for (int month : {1, 7}) {
    double pa = 0, pb = 0;
    const int first = (month == 1 ? 0 : 181) * 96, last = (month == 1 ? 31 : 212) * 96;
    for (int t = first; t < last; ++t) {
      pa += a->slots[t].pv_wh;
      pb += b->slots[t].pv_wh;
    }
    EXPECT_NEAR(pa / pb, share(month), 0.02) << "month " << month;
  }
}

TEST(WeatherCsv, MalformedFilesAreRefused) {
  PvSite site;
  Result<HourlyWeather> w = read_pvgis_tmy(write_tmy("tmy_short.csv", site, 100));
  ASSERT_FALSE(w);
  EXPECT_NE(w.status().message().find("has 8759 hourly rows, a TMY needs 8760"), std::string::npos)
      << w.status().message();
  w = read_pvgis_tmy(write_tmy("tmy_bad.csv", site, -1, true));
  ASSERT_FALSE(w);
  EXPECT_NE(w.status().message().find("tmy_bad.csv:4018:4: G(h) must be a number >= 0"),
            std::string::npos)
      << w.status().message();
  const std::string junk = testing::TempDir() + "/junk.csv";
  std::ofstream(junk) << "a,b\n1,2\n";
  w = read_pvgis_tmy(junk);
  ASSERT_FALSE(w);
  EXPECT_NE(w.status().message().find("not a PVGIS TMY CSV"), std::string::npos);
  Result<Scenario> s =
      parse_scenario("[site]\nweather_csv = \"" + junk + "\"\n[[households]]\n", "t", ".");
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("'site.weather_csv'"), std::string::npos);
}

}  // namespace
}  // namespace wattle::sim
