#include "node/pow_miner.h"

#include "consensus/pow/miner.h"

namespace wattle::node {

void PowMiner::start() {
  if (!workers_.empty()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (unsigned i = 0; i < std::min(threads_, kMaxThreads); ++i)
    workers_.emplace_back([this, i] { run(i); });
}

void PowMiner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

uint64_t PowMiner::set_job(const consensus::pow::PowHeader& header) {
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    header_ = header;
    id = job_.load() + 1;
    job_.store(id);
  }
  cv_.notify_all();
  return id;
}

void PowMiner::run(unsigned index) {
  uint64_t done = 0;  // the last job this thread finished (solved)
  for (;;) {
    consensus::pow::PowHeader header;
    uint64_t id;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || (header_ && job_.load() != done); });
      if (stopping_) return;
      header = *header_;
      id = job_.load();
    }
    // Each thread searches its own 2^56-nonce range of the job.
    uint64_t nonce = uint64_t{index} << 56;
    for (;;) {
      auto r = consensus::pow::mine(header, nonce, kBatchHashes);
      hashes_.fetch_add(r.hashes, std::memory_order_relaxed);
      nonce += r.hashes;
      if (r.solved) {
        found_(id, *r.solved);
        done = id;
        break;
      }
      if (job_.load() != id) break;
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
  }
}

}  // namespace wattle::node
