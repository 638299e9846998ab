// `wattle bench sim`: the community simulator in fast mode, as name=value lines.
//
//   sim_households, sim_days   the workload: 10,000 households x 365 days x 96
//                     slots (--quick: 200 x 2), Berlin 2025, uniform auction;
//                     30 % prosumers (5 kWp), 10 % of those with a 10 kWh
//                     battery agent, consumers split truthful / ZI-C
//   sim_wall_s        wall time of the run (profiles, orders, clearing, bills)
//   household_slots_per_s   households x slots / sim_wall_s
//   sim_cpu_s, cpu_per_wall  process CPU time and its ratio to wall time
//                     (about 2 when both cores of the goal machine work)
//   threads           worker threads used (one per hardware thread)
//   peak_rss_mb       peak resident set size of the process
//   p2p_mwh, savings_pct    a sanity figure of the outcome
// Goal: sim_wall_s <= 60 on 2 cores for the full workload.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "bench.h"
#include "sim/engine.h"
#include "sim/kpi.h"
#include "sim/parallel.h"

namespace wattle::bench {

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

sim::Scenario workload(int households, int days, uint64_t seed) {
  sim::Scenario s;
  s.name = "bench";
  s.seed = seed;
  s.days = days;
  s.start = sim::Date{2025, 1, 1};
  const int prosumers = households * 3 / 10;
  const int batteries = prosumers / 10;
  sim::HouseholdGroup storage;
  storage.name = "storage";
  storage.count = batteries;
  storage.pv_kwp = 5;
  storage.pv.kwp = 5;
  storage.battery = sim::BatterySpec{10'000, 5'000, 0.9, 0.5};
  storage.agent = sim::AgentKind::kBattery;
  sim::HouseholdGroup prosumer = storage;
  prosumer.name = "prosumer";
  prosumer.count = prosumers - batteries;
  prosumer.battery = {};
  prosumer.agent = sim::AgentKind::kTruthful;
  sim::HouseholdGroup truthful;
  truthful.name = "consumer";
  truthful.count = (households - prosumers) / 2;
  sim::HouseholdGroup zic = truthful;
  zic.name = "consumer-zi-c";
  zic.count = households - prosumers - truthful.count;
  zic.agent = sim::AgentKind::kZiC;
  s.groups = {storage, prosumer, truthful, zic};
  return s;
}

}  // namespace

int run_sim(const BenchOptions& opts) {
  const int households = opts.quick ? 200 : 10'000;
  const int days = opts.quick ? 2 : 365;
  const sim::Scenario s = workload(households, days, opts.seed);
  auto market = sim::make_fast_market(
      "uniform", {}, sim::Tariffs{sim::to_micro(s.grid_buy), sim::to_micro(s.grid_sell)}, true);
  if (!market) {
    std::fprintf(stderr, "bench sim: %s\n", market.status().message().c_str());
    return 2;
  }
  sim::RunOptions ro;
  ro.keep_slots = false;
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  Result<sim::RunResult> r = sim::run_scenario(s, **market, ro);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  if (!r) {
    std::fprintf(stderr, "bench sim: %s\n", r.status().message().c_str());
    return 2;
  }
  const sim::CommunityKpis k = sim::community_kpis(*r, s.carbon_g_per_kwh, s.slots());
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("sim_households=%d\nsim_days=%d\nthreads=%d\n", households, days,
              sim::default_threads());
  std::printf("sim_wall_s=%.2f\nhousehold_slots_per_s=%.0f\nsim_cpu_s=%.2f\ncpu_per_wall=%.2f\n",
              wall, static_cast<double>(r->household_slots) / wall, cpu, cpu / wall);
  std::printf("peak_rss_mb=%.1f\n", static_cast<double>(u.ru_maxrss) / 1024.0);
  std::printf("p2p_mwh=%.1f\nsavings_pct=%.2f\n", k.p2p_kwh / 1000, k.savings_pct);
  return 0;
}

}  // namespace wattle::bench
