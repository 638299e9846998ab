// A signed-transfer load driven through running devnet nodes over HTTP
// (`wattle bench consensus`, `wattle bench energy`).
//
// Each sender's txs always go to the same node (nonces stay in order there),
// posted in batches while at most `max_in_flight` are uncommitted. Node 0's
// committed-tx counter (/v1/status txs_committed) gives the throughput; every
// `sample_every`-th tx is polled (GET /v1/txs/{hash}) on the node it went to
// for latency: to "committed" and, with `final_confirmations` (PoW), to that
// depth: the tx's `confirmations` when the node reports them, else the
// node's head height - the tx's height + 1. (The event stream would drop a reader
// that a block of thousands of txs outpaces: by design.)
//
// Promise: returns when every tx is committed and every sample final, or at
// the deadline with `complete` false; never throws past a batch a node
// refused (that is a std::runtime_error naming the node: a broken run).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "workload.h"

namespace wattle::bench {

struct LoadOptions {
  size_t senders = 32;  // the workload's (tx i is sent by sender i % senders)
  size_t batch = 250;
  size_t max_in_flight = 2'000;
  size_t sample_every = 10;
  // 0: committed is final (BFT). Else a sample is final once its tx's
  // `confirmations` reach this (a PoW chain's finality depth).
  uint32_t final_confirmations = 0;
  std::chrono::seconds deadline{120};  // from the last submit
};

struct LoadResult {
  uint64_t committed = 0;         // txs node 0 committed since the start
  double seconds = 0;             // first submit to the last commit node 0 saw
  std::vector<double> commit_ms;  // sampled: submit -> committed (depth 1)
  std::vector<double> final_ms;   // sampled: submit -> final
  bool complete = false;
  double tps() const { return seconds > 0 ? static_cast<double>(committed) / seconds : 0; }
};

// Waits until every node at `ports` answers /v1/status with a height of at
// least `min_height`; false at the deadline.
bool wait_ready(const std::vector<uint16_t>& ports, uint64_t min_height,
                std::chrono::seconds deadline);

LoadResult run_load(const Workload& w, const std::vector<uint16_t>& ports,
                    const LoadOptions& options);

// The p-quantile (0..1) of `v`, by rank; 0 when empty.
double percentile(std::vector<double> v, double p);

}  // namespace wattle::bench
