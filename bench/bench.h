// Benchmarks are programs, not tests: each prints one
// `name=value` line per figure on stdout. `quick` is CI's short mode, which
// only checks that the benchmark runs; figures from it are not meaningful.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace wattle::bench {

struct BenchOptions {
  bool quick = false;
  uint64_t seed = 1;
  uint64_t txs = 0;  // benchmarks that submit a workload: its size (0: their default)
};

struct BenchInfo {
  std::string name;
  std::string summary;
  std::function<int(const BenchOptions&)> run;  // returns a process exit code
};

// Each bench/*.cpp contributes its entry here (bench_list.cpp).
int run_ingest(const BenchOptions& opts);
int run_market(const BenchOptions& opts);
// The chain part of `wattle bench market` (market_node_bench.cpp).
int bench_market_node(const BenchOptions& opts);
int run_consensus_sim(const BenchOptions& opts);
int run_consensus(const BenchOptions& opts);
int run_net(const BenchOptions& opts);
int run_sim(const BenchOptions& opts);
int run_ledger(const BenchOptions& opts);
int run_certificates(const BenchOptions& opts);
int run_staking(const BenchOptions& opts);
int run_market_chain(const BenchOptions& opts);
int run_energy(const BenchOptions& opts);

const std::vector<BenchInfo>& benches();

}  // namespace wattle::bench
