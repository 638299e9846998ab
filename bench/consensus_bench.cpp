// `wattle bench consensus`: BFT end to end. Four validator processes
// (`wattle node`, a devnet in a temp dir) on loopback; pre-signed transfers
// from 32 funded senders driven through them by devnet_load.h (batches over
// HTTP, node 0's committed-tx counter for throughput, every 10th tx polled
// for latency).
//
//   bft_tps        txs committed / (last commit - first submit)
//   bft_p50_ms     median of submit -> committed on the node it was sent to
//   bft_p99_ms     99th percentile of the same
//   verify_per_s   raw Ed25519 verifications/s on all cores, same run
//   bft_bound_tps  verify_per_s / validators (every validator verifies every tx)
//   bft_ratio      bft_tps / bft_bound_tps (goal >= 0.5, p50 < 1,000 ms)
// --quick: 2,000 txs instead of 40,000.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "bench.h"
#include "chain/executor.h"
#include "chain/tx.h"
#include "devnet_load.h"
#include "node/devnet.h"
#include "workload.h"

namespace wattle::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kValidators = 4;
constexpr size_t kSenders = 32;

}  // namespace

int run_consensus(const BenchOptions& opts) {
  const size_t n_txs = opts.quick ? 2'000 : 40'000;
  const std::string chain_id = "bench-consensus";
  Workload w = make_workload(chain_id, kSenders, n_txs, opts.seed, "consensus");

  // The bound, measured first, on all cores, while nothing else runs.
  const auto v0 = Clock::now();
  std::vector<uint8_t> ok = chain::verify_each(w.txs, &system_env());
  const double verify_s = std::chrono::duration<double>(Clock::now() - v0).count();
  for (uint8_t v : ok)
    if (!v) throw std::runtime_error("generated tx failed to verify");
  const double verify_per_s = static_cast<double>(n_txs) / verify_s;

  const fs::path dir =
      fs::temp_directory_path() / ("wattle-bench-consensus-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  node::DevnetOptions d;
  d.dir = dir.string();
  d.validators = kValidators;
  auto base = node::free_port_range(d.host, 2 * kValidators);
  if (!base) throw std::runtime_error(base.status().to_string());
  d.base_port = *base;
  d.chain_id = chain_id;
  d.block_interval_ms = 100;
  for (const KeyPair& k : w.senders)
    d.extra_balances.push_back({Address::of(k.public_key()), Money(1'000'000'000)});
  auto nodes = node::init_devnet(d);
  if (!nodes) throw std::runtime_error(nodes.status().to_string());
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::vector<pid_t> pids;
  auto stop_all = [&] {
    for (pid_t p : pids) kill(p, SIGTERM);
    for (pid_t p : pids) waitpid(p, nullptr, 0);
    pids.clear();
  };
  std::vector<uint16_t> ports;
  for (const auto& n : *nodes) {
    auto pid = node::spawn_node(self, n.home, {"--tx-rate", "0", "--log-level", "info"},
                                (fs::path(n.home) / "node.log").string());
    if (!pid) {
      stop_all();
      throw std::runtime_error(pid.status().to_string());
    }
    pids.push_back(*pid);
    ports.push_back(n.config.rpc_listen.port);
  }

  int code = 0;
  try {
    // Ready: every node answers, and the chain has made a block.
    if (!wait_ready(ports, 2, std::chrono::seconds(30)))
      throw std::runtime_error("devnet did not come up (see its node.log files)");
    LoadOptions lo;
    lo.senders = kSenders;
    lo.deadline = std::chrono::seconds(opts.quick ? 60 : 120);
    const LoadResult r = run_load(w, ports, lo);
    const double tps = r.tps();
    const double bound = verify_per_s / kValidators;
    std::cout << std::fixed << std::setprecision(0) << "bft_txs=" << r.committed << "\n"
              << "bft_tps=" << tps << "\n"
              << std::setprecision(1) << "bft_p50_ms=" << percentile(r.commit_ms, 0.50) << "\n"
              << "bft_p99_ms=" << percentile(r.commit_ms, 0.99) << "\n"
              << std::setprecision(0) << "verify_per_s=" << verify_per_s << "\n"
              << "bft_bound_tps=" << bound << "\n"
              << std::setprecision(2) << "bft_ratio=" << (bound > 0 ? tps / bound : 0) << "\n";
    if (!r.complete) {
      std::cerr << "only " << r.committed << " of " << n_txs << " txs committed in time (see "
                << dir.string() << "/node*/node.log)\n";
      code = 1;
    }
  } catch (...) {
    stop_all();
    throw;
  }
  stop_all();
  if (code == 0) fs::remove_all(dir);
  return code;
}

}  // namespace wattle::bench
