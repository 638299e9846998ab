#include "devnet_load.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "rpc/http_client.h"

namespace wattle::bench {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

uint64_t txs_committed(rpc::HttpClient& c) {
  auto r = c.get("/v1/status");
  return r && r->status == 200
             ? json::parse(r->body, nullptr, false).value("txs_committed", uint64_t{0})
             : 0;
}

struct Sample {
  size_t tx = 0;
  Clock::time_point submitted;
  std::optional<Clock::time_point> committed;
};

// A committed tx's depth: the node's `confirmations` when it reports them,
// else head height - tx height + 1 (Bitcoin's count: 1 in the head block).
template <typename Head>
uint64_t confirmations(const json& tx, Head head) {
  if (tx.contains("confirmations")) return tx.value("confirmations", uint64_t{0});
  const uint64_t h = tx.value("height", uint64_t{0});
  const uint64_t top = head();
  return h > 0 && top >= h ? top - h + 1 : 0;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

bool wait_ready(const std::vector<uint16_t>& ports, uint64_t min_height,
                std::chrono::seconds deadline) {
  const auto until = Clock::now() + deadline;
  for (uint16_t port : ports) {
    rpc::HttpClient c("127.0.0.1", port);
    for (;;) {
      auto r = c.get("/v1/status");
      if (r && r->status == 200 &&
          json::parse(r->body, nullptr, false).value("height", uint64_t{0}) >= min_height)
        break;
      if (Clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return true;
}

LoadResult run_load(const Workload& w, const std::vector<uint16_t>& ports, const LoadOptions& o) {
  const size_t n_txs = w.txs.size();
  const size_t n_nodes = ports.size();
  // Which node each tx goes to: its sender's, so nonces stay in order there.
  std::vector<size_t> node_of(n_txs);
  for (size_t i = 0; i < n_txs; ++i) node_of[i] = (i % o.senders) % n_nodes;
  std::vector<std::vector<size_t>> queue(n_nodes);
  for (size_t i = 0; i < n_txs; ++i) queue[node_of[i]].push_back(i);
  std::vector<size_t> next(n_nodes, 0);

  std::vector<rpc::HttpClient> clients;
  for (uint16_t port : ports)
    clients.emplace_back("127.0.0.1", port,
                         rpc::HttpClientOptions{std::chrono::milliseconds(10'000)});
  const uint64_t base = txs_committed(clients[0]);
  std::mutex mu;
  std::vector<Sample> to_poll;
  LoadResult result;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> committed{0};
  std::atomic<size_t> pending{0};  // samples submitted and not yet final
  std::atomic<int64_t> last_commit_ns{0};
  const auto start = Clock::now();
  std::vector<std::thread> readers;
  auto stop_readers = [&] {
    done = true;
    for (auto& t : readers) t.join();
    readers.clear();
  };
  // Throughput: node 0's committed-tx counter.
  readers.emplace_back([&] {
    rpc::HttpClient c("127.0.0.1", ports[0]);
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
    for (uint16_t port : ports) pollers.emplace_back("127.0.0.1", port);
    while (!done) {
      // Each node's head height this round, fetched when a depth is needed.
      std::vector<std::optional<uint64_t>> heads(n_nodes);
      auto head = [&](size_t k) {
        if (!heads[k]) {
          auto r = pollers[k].get("/v1/status");
          heads[k] = r && r->status == 200
                         ? json::parse(r->body, nullptr, false).value("height", uint64_t{0})
                         : 0;
        }
        return *heads[k];
      };
      std::vector<Sample> batch;
      {
        std::lock_guard lock(mu);
        batch.swap(to_poll);
      }
      std::vector<Sample> again;
      for (Sample& s : batch) {
        auto r = pollers[node_of[s.tx]].get("/v1/txs/" + w.txs[s.tx].hash().hex());
        const json j = r && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
        const auto now = Clock::now();
        if (j.is_object() && j.value("status", "") == "committed") {
          if (!s.committed) {
            s.committed = now;
            result.commit_ms.push_back(ms_between(s.submitted, now));
          }
          if (o.final_confirmations == 0 ||
              confirmations(j, [&] { return head(node_of[s.tx]); }) >= o.final_confirmations) {
            result.final_ms.push_back(ms_between(s.submitted, now));
            pending -= 1;
            continue;
          }
        }
        again.push_back(s);
      }
      {
        std::lock_guard lock(mu);
        to_poll.insert(to_poll.end(), again.begin(), again.end());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  try {
    size_t sent = 0;
    while (sent < n_txs) {
      if (sent - committed.load() > o.max_in_flight) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      for (size_t k = 0; k < n_nodes; ++k) {
        json body = {{"txs", json::array()}};
        std::vector<size_t> batch;
        while (batch.size() < o.batch && next[k] < queue[k].size())
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
        for (size_t i : batch) {
          if (i % o.sample_every != 0) continue;
          pending += 1;
          to_poll.push_back({i, now, std::nullopt});
        }
      }
    }
  } catch (...) {
    stop_readers();
    throw;
  }
  const auto deadline = Clock::now() + o.deadline;
  while ((committed.load() < n_txs || pending.load() > 0) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop_readers();
  result.committed = committed.load();
  result.seconds = static_cast<double>(last_commit_ns.load()) / 1e9;
  result.complete = result.committed >= n_txs && pending.load() == 0;
  return result;
}

}  // namespace wattle::bench
