#include "chain/mempool.h"

#include <unordered_set>

namespace wattle::chain {

Status Mempool::add(const Tx& tx, const Hash256& hash, size_t encoded_size,
                    const StateReader& state, uint64_t admitted_ms) {
  if (by_hash_.count(hash)) return Status(Code::kDuplicate, "tx already in the mempool");
  return admit(Entry{tx, hash, encoded_size, admitted_ms}, state);
}

Status Mempool::admit(Entry entry, const StateReader& state) {
  if (by_hash_.size() >= limits_.max_txs || bytes_ + entry.size > limits_.max_bytes)
    return Status(Code::kMempoolFull, "mempool is full; retry later");
  const Address from = entry.tx.sender_address();
  auto it = senders_.find(from);
  if (it == senders_.end()) {
    auto committed = state.account(from);
    if (!committed) return committed.status();
    it = senders_.emplace(from, SenderPending{committed->nonce, 0, Money(0), {}}).first;
  }
  SenderPending& pending = it->second;
  const auto* transfer = std::get_if<Transfer>(&entry.tx.payload);
  const auto spend = pending.spend.checked_add(transfer ? transfer->amount : Money(0));
  Status st;
  if (pending.count >= limits_.max_per_sender) {
    st = Status(Code::kMempoolFull, "too many pending txs from this sender");
  } else if (entry.tx.nonce < pending.committed_nonce) {
    // Against the committed nonce first, so a replay reads as one.
    st = check_nonce(pending.committed_nonce, entry.tx.nonce);
  } else if (!spend && entry.tx.nonce == pending.committed_nonce + pending.count) {
    st = Status(Code::kOverflow, "pending spend overflows");
  } else {
    // The execution rules, on the committed state plus this sender's
    // pending writes (moved in and out: no copy per tx).
    StateOverlay overlay(state, std::move(pending.writes));
    st = apply_tx(overlay, entry.tx, params_, next_block_, nullptr);
    pending.writes = std::move(overlay).take_writes();
    if (!st && (st.code() == Code::kNonceGap || st.code() == Code::kNonceReplay))
      st = Status(st.code(), st.message() + " counting pending txs");
  }
  if (!st) {
    if (pending.count == 0) senders_.erase(it);
    return st;
  }
  pending.count += 1;
  pending.spend = spend.value_or(pending.spend);
  bytes_ += entry.size;
  queue_.push_back(std::move(entry));
  by_hash_[queue_.back().hash] = &queue_.back();
  return Status::ok();
}

std::vector<Tx> Mempool::reap(size_t max) const {
  std::vector<Tx> out;
  for (Pending& p : reap_pending(max)) out.push_back(std::move(p.tx));
  return out;
}

std::vector<Mempool::Pending> Mempool::reap_pending(size_t max) const {
  std::vector<Pending> out;
  out.reserve(std::min(max, queue_.size()));
  for (const Entry& e : queue_) {
    if (out.size() >= max) break;
    out.push_back(Pending{e.tx, e.hash});
  }
  return out;
}

std::vector<Mempool::Dropped> Mempool::update(const std::vector<Tx>& committed,
                                              const StateReader& state) {
  std::vector<Hash256> hashes;
  hashes.reserve(committed.size());
  for (const Tx& tx : committed) hashes.push_back(tx.hash());
  return update_hashes(hashes, state);
}

std::vector<Mempool::Dropped> Mempool::update_hashes(const std::vector<Hash256>& committed,
                                                     const StateReader& state) {
  std::unordered_set<Hash256, Hash256Hasher> done(committed.begin(), committed.end());
  std::deque<Entry> old;
  old.swap(queue_);
  by_hash_.clear();
  senders_.clear();
  bytes_ = 0;
  // Re-admit survivors in their original order against the new state; txs
  // the block invalidated (spent funds, used nonces) fall out here.
  std::vector<Dropped> dropped;
  for (Entry& e : old) {
    if (done.count(e.hash)) continue;
    const Hash256 hash = e.hash;
    if (Status st = admit(std::move(e), state); !st) dropped.push_back({hash, st});
  }
  return dropped;
}

std::optional<uint64_t> Mempool::pending_nonce(const Address& sender) const {
  auto it = senders_.find(sender);
  if (it == senders_.end()) return std::nullopt;
  return it->second.committed_nonce + it->second.count;
}

std::optional<Tx> Mempool::get(const Hash256& hash) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second->tx;
}

std::optional<uint64_t> Mempool::admitted_at(const Hash256& hash) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second->admitted_ms;
}

}  // namespace wattle::chain
