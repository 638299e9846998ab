// PowMiner: the node's mining threads (docs/consensus.md, "Proof of work").
// They grind nonces of one header at a time (the job) with
// consensus::pow::mine, the function the simulator and the energy benchmark
// count hashes with.
//
// Promises:
//  - At most `threads` threads, started by start() and joined by stop() (or
//    the destructor); a thread notices a new job or stop() within one batch
//    of kBatchHashes hashes, so SIGTERM stops a node promptly.
//  - `found` runs on a mining thread, at most once per job and thread; it
//    must only hand the header over (post it to the node's consensus
//    thread), which then checks the job is still current.
//  - set_job, stop and hashes are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "consensus/pow/header.h"

namespace wattle::node {

class PowMiner {
 public:
  static constexpr uint64_t kBatchHashes = 2048;
  static constexpr unsigned kMaxThreads = 64;
  using Found = std::function<void(uint64_t job, const consensus::pow::PowHeader& solved)>;

  PowMiner(unsigned threads, Found found) : threads_(threads), found_(std::move(found)) {}
  ~PowMiner() { stop(); }
  PowMiner(const PowMiner&) = delete;
  PowMiner& operator=(const PowMiner&) = delete;

  void start();
  void stop();
  // Replaces the work: every thread moves to `header` (nonces from its own
  // range). Returns the job's id, which `found` reports back.
  uint64_t set_job(const consensus::pow::PowHeader& header);
  // Hashes computed since start.
  uint64_t hashes() const { return hashes_.load(std::memory_order_relaxed); }

 private:
  void run(unsigned index);

  const unsigned threads_;
  const Found found_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<consensus::pow::PowHeader> header_;  // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  std::atomic<uint64_t> job_{0};                     // the current job's id; written under mu_
  std::atomic<uint64_t> hashes_{0};
  std::vector<std::thread> workers_;
};

}  // namespace wattle::node
