// `wattle bench ingest`: how close end-to-end ingestion gets to raw signature
// verification on this machine (a ratio measured in one run).
//
//   verify_per_s  Ed25519 verifications/s on all cores (the bound)
//   ingest_tps    signed transfers/s through CheckTx (decode, chain id,
//                 parallel signature check, nonce, funds), block building,
//                 execution and the synced RocksDB commit, in a real Node
//   ratio         ingest_tps / verify_per_s   (goal >= 0.7)
//   http_tps      the same through POST /v1/txs batches on one keep-alive connection
//                 (the per-client tx rate limit off: the benchmark is one client)
//   status_during_recheck_p99_ms
//                 99th percentile of Node::status() latency, one call due
//                 every millisecond (open loop: counted from when it was
//                 due) while blocks of 5,000 commit out of a mempool
//                 filled with all the txs at once, so each commit rechecks
//                 tens of thousands of pending txs (the recheck
//                 used to hold the lock status needs)
//   tx_lookup_during_recheck_p99_ms
//                 the same for looking up a tx, which needs the mempool lock
//                 the recheck holds: the contrast, measured in the same run
//
// Txs are generated and signed before timing, from a seed; each run uses a
// fresh temp home.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench.h"
#include "chain/executor.h"
#include "node/home.h"
#include "node/node.h"
#include "rpc/http_client.h"
#include "workload.h"

namespace wattle::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A node over a fresh home funding the workload's senders; started unless
// `start` is false (txs can be submitted before its first block).
std::unique_ptr<node::Node> start_node(const fs::path& home, const Workload& w, bool rpc,
                                       bool start = true) {
  fs::remove_all(home);
  node::InitOptions init;
  init.chain_id = "bench";
  init.block_interval_ms = 5;
  for (const auto& k : w.senders)
    init.balances.push_back({Address::of(k.public_key()), Money(1'000'000'000'000)});
  Status st = node::init_home(home.string(), init);
  if (!st) throw std::runtime_error(st.to_string());
  node::NodeConfig cfg;
  cfg.home = home.string();
  cfg.rpc_enabled = rpc;
  cfg.rpc_port = 0;
  cfg.max_block_txs = 5'000;
  cfg.tx_rate.per_second = 0;  // one benchmark client must not be throttled
  auto n = node::Node::open(cfg);
  if (!n) throw std::runtime_error(n.status().to_string());
  if (start) st = (*n)->start();
  if (!st) throw std::runtime_error(st.to_string());
  return std::move(*n);
}

