// `wattle bench consensus`: BFT end to end. Four validator processes
// (`wattle node`, a devnet in a temp dir) on loopback; pre-signed transfers
// from 32 funded senders, each sender's txs always to the same node (nonces
// stay in order there), posted in batches over HTTP while at most
// kMaxInFlight are uncommitted. Node 0's committed-tx counter gives the
// throughput; every 10th tx is polled on the node it went to for latency.
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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench.h"
#include "chain/executor.h"
#include "chain/tx.h"
#include "node/devnet.h"
#include "rpc/http_client.h"
#include "workload.h"

namespace wattle::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kValidators = 4;
constexpr size_t kSenders = 32;
constexpr size_t kBatch = 250;
constexpr size_t kMaxInFlight = 2'000;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

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
  for (const auto& n : *nodes) {
    auto pid = node::spawn_node(self, n.home, {"--tx-rate", "0", "--log-level", "info"},
                                (fs::path(n.home) / "node.log").string());
    if (!pid) {
      stop_all();
      throw std::runtime_error(pid.status().to_string());
    }
    pids.push_back(*pid);
  }

  // Which node each tx goes to: its sender's, so nonces stay in order there.
  std::vector<size_t> node_of(n_txs);
  for (size_t i = 0; i < n_txs; ++i) node_of[i] = (i % kSenders) % kValidators;
  std::vector<std::vector<size_t>> queue(kValidators);
  for (size_t i = 0; i < n_txs; ++i) queue[node_of[i]].push_back(i);
  std::vector<size_t> next(kValidators, 0);
  // Latency is sampled: every kSampleEvery-th tx is polled on the node it
  // was sent to (GET /v1/txs/{hash}) until committed. (The event stream
  // would drop a reader that a block of thousands of txs outpaces: by design.)
  constexpr size_t kSampleEvery = 10;
  std::mutex mu;
  std::vector<std::pair<size_t, Clock::time_point>> to_poll;  // (tx, submitted)
  std::vector<double> latencies;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> committed{0};
  std::vector<std::thread> readers;
  int code = 0;
  try {
    std::vector<rpc::HttpClient> clients;
    for (const auto& n : *nodes)
      clients.emplace_back("127.0.0.1", n.config.rpc_listen.port,
                           rpc::HttpClientOptions{std::chrono::milliseconds(10'000)});
    // Ready: every node answers, and the chain has made a block.
    for (auto& c : clients) {
      bool up = false;
      for (int k = 0; k < 300 && !up; ++k) {
        auto r = c.get("/v1/status");
        up = r && r->status == 200 && json::parse(r->body, nullptr, false).value("height", 0) >= 2;
        if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!up) throw std::runtime_error("devnet did not come up (see its node.log files)");
    }
    auto txs_committed = [&](rpc::HttpClient& c) -> uint64_t {
      auto r = c.get("/v1/status");
      return r && r->status == 200
                 ? json::parse(r->body, nullptr, false).value("txs_committed", uint64_t{0})
                 : 0;
    };
    const uint64_t base = txs_committed(clients[0]);
    std::atomic<int64_t> last_commit_ns{0};
    const auto start = Clock::now();
    // Throughput: node 0's committed-tx counter.
    readers.emplace_back([&] {
      rpc::HttpClient c("127.0.0.1", (*nodes)[0].config.rpc_listen.port);
      while (!done) {
        const uint64_t n = txs_committed(c) - base;
        if (n > committed.load()) {
          committed = n;
          last_commit_ns = (Clock::now() - start).count();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    // Latency samples.
    readers.emplace_back([&] {
      std::vector<rpc::HttpClient> pollers;
      for (const auto& n : *nodes) pollers.emplace_back("127.0.0.1", n.config.rpc_listen.port);
      while (!done) {
        std::vector<std::pair<size_t, Clock::time_point>> batch;
        {
          std::lock_guard lock(mu);
          batch.swap(to_poll);
        }
        std::vector<std::pair<size_t, Clock::time_point>> again;
        for (const auto& [i, t] : batch) {
          auto r = pollers[node_of[i]].get("/v1/txs/" + w.txs[i].hash().hex());
          if (r && r->status == 200 &&
              json::parse(r->body, nullptr, false).value("status", "") == "committed") {
            latencies.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - t).count());
          } else {
            again.push_back({i, t});
          }
        }
        {
          std::lock_guard lock(mu);
          to_poll.insert(to_poll.end(), again.begin(), again.end());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    size_t sent = 0;
    while (sent < n_txs) {
      if (sent - committed.load() > kMaxInFlight) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      for (int k = 0; k < kValidators; ++k) {
        json body = {{"txs", json::array()}};
        std::vector<size_t> batch;
        while (batch.size() < kBatch && next[k] < queue[k].size())
          batch.push_back(queue[k][next[k]++]);
        if (batch.empty()) continue;
        for (size_t i : batch) body["txs"].push_back(to_hex(w.raw[i]));
        const auto now = Clock::now();
        auto r = clients[k].post("/v1/txs", body.dump());
        if (!r || r->status != 200)
          throw std::runtime_error("batch refused by node " + std::to_string(k) + ": " +
                                   (r ? r->body.substr(0, 200) : r.status().to_string()));
        sent += batch.size();
        std::lock_guard lock(mu);
        for (size_t i : batch)
          if (i % kSampleEvery == 0) to_poll.push_back({i, now});
      }
    }
    const auto deadline = Clock::now() + std::chrono::seconds(opts.quick ? 60 : 120);
    auto sampled_left = [&] {
      std::lock_guard lock(mu);
      return to_poll.size();
    };
    while ((committed.load() < n_txs || sampled_left() > 0) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    done = true;
    for (auto& t : readers) t.join();
    readers.clear();
    const double secs = static_cast<double>(last_commit_ns.load()) / 1e9;
    const double tps = secs > 0 ? static_cast<double>(committed.load()) / secs : 0;
    const double bound = verify_per_s / kValidators;
    std::cout << std::fixed << std::setprecision(0) << "bft_txs=" << committed.load() << "\n"
              << "bft_tps=" << tps << "\n"
              << std::setprecision(1) << "bft_p50_ms=" << percentile(latencies, 0.50) << "\n"
              << "bft_p99_ms=" << percentile(latencies, 0.99) << "\n"
              << std::setprecision(0) << "verify_per_s=" << verify_per_s << "\n"
              << "bft_bound_tps=" << bound << "\n"
              << std::setprecision(2) << "bft_ratio=" << (bound > 0 ? tps / bound : 0) << "\n";
    if (committed.load() < n_txs) {
      std::cerr << "only " << committed.load() << " of " << n_txs << " txs committed in time (see "
                << dir.string() << "/node*/node.log)\n";
      code = 1;
    }
  } catch (...) {
    done = true;
    for (auto& t : readers) t.join();
    stop_all();
    throw;
  }
  stop_all();
  if (code == 0) fs::remove_all(dir);
  return code;
}

}  // namespace wattle::bench
