#include "sim/scenario.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sim/presets.h"

namespace wattle::sim {
namespace {

std::string error_of(const std::string& toml) {
  Result<Scenario> s = parse_scenario(toml, "test.toml", ".");
  return s ? std::string("(no error)") : s.status().message();
}

TEST(Scenario, EveryPresetParses) {
  for (const Preset& p : presets()) {
    Result<Scenario> s = parse_scenario(p.toml, "preset " + p.name, ".");
    ASSERT_TRUE(s) << p.name << ": " << s.status().message();
    EXPECT_GT(s->households(), 0) << p.name;
    EXPECT_EQ(s->name, p.name);
  }
  EXPECT_EQ(presets().size(), 8u);
}

TEST(Scenario, ErrorsNameTheKeyAndTheReason) {
  const std::string base = "[[households]]\ncount = 2\n";
  EXPECT_EQ(error_of(base + "pv_kwp = -1\n"),
            "scenario key 'households[0].pv_kwp': must be in 0..100000, got -1");
  EXPECT_EQ(error_of(base + "agnet = \"zi-c\"\n"),
            "scenario key 'households[0].agnet': unknown key");
  EXPECT_NE(error_of(base + "agent = \"smart\"\n").find("households[0].agent': unknown agent"),
            std::string::npos);
  EXPECT_NE(error_of("mechanism = \"auction\"\n" + base).find("'mechanism': unknown mechanism"),
            std::string::npos);
  EXPECT_EQ(error_of("days = 0\n" + base), "scenario key 'days': must be in 1..3660, got 0");
  EXPECT_EQ(error_of("[tariff]\ngrid_buy = 0.1\ngrid_sell = 0.2\n" + base),
            "scenario key 'tariff.grid_sell': must be <= grid_buy (the grid would pay more than it "
            "charges)");
  EXPECT_EQ(error_of("start = \"2025-02-30\"\n" + base),
            "scenario key 'start': must be a date YYYY-MM-DD, got \"2025-02-30\"");
  EXPECT_EQ(error_of("[site]\nlatitude = \"north\"\n" + base),
            "scenario key 'site.latitude': must be a number");
  EXPECT_NE(error_of("days = \n").find("test.toml:1:"), std::string::npos);  // TOML syntax
}

TEST(Scenario, CsvInputErrorsNameFileLineAndColumn) {
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/short.csv") << "slot,energy_wh\n0,10\n1,12\n";
  std::ofstream(dir + "/bad.csv") << "slot,energy_wh\n0,10\n1,ten\n";
  const std::string toml = "days = 1\n[[households]]\nload_csv = \"FILE\"\n";
  auto with = [&](const std::string& f) {
    std::string t = toml;
    t.replace(t.find("FILE"), 4, f);
    Result<Scenario> s = parse_scenario(t, "test.toml", dir);
    return s ? std::string() : s.status().message();
  };
  EXPECT_NE(with("short.csv").find("short.csv:3:1: has 2 rows, the scenario needs 96"),
            std::string::npos)
      << with("short.csv");
  EXPECT_NE(with("bad.csv").find("bad.csv:3:2: expected a number, got \"ten\""), std::string::npos)
      << with("bad.csv");
  EXPECT_NE(with("missing.csv").find("households[0].load_csv"), std::string::npos);
}

TEST(Scenario, DaysOverrideReplacesTheFilesDays) {
  Result<Scenario> s = parse_scenario("days = 3\n[[households]]\n", "t", ".", 10);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->days, 10);
}

// A battery with a capacity but no power limit (or the reverse) once parsed
// and then silently never moved energy: now it is an error naming the key.
TEST(Scenario, BatteryNeedsBothCapacityAndPower) {
  const std::string base = "[[households]]\ncount = 2\n";
  EXPECT_EQ(error_of(base + "battery_kwh = 10\n"),
            "scenario key 'households[0].battery_kw': required (> 0) when battery_kwh > 0 (the "
            "battery's power limit)");
  EXPECT_EQ(error_of(base + "battery_kw = 5\n"),
            "scenario key 'households[0].battery_kwh': required (> 0) when battery_kw > 0 (the "
            "battery's capacity)");
  EXPECT_EQ(error_of(base + "battery_kwh = 10\nbattery_kw = 5\n"), "(no error)");
  EXPECT_EQ(error_of(base + "grid_charging = true\n"),
            "scenario key 'households[0].grid_charging': applies only to agent = \"battery\"");
  Result<Scenario> s =
      parse_scenario(base + "battery_kwh = 10\nbattery_kw = 5\nagent = \"battery\"\n", "t", ".");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->groups[0].grid_charging);  // the default: no charging from the market
}

}  // namespace
}  // namespace wattle::sim
