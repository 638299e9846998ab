#include "ledger/mempool.h"

#include <unordered_set>

#include "ledger/rules.h"

namespace wattle::ledger {

Money tx_spend(const Tx& tx) {
  if (const auto* t = std::get_if<Transfer>(&tx.payload)) return t->amount;
  return Money(0);
}

Status Mempool::add(const Tx& tx, const Hash256& hash, size_t encoded_size,
                    const StateReader& state) {
  if (by_hash_.count(hash)) return Status(Code::kDuplicate, "tx already in the mempool");
  return admit(Entry{tx, hash, encoded_size, Clock::now()}, state);
}

Status Mempool::admit(Entry entry, const StateReader& state) {
  if (by_hash_.size() >= limits_.max_txs || bytes_ + entry.size > limits_.max_bytes)
    return Status(Code::kMempoolFull, "mempool is full; retry later");
  const Address from = entry.tx.sender_address();
  auto it = senders_.find(from);
  SenderPending pending;
  if (it != senders_.end()) {
    pending = it->second;
  } else {
    auto committed = state.account(from);
    if (!committed) return committed.status();
    pending = SenderPending{committed->nonce, Money(0), 0, *committed};
  }
  const Account* acct = &pending.committed;
  if (pending.count >= limits_.max_per_sender)
    return Status(Code::kMempoolFull, "too many pending txs from this sender");
  // Against the committed nonce first, so a replay reads as one.
  if (entry.tx.nonce < acct->nonce) return check_nonce(acct->nonce, entry.tx.nonce);
  if (Status st = check_nonce(pending.next_nonce, entry.tx.nonce); !st)
    return Status(st.code(), st.message() + " counting pending txs");
  auto spend = pending.spend.checked_add(tx_spend(entry.tx));
  if (!spend) return Status(Code::kOverflow, "pending spend overflows");
  // The same rules as execution, for all of this sender's pending spend at once.
  if (const auto* t = std::get_if<Transfer>(&entry.tx.payload); t && t->to != from) {
    auto left = debit(acct->balance, *spend, min_balance_);
    if (!left) return left.status();
    auto recipient = state.account(t->to);
    if (!recipient) return recipient.status();
    // A credit that would overflow the recipient fails now rather than in a block.
    auto credited = credit(recipient->balance, t->amount, min_balance_);
    if (!credited) return credited.status();
  } else {
    auto left = debit(acct->balance, *spend, Money(0));
    if (!left) return left.status();
  }
  pending.next_nonce += 1;
  pending.spend = *spend;
  pending.count += 1;
  senders_[from] = pending;
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

void Mempool::update(const std::vector<Tx>& committed, const StateReader& state) {
  std::vector<Hash256> hashes;
  hashes.reserve(committed.size());
  for (const Tx& tx : committed) hashes.push_back(tx.hash());
  update_hashes(hashes, state);
}

void Mempool::update_hashes(const std::vector<Hash256>& committed, const StateReader& state) {
  std::unordered_set<Hash256, Hash256Hasher> done(committed.begin(), committed.end());
  std::deque<Entry> old;
  old.swap(queue_);
  by_hash_.clear();
  senders_.clear();
  bytes_ = 0;
  // Re-admit survivors in their original order against the new state; txs
  // the block invalidated (spent funds, used nonces) fall out here.
  for (Entry& e : old) {
    if (done.count(e.hash)) continue;
    (void)admit(std::move(e), state);
  }
}

std::optional<uint64_t> Mempool::pending_nonce(const Address& sender) const {
  auto it = senders_.find(sender);
  if (it == senders_.end()) return std::nullopt;
  return it->second.next_nonce;
}

std::optional<Tx> Mempool::get(const Hash256& hash) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second->tx;
}

std::optional<Mempool::Clock::time_point> Mempool::admitted_at(const Hash256& hash) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second->admitted;
}

}  // namespace wattle::ledger
