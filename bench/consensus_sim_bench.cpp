// `wattle bench consensus-sim`: throughput of the deterministic BFT simulator
// (schedules and committed heights per second of wall time, 4 and 7
// validators with f Byzantine, 10 % loss, partitions and crashes) and the
// protocol's mean rounds per height under 0, 10 and 30 % message loss
// (steady mode: the loss lasts the whole run; 4 honest validators, 10
// heights per schedule). Wall-clock figures are noisy on shared machines; the
// rounds per height are exact for the seeds used. Any violation fails the
// benchmark (exit 3).
#include <chrono>
#include <iostream>

#include "bench.h"
#include "cluster_sim/simulator.h"

namespace wattle::bench {

namespace {

struct Timed {
  cluster_sim::SweepTotals totals;
  double seconds = 0;
};

Timed timed_sweep(const cluster_sim::SimConfig& c, uint64_t seed, uint64_t count) {
  const auto start = std::chrono::steady_clock::now();
  Timed t{cluster_sim::run_schedules(c, seed, count), 0};
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

}  // namespace

int run_consensus_sim(const BenchOptions& opts) {
  using cluster_sim::SimConfig;
  bool violation = false;
  for (uint32_t n : {4u, 7u}) {
    SimConfig c;
    c.validators = n;
    c.byzantine = (n - 1) / 3;
    c.loss_percent = 10;
    c.partitions = true;
    c.crashes = true;
    c.heights = 3;
    const uint64_t count = opts.quick ? 5 : (n == 4 ? 400 : 200);
    Timed t = timed_sweep(c, opts.seed, count);
    violation = violation || t.totals.failed();
    const double s = t.seconds > 0 ? t.seconds : 1e-9;
    std::cout << "consensus_sim_schedules_per_s_n" << n << "=" << double(t.totals.schedules) / s
              << "\n"
              << "consensus_sim_heights_per_s_n" << n << "=" << double(t.totals.heights) / s << "\n"
              << "consensus_sim_messages_per_schedule_n" << n << "="
              << double(t.totals.messages) / double(t.totals.schedules) << "\n";
  }
  for (uint32_t loss : {0u, 10u, 30u}) {
    SimConfig c;
    c.validators = 4;
    c.loss_percent = loss;
    c.heights = 10;
    c.steady = true;
    Timed t = timed_sweep(c, opts.seed, opts.quick ? 3 : 200);
    violation = violation || t.totals.failed();
    std::cout << "consensus_mean_rounds_per_height_loss" << loss << "="
              << t.totals.mean_rounds_per_height() << "\n";
  }
  std::cout << "consensus_sim_violations=" << (violation ? 1 : 0) << "\n";
  return violation ? 3 : 0;
}

}  // namespace wattle::bench
