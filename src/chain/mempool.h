// Mempool: the bounded set of checked txs waiting for a block.
//
// Promise: every tx in the pool passed CheckTx: the same rules execution
// runs (apply_tx: the nonce, then the tx's module), on an overlay of the
// committed state plus the effects of the txs ahead of it from the same
// sender (escrow, debt and credits counted), in the context of the next
// block (set_next_block). So a tx the pool admitted fails at execution only
// through another sender's effect, and reap() returns a prefix that executes
// in order. Bounded by count, bytes and per sender; over a bound, admission
// fails with kMempoolFull. Not thread-safe: the application guards it.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "chain/block_context.h"
#include "chain/executor.h"
#include "chain/state.h"
#include "chain/tx.h"

namespace wattle::chain {

struct MempoolLimits {
  size_t max_txs = 200'000;
  size_t max_bytes = 64 * 1024 * 1024;
  size_t max_per_sender = 10'000;
};

class Mempool {
 public:
  // params: the chain's modules, whose rules CheckTx runs.
  Mempool(MempoolLimits limits, ChainParams params) : limits_(limits), params_(std::move(params)) {}
  // Not copyable: by_hash_ points into queue_, so a copy would point into the
  // original. Moving is safe (a moved deque keeps its elements in place).
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;
  Mempool(Mempool&&) = default;
  Mempool& operator=(Mempool&&) = default;

  // The context CheckTx judges time-dependent rules in: the next block's
  // (block_context.h). Default: height 0, time 0.
  void set_next_block(const BlockContext& ctx) { next_block_ = ctx; }

  // Stateful CheckTx: limits, duplicates, then apply_tx on the sender's
  // overlay (nonce replay/gap, the module's rules). The caller has already
  // run check_stateless (chain id, ranges, signature). `admitted_ms` is
  // the caller's clock (Env::steady_ms), kept for admitted_at().
  Status add(const Tx& tx, const Hash256& hash, size_t encoded_size, const StateReader& state,
             uint64_t admitted_ms = 0);

  // Up to `max` txs in admission order (which keeps per-sender nonce order).
  std::vector<Tx> reap(size_t max) const;
  // The same, with each tx's hash (computed once, at admission).
  struct Pending {
    Tx tx;
    Hash256 hash;
  };
  std::vector<Pending> reap_pending(size_t max) const;

  // After a block commits: drops its txs and any tx the new state makes
  // invalid, and re-derives every sender's pending overlay. Returns the txs
  // the recheck dropped, with the reason.
  struct Dropped {
    Hash256 hash;
    Status reason;
  };
  std::vector<Dropped> update(const std::vector<Tx>& committed, const StateReader& state);
  // The same, given the hashes of the txs to drop.
  std::vector<Dropped> update_hashes(const std::vector<Hash256>& done, const StateReader& state);

  bool contains(const Hash256& hash) const { return by_hash_.count(hash) != 0; }
  // The nonce the sender's next tx needs, if it has txs pending.
  std::optional<uint64_t> pending_nonce(const Address& sender) const;
  std::optional<Tx> get(const Hash256& hash) const;
  // When the tx was admitted, as add() was told (commit-latency metrics).
  std::optional<uint64_t> admitted_at(const Hash256& hash) const;
  size_t size() const { return by_hash_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    Tx tx;
    Hash256 hash;
    size_t size;
    uint64_t admitted_ms;
  };
  struct SenderPending {
    uint64_t committed_nonce = 0;  // read once per sender from the committed state
    size_t count = 0;
    // The sum of the amounts its pending transfers move: a sum past int64 is
    // refused as kOverflow before the rules run (the code it always had).
    Money spend;
    // The writes of the sender's pending txs over the committed state.
    StateWrites writes;
  };
  Status admit(Entry entry, const StateReader& state);

  MempoolLimits limits_;
  ChainParams params_;
  BlockContext next_block_;
  std::deque<Entry> queue_;  // admission order; entries removed by update()
  // Lookups only, never iterated. Pointers into queue_ stay valid: a deque's
  // push_back never moves elements, and update() rebuilds both together.
  std::unordered_map<Hash256, const Entry*, Hash256Hasher> by_hash_;
  std::map<Address, SenderPending> senders_;
  size_t bytes_ = 0;
};

}  // namespace wattle::chain
