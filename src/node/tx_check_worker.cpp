#include "node/tx_check_worker.h"

#include <algorithm>

namespace wattle::node {

TxCheckWorker::TxCheckWorker(chain::Application& app, size_t max_queued_txs, Done done)
    : app_(app),
      max_queued_txs_(max_queued_txs),
      done_(std::move(done)),
      thread_([this] { run(); }) {}

TxCheckWorker::~TxCheckWorker() {
  stop();
}

bool TxCheckWorker::submit(Batch batch) {
  const size_t n = batch.txs.size();
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && pending_ + n <= max_queued_txs_) {
      pending_ += n;
      queue_.push_back(std::move(batch));
      cv_.notify_one();
      return true;
    }
  }
  dropped_.fetch_add(n, std::memory_order_relaxed);
  return false;
}

void TxCheckWorker::handled(size_t txs) {
  std::lock_guard lock(mu_);
  pending_ -= std::min(txs, pending_);
}

void TxCheckWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

size_t TxCheckWorker::pending_txs() const {
  std::lock_guard lock(mu_);
  return pending_;
}

std::vector<TxCheckWorker::Batch> TxCheckWorker::take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  std::vector<Batch> out;
  size_t txs = 0;
  while (!stopping_ && !queue_.empty() &&
         (out.empty() || txs + queue_.front().txs.size() <= kMaxMergedTxs)) {
    txs += queue_.front().txs.size();
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

void TxCheckWorker::run() {
  for (;;) {
    std::vector<Batch> batches = take();
    if (batches.empty()) return;  // stopping
    // One check_txs call for all of them: one lock round trip and one
    // parallel signature pass instead of one per peer batch.
    std::vector<Bytes> all;
    for (Batch& b : batches)
      for (Bytes& tx : b.txs) all.push_back(std::move(tx));
    std::vector<chain::CheckTxResult> results = app_.check_txs(all, chain::TxSource::kPeer);
    size_t at = 0;
    for (Batch& b : batches) {
      const size_t n = b.txs.size();
      for (size_t i = 0; i < n; ++i) b.txs[i] = std::move(all[at + i]);
      std::vector<chain::CheckTxResult> mine(std::make_move_iterator(results.begin() + at),
                                             std::make_move_iterator(results.begin() + at + n));
      at += n;
      checked_.fetch_add(n, std::memory_order_relaxed);
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      done_(std::move(b), std::move(mine));
    }
  }
}

}  // namespace wattle::node
