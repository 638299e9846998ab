// TxCheckWorker: CheckTx for txs that peers gossip, on a thread of its own.
//
// Gossiped txs arrive on the consensus thread (the Switch's), which also runs
// the engine; CheckTx there (decode, signature, the module rules) would hold
// up every vote and proposal behind it, and did: it bounded a validator's
// throughput. So the P2P reactor only queues a received batch here; this
// worker takes whatever has queued (up to kMaxMergedTxs at once), runs
// Application::check_txs on it as a peer's (TxSource::kPeer: copies of txs
// already committed are refused before their signature is checked;
// signatures verified in parallel; admitted txs enter the mempool as from
// any other CheckTx) and hands each batch's
// results to `done`, from which the reactor goes back to its own thread to
// gossip what was admitted and to charge peers for invalid txs.
//
// Promises: batches are checked in the order submitted (a sender's txs from
// one peer keep their nonce order); memory is bounded: submit refuses a
// batch (and counts its txs in dropped_txs) while max_queued_txs are queued,
// being checked, or checked with results not yet handled (the consumer
// calls handled(n) once it has dealt with a batch of n, so results waiting
// on a busy consumer thread count too); stop() (and the destructor) joins
// the thread, dropping what is still queued, and no `done` runs after it
// returns. All methods: any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "chain/application.h"
#include "core/keys.h"

namespace wattle::node {

class TxCheckWorker {
 public:
  static constexpr size_t kMaxMergedTxs = 2048;

  struct Batch {
    PublicKey peer;  // who sent it
    std::vector<Bytes> txs;
  };
  // Called on the worker thread, once per batch, results in tx order.
  using Done = std::function<void(Batch batch, std::vector<chain::CheckTxResult> results)>;

  TxCheckWorker(chain::Application& app, size_t max_queued_txs, Done done);
  ~TxCheckWorker();
  TxCheckWorker(const TxCheckWorker&) = delete;
  TxCheckWorker& operator=(const TxCheckWorker&) = delete;

  // Queues `batch`; false (and the txs counted as dropped) when it does not
  // fit under max_queued_txs, or after stop().
  bool submit(Batch batch);
  // The consumer has handled the results of a batch of `txs` txs.
  void handled(size_t txs);
  void stop();

  uint64_t dropped_txs() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t checked_txs() const { return checked_.load(std::memory_order_relaxed); }
  // Txs queued, being checked, or whose results are not yet handled.
  size_t pending_txs() const;

 private:
  void run();
  // Up to kMaxMergedTxs of the queue's oldest batches (at least one);
  // waits for one. Empty once stopping.
  std::vector<Batch> take();

  chain::Application& app_;
  const size_t max_queued_txs_;
  const Done done_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;  // guarded by mu_
  size_t pending_ = 0;       // txs submitted and not yet handled; guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> checked_{0};
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace wattle::node
