// The energy meter of `wattle bench energy` on hand-made inputs: /proc stat
// lines (odd command names, malformed text), RAPL wrap-around, counter
// discovery in a fake powercap tree, and the CPU model when RAPL is absent.
#include "energy_meter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>

#include "test_dir.h"

namespace wattle::bench {
namespace {

// A real line's shape (fields 1..17 and a tail); utime 1234, stime 566.
std::string stat_line(const std::string& comm, const std::string& utime = "1234",
                      const std::string& stime = "566") {
  return "4242 (" + comm + ") S 1 4242 4242 0 -1 4194560 2875 0 0 0 " + utime + " " + stime +
         " 0 0 20 0 9 0 1000 123456789 2000 18446744073709551615\n";
}

TEST(ProcStat, UtimePlusStimeOverClockTicks) {
  EXPECT_DOUBLE_EQ(parse_proc_stat_cpu_seconds(stat_line("wattle"), 100).value(), 18.0);
  EXPECT_DOUBLE_EQ(parse_proc_stat_cpu_seconds(stat_line("wattle"), 1000).value(), 1.8);
}

TEST(ProcStat, CommandNamesWithSpacesAndParenthesesDoNotShiftFields) {
  EXPECT_DOUBLE_EQ(parse_proc_stat_cpu_seconds(stat_line("a b) S 9 9 (c"), 100).value(), 18.0);
  EXPECT_DOUBLE_EQ(parse_proc_stat_cpu_seconds(stat_line(""), 100).value(), 18.0);
}

TEST(ProcStat, MalformedLinesAreRefused) {
  for (const std::string& bad :
       {std::string(""), std::string("4242 wattle S 1 2 3"), std::string("4242 (wattle) S 1 2 3"),
        stat_line("wattle", "12x4"), stat_line("wattle", "1234", "-5"), std::string("4242 )x( S")})
    EXPECT_EQ(parse_proc_stat_cpu_seconds(bad, 100).status().code(), Code::kMalformed) << bad;
  EXPECT_EQ(parse_proc_stat_cpu_seconds(stat_line("w"), 0).status().code(), Code::kInvalidArgument);
}

TEST(ProcStat, OwnProcessIsReadAndAnExitedOneIsNotFound) {
  auto self = processes_cpu_seconds({::getpid()});
  ASSERT_TRUE(self.is_ok()) << self.status().to_string();
  EXPECT_GE(*self, 0.0);
  // Pid numbers stop below 2^22 on Linux (pid_max).
  EXPECT_EQ(processes_cpu_seconds({::getpid(), 1 << 23}).status().code(), Code::kNotFound);
}

TEST(Rapl, DeltaWithoutAndWithWrapAround) {
  EXPECT_EQ(rapl_delta_uj(1'000, 5'500, 262'143'328'850), 4'500u);
  // Wrapped once: 100 uJ to the top, then 50 from zero.
  EXPECT_EQ(rapl_delta_uj(262'143'328'750, 50, 262'143'328'850), 150u);
  EXPECT_EQ(rapl_delta_uj(7, 7, 100), 0u);
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(Rapl, FindsPackageCountersOnlyAndMeasuresTheirSum) {
  testing::TestDir dir("wattle-rapl");
  const auto root = dir.path();
  write(root / "intel-rapl:0" / "energy_uj", "1000\n");
  write(root / "intel-rapl:0" / "max_energy_range_uj", "262143328850\n");
  write(root / "intel-rapl:1" / "energy_uj", "262143328800\n");
  write(root / "intel-rapl:1" / "max_energy_range_uj", "262143328850\n");
  // A sub-domain (core) is part of its package's energy: not counted again.
  write(root / "intel-rapl:0:0" / "energy_uj", "999999\n");
  write(root / "intel-rapl:0:0" / "max_energy_range_uj", "262143328850\n");
  const auto counters = find_rapl_counters(root.string());
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[0].max_range_uj, 262'143'328'850u);

  EnergyMeter meter({::getpid()}, root.string());
  ASSERT_TRUE(meter.start().is_ok());
  write(root / "intel-rapl:0" / "energy_uj", "2001000\n");  // +2 J
  write(root / "intel-rapl:1" / "energy_uj", "1000000\n");  // wrapped: +50 uJ +1 J
  auto r = meter.stop();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->method, "rapl");
  EXPECT_NEAR(r->joules, 3.00005, 1e-9);
  EXPECT_GE(r->cpu_seconds, 0.0);
}

TEST(Rapl, UnreadableOrMalformedCountersFallBackToTheModel) {
  testing::TestDir dir("wattle-rapl");
  const auto root = dir.path();
  write(root / "intel-rapl:0" / "energy_uj", "not a number\n");
  write(root / "intel-rapl:0" / "max_energy_range_uj", "262143328850\n");
  EXPECT_TRUE(find_rapl_counters(root.string()).empty());
  EXPECT_TRUE(find_rapl_counters((root / "absent").string()).empty());

  EnergyMeter meter({::getpid()}, root.string());
  ASSERT_TRUE(meter.start().is_ok());
  // Burn some CPU so the model has something to multiply.
  volatile uint64_t x = 0;
  auto cpu0 = processes_cpu_seconds({::getpid()}).value();
  while (processes_cpu_seconds({::getpid()}).value() < cpu0 + 0.05) x = x + 1;
  auto r = meter.stop();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->method, "cpu_model");
  EXPECT_GT(r->cpu_seconds, 0.0);
  EXPECT_DOUBLE_EQ(r->joules, r->cpu_seconds * kWattsPerCore);
}

TEST(CpuModel, IsCpuSecondsTimesWattsPerCore) {
  EXPECT_DOUBLE_EQ(cpu_model_joules(2.0), 30.0);
  EXPECT_DOUBLE_EQ(cpu_model_joules(2.0, 10.0), 20.0);
  EXPECT_DOUBLE_EQ(cpu_model_joules(0.0), 0.0);
}

}  // namespace
}  // namespace wattle::bench