bool wait_all_committed(node::Node& n, uint64_t total) {
  auto deadline = Clock::now() + std::chrono::minutes(5);
  while (n.status().txs_committed < total) {
    if (Clock::now() > deadline || n.halted()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int run_ingest(const BenchOptions& opts) {
  crypto_init();
  const size_t n_txs = opts.quick ? 4'000 : 60'000;
  const size_t n_senders = opts.quick ? 50 : 1'000;
  const size_t batch = 2'000;
  fs::path base = fs::temp_directory_path() / ("wattle-bench-ingest-" + std::to_string(::getpid()));

  // (a) the bound: raw verification on all cores.
  Workload w = make_workload("bench", n_senders, n_txs, opts.seed, "direct");
  auto t0 = Clock::now();
  std::vector<uint8_t> ok = chain::verify_each(w.txs, &system_env());
  double verify_s = seconds_since(t0);
  for (uint8_t v : ok)
    if (!v) throw std::runtime_error("generated tx failed to verify");
  double verify_per_s = n_txs / verify_s;

  // (b) end to end through a real node, without HTTP.
  double ingest_tps = 0;
  {
    auto node = start_node(base / "direct", w, false);
    t0 = Clock::now();
    for (size_t i = 0; i < n_txs; i += batch) {
      std::vector<Bytes> chunk(w.raw.begin() + i, w.raw.begin() + std::min(n_txs, i + batch));
      for (const auto& r : node->submit(chunk))
        if (!r.status) throw std::runtime_error("submit rejected a tx: " + r.status.to_string());
    }
    if (!wait_all_committed(*node, n_txs)) throw std::runtime_error("not all txs committed");
    ingest_tps = n_txs / seconds_since(t0);
    node->stop();
  }

  // (c) the same through the HTTP API: batch endpoint, one keep-alive connection.
  double http_tps = 0;
  {
    Workload hw = make_workload("bench", n_senders, n_txs, opts.seed, "http");
    auto node = start_node(base / "http", hw, true);
    rpc::HttpClient client("127.0.0.1", node->rpc_port());
    std::vector<std::string> bodies;
    for (size_t i = 0; i < n_txs; i += batch) {
      nlohmann::json body = {{"txs", nlohmann::json::array()}};
      for (size_t j = i; j < std::min(n_txs, i + batch); ++j)
        body["txs"].push_back(to_hex(hw.raw[j]));
      bodies.push_back(body.dump());
    }
    t0 = Clock::now();
    for (const auto& body : bodies) {
      auto r = client.request("POST", "/v1/txs", body);
      if (!r || r->status != 200) throw std::runtime_error("HTTP submit failed");
    }
    if (!wait_all_committed(*node, n_txs)) throw std::runtime_error("not all HTTP txs committed");
    http_tps = n_txs / seconds_since(t0);
    node->stop();
  }
  // (d) query latency while large mempool rechecks run: the whole workload
  // is admitted before the node starts producing blocks, then blocks of
  // 5,000 drain it, each rechecking everything left (55,000, 50,000, ...).
  double status_p99_ms = 0, lookup_p99_ms = 0;
  {
    auto node = start_node(base / "recheck", w, false, /*start=*/false);
    for (size_t i = 0; i < n_txs; i += batch) {
      std::vector<Bytes> chunk(w.raw.begin() + i, w.raw.begin() + std::min(n_txs, i + batch));
      node->submit(chunk);
    }
    Status started = node->start();
    if (!started) throw std::runtime_error(started.to_string());
    std::atomic<bool> done{false};
    // Polls `call` every millisecond until done; returns the p99 latency in ms.
    auto poll = [&](auto call) {
      // Open loop: one call due every millisecond, latency counted from when
      // it was due, so a call stuck behind a lock also delays (and is charged
      // to) the calls due meanwhile, as for clients arriving at that rate.
      std::vector<double> ms;
      auto due = Clock::now();
      while (!done) {
        std::this_thread::sleep_until(due);
        call();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
        due += std::chrono::milliseconds(1);
      }
      std::sort(ms.begin(), ms.end());
      return ms.empty() ? 0.0 : ms[ms.size() * 99 / 100];
    };
    const Hash256 absent{};
    std::thread status_poller([&] { status_p99_ms = poll([&] { (void)node->status(); }); });
    std::thread lookup_poller(
        [&] { lookup_p99_ms = poll([&] { (void)node->lookup_tx(absent); }); });
    bool all = wait_all_committed(*node, n_txs);
    done = true;
    status_poller.join();
    lookup_poller.join();
    node->stop();
    if (!all) throw std::runtime_error("not all recheck txs committed");
  }
  fs::remove_all(base);

  std::cout << "txs=" << n_txs << "\n"
            << "cores=" << std::thread::hardware_concurrency() << "\n"
            << "verify_per_s=" << static_cast<uint64_t>(verify_per_s) << "\n"
            << "ingest_tps=" << static_cast<uint64_t>(ingest_tps) << "\n"
            << "ratio=" << std::fixed << std::setprecision(2) << ingest_tps / verify_per_s << "\n"
            << "http_tps=" << static_cast<uint64_t>(http_tps) << "\n"
            << "status_during_recheck_p99_ms=" << std::setprecision(3) << status_p99_ms << "\n"
            << "tx_lookup_during_recheck_p99_ms=" << lookup_p99_ms << "\n";
  return 0;
}

}  // namespace wattle::bench
