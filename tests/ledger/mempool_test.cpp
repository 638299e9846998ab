// Mempool CheckTx: each rejection carries its stable code and leaves the pool
// (and the state it was checked against) unchanged; limits hold; reap keeps
// per-sender nonce order; update() drops committed and now-invalid txs; and
// whatever reap returns executes cleanly (the pool's promise).
#include "chain/mempool.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <type_traits>

#include "chain/executor.h"
#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using testing::kChain;
using testing::make_genesis;
using testing::Snapshot;
using testing::snapshot;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;

constexpr int64_t kStart = 1'000;

// What a caller can observe about a pool.
struct PoolView {
  size_t size;
  size_t bytes;
  std::vector<Hash256> order;
  bool operator==(const PoolView&) const = default;
};

PoolView view(const Mempool& pool) {
  PoolView v{pool.size(), pool.bytes(), {}};
  for (const Tx& tx : pool.reap(SIZE_MAX)) v.order.push_back(tx.hash());
  return v;
}

class MempoolTest : public ::testing::Test {
 protected:
  MempoolTest() : state_(make_genesis(4, kStart).initial_state()) {}

  Status add(Mempool& pool, const Tx& tx) {
    return pool.add(tx, tx.hash(), encode_to_bytes(tx).size(), state_);
  }
  Status add(const Tx& tx) { return add(pool_, tx); }

  // Adds `tx`, asserts `code`, and that neither the pool nor the state moved.
  void expect_rejected(Mempool& pool, const Tx& tx, Code code) {
    PoolView before = view(pool);
    Snapshot state_before = snapshot(state_);
    EXPECT_EQ(add(pool, tx).code(), code);
    EXPECT_EQ(view(pool), before);
    EXPECT_EQ(snapshot(state_), state_before);
    if (code != Code::kDuplicate) {
      EXPECT_FALSE(pool.contains(tx.hash()));
    }
  }
  void expect_rejected(const Tx& tx, Code code) { expect_rejected(pool_, tx, code); }

  // Commits `txs` as a block on state_ and tells the pool.
  void commit(const std::vector<Tx>& txs) {
    auto exec = execute_txs(state_, txs, kChain, true);
    ASSERT_TRUE(exec.is_ok()) << exec.status().to_string();
    state_.apply(exec->writes);
    pool_.update(txs, state_);
  }

  State state_;
  Mempool pool_{MempoolLimits{}, standard_params(kChain)};
};

TEST_F(MempoolTest, AdmitsAValidTxAndIndexesIt) {
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  ASSERT_TRUE(add(tx));
  EXPECT_EQ(pool_.size(), 1u);
  EXPECT_EQ(pool_.bytes(), encode_to_bytes(tx).size());
  EXPECT_TRUE(pool_.contains(tx.hash()));
  ASSERT_TRUE(pool_.get(tx.hash()).has_value());
  EXPECT_EQ(pool_.get(tx.hash())->hash(), tx.hash());
  EXPECT_TRUE(pool_.admitted_at(tx.hash()).has_value());
  EXPECT_FALSE(pool_.get(Hash256{}).has_value());
  EXPECT_FALSE(pool_.admitted_at(Hash256{}).has_value());
}

TEST_F(MempoolTest, SameTxTwiceIsDuplicate) {
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  ASSERT_TRUE(add(tx));
  expect_rejected(tx, Code::kDuplicate);
}

TEST_F(MempoolTest, CommittedNonceIsNonceReplay) {
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  commit({tx});
  expect_rejected(tx, Code::kNonceReplay);
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(3), 5), Code::kNonceReplay);
}

TEST_F(MempoolTest, PendingNonceWithOtherContentIsNonceReplay) {
  ASSERT_TRUE(add(transfer_tx(user_key(1), 0, user_addr(2), 10)));
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(3), 10), Code::kNonceReplay);
}

TEST_F(MempoolTest, NonceGapIsRejectedAgainstStateAndPending) {
  expect_rejected(transfer_tx(user_key(1), 1, user_addr(2), 10), Code::kNonceGap);
  ASSERT_TRUE(add(transfer_tx(user_key(1), 0, user_addr(2), 10)));
  expect_rejected(transfer_tx(user_key(1), 2, user_addr(2), 10), Code::kNonceGap);
  EXPECT_TRUE(add(transfer_tx(user_key(1), 1, user_addr(2), 10)));
}

TEST_F(MempoolTest, OverdraftIsInsufficientFunds) {
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(2), kStart + 1), Code::kInsufficientFunds);
  expect_rejected(transfer_tx(user_key(40), 0, user_addr(2), 1), Code::kInsufficientFunds);
}

TEST_F(MempoolTest, PendingSpendCountsAgainstTheBalance) {
  ASSERT_TRUE(add(transfer_tx(user_key(1), 0, user_addr(2), 600)));
  expect_rejected(transfer_tx(user_key(1), 1, user_addr(3), 401), Code::kInsufficientFunds);
  EXPECT_TRUE(add(transfer_tx(user_key(1), 1, user_addr(3), 400)));  // exactly the rest
  expect_rejected(transfer_tx(user_key(1), 2, user_addr(3), 1), Code::kInsufficientFunds);
}

TEST_F(MempoolTest, PendingSpendNearInt64MaxDoesNotWrap) {
  State rich;
  rich.put(user_addr(1), Account{Money(INT64_MAX), 0});
  Mempool pool(MempoolLimits{}, standard_params(kChain));
  Tx a = transfer_tx(user_key(1), 0, user_addr(2), INT64_MAX);
  ASSERT_TRUE(pool.add(a, a.hash(), encode_to_bytes(a).size(), rich));
  Tx b = transfer_tx(user_key(1), 1, user_addr(2), INT64_MAX);
  Status st = pool.add(b, b.hash(), encode_to_bytes(b).size(), rich);
  EXPECT_FALSE(st);
  EXPECT_TRUE(st.code() == Code::kOverflow || st.code() == Code::kInsufficientFunds)
      << st.to_string();
  EXPECT_EQ(pool.size(), 1u);
}

TEST_F(MempoolTest, CreditPastInt64MaxIsOverflow) {
  // Unreachable from a valid genesis (total supply fits int64), so build the
  // state by hand: CheckTx refuses what the block would refuse.
  state_.put(user_addr(2), Account{Money(INT64_MAX - 50), 0});
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(2), 51), Code::kOverflow);
  EXPECT_TRUE(add(transfer_tx(user_key(1), 0, user_addr(2), 50)));
}

TEST_F(MempoolTest, TotalTxLimitIsMempoolFull) {
  Mempool pool(MempoolLimits{/*max_txs=*/3, /*max_bytes=*/1 << 20, /*max_per_sender=*/100},
               standard_params(kChain));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(add(pool, transfer_tx(user_key(i), 0, user_addr(3), 1)));
  expect_rejected(pool, transfer_tx(user_key(3), 0, user_addr(0), 1), Code::kMempoolFull);
  expect_rejected(pool, transfer_tx(user_key(0), 1, user_addr(3), 1), Code::kMempoolFull);
}

TEST_F(MempoolTest, ByteLimitIsMempoolFull) {
  const size_t one = encode_to_bytes(transfer_tx(user_key(0), 0, user_addr(3), 1)).size();
  Mempool pool(MempoolLimits{/*max_txs=*/100, /*max_bytes=*/2 * one + one / 2, 100},
               standard_params(kChain));
  ASSERT_TRUE(add(pool, transfer_tx(user_key(0), 0, user_addr(3), 1)));
  ASSERT_TRUE(add(pool, transfer_tx(user_key(1), 0, user_addr(3), 1)));
  expect_rejected(pool, transfer_tx(user_key(2), 0, user_addr(3), 1), Code::kMempoolFull);
  EXPECT_LE(pool.bytes(), 2 * one + one / 2);
}

TEST_F(MempoolTest, PerSenderLimitIsMempoolFullButOthersStillGetIn) {
  Mempool pool(MempoolLimits{/*max_txs=*/100, /*max_bytes=*/1 << 20, /*max_per_sender=*/3},
               standard_params(kChain));
  for (uint64_t n = 0; n < 3; ++n)
    ASSERT_TRUE(add(pool, transfer_tx(user_key(1), n, user_addr(2), 1)));
  expect_rejected(pool, transfer_tx(user_key(1), 3, user_addr(2), 1), Code::kMempoolFull);
  EXPECT_TRUE(add(pool, transfer_tx(user_key(2), 0, user_addr(1), 1)));
}

TEST_F(MempoolTest, ReapKeepsAdmissionAndNonceOrderAndRespectsMax) {
  std::vector<Tx> added;
  for (uint64_t n = 0; n < 4; ++n)
    for (int s = 0; s < 3; ++s) {
      added.push_back(transfer_tx(user_key(s), n, user_addr((s + 1) % 4), 10));
      ASSERT_TRUE(add(added.back()));
    }
  std::vector<Tx> all = pool_.reap(SIZE_MAX);
  ASSERT_EQ(all.size(), added.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].hash(), added[i].hash());
  std::vector<Tx> five = pool_.reap(5);
  ASSERT_EQ(five.size(), 5u);
  for (size_t i = 0; i < five.size(); ++i) EXPECT_EQ(five[i].hash(), added[i].hash());
  EXPECT_TRUE(pool_.reap(0).empty());
  EXPECT_EQ(pool_.size(), added.size()) << "reap must not remove";
  // Every prefix is a block that executes.
  for (size_t k = 0; k <= all.size(); ++k) {
    std::vector<Tx> prefix(all.begin(), all.begin() + static_cast<long>(k));
    EXPECT_TRUE(execute_txs(state_, prefix, kChain, true).is_ok()) << "prefix " << k;
  }
}

TEST_F(MempoolTest, UpdateDropsCommittedTxsAndKeepsTheRest) {
  Tx a0 = transfer_tx(user_key(1), 0, user_addr(2), 10);
  Tx a1 = transfer_tx(user_key(1), 1, user_addr(2), 10);
  Tx b0 = transfer_tx(user_key(2), 0, user_addr(3), 10);
  for (const Tx& tx : {a0, b0, a1}) ASSERT_TRUE(add(tx));
  commit({a0, b0});
  EXPECT_FALSE(pool_.contains(a0.hash()));
  EXPECT_FALSE(pool_.contains(b0.hash()));
  EXPECT_TRUE(pool_.contains(a1.hash()));
  EXPECT_EQ(pool_.size(), 1u);
  EXPECT_EQ(pool_.bytes(), encode_to_bytes(a1).size());
  // Pending nonces were re-derived: the next one from sender 1 is 2.
  EXPECT_TRUE(add(transfer_tx(user_key(1), 2, user_addr(2), 10)));
  expect_rejected(transfer_tx(user_key(1), 1, user_addr(3), 10), Code::kNonceReplay);
}

TEST_F(MempoolTest, UpdateDropsTxsTheBlockMadeInvalid) {
  // Another proposer's block spends sender 1's nonce 0 and most of its money.
  Tx pooled0 = transfer_tx(user_key(1), 0, user_addr(2), 100);
  Tx pooled1 = transfer_tx(user_key(1), 1, user_addr(2), 100);
  Tx pooled_other = transfer_tx(user_key(3), 0, user_addr(2), 100);
  for (const Tx& tx : {pooled0, pooled1, pooled_other}) ASSERT_TRUE(add(tx));
  Tx elsewhere = transfer_tx(user_key(1), 0, user_addr(3), kStart - 50);
  commit({elsewhere});
  EXPECT_FALSE(pool_.contains(pooled0.hash())) << "nonce 0 is used now";
  EXPECT_FALSE(pool_.contains(pooled1.hash())) << "50 left cannot cover 100";
  EXPECT_TRUE(pool_.contains(pooled_other.hash()));
  EXPECT_EQ(view(pool_).order, std::vector<Hash256>{pooled_other.hash()});
  EXPECT_TRUE(execute_txs(state_, pool_.reap(SIZE_MAX), kChain, true).is_ok());
}

TEST_F(MempoolTest, UpdateDropsEverythingAfterAGapInOneSendersChain) {
  Tx t0 = transfer_tx(user_key(1), 0, user_addr(2), 100);
  Tx t1 = transfer_tx(user_key(1), 1, user_addr(2), 100);
  Tx t2 = transfer_tx(user_key(1), 2, user_addr(2), 100);
  for (const Tx& tx : {t0, t1, t2}) ASSERT_TRUE(add(tx));
  // A block elsewhere drains sender 1 to 150 with nonce 0: t0 is replayed,
  // t1 (nonce 1) fits, t2 no longer does.
  commit({transfer_tx(user_key(1), 0, user_addr(3), kStart - 150)});
  EXPECT_FALSE(pool_.contains(t0.hash()));
  EXPECT_TRUE(pool_.contains(t1.hash()));
  EXPECT_FALSE(pool_.contains(t2.hash()));
}

TEST_F(MempoolTest, ReapPendingCarriesEachTxsOwnHash) {
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(add(transfer_tx(user_key(s), 0, user_addr(3), 5)));
  std::vector<Tx> txs = pool_.reap(2);
  std::vector<Mempool::Pending> pending = pool_.reap_pending(2);
  ASSERT_EQ(pending.size(), txs.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    EXPECT_EQ(pending[i].hash, txs[i].hash());
    EXPECT_EQ(pending[i].tx.hash(), txs[i].hash());
  }
  EXPECT_EQ(pool_.reap_pending(SIZE_MAX).size(), 3u);
}

TEST_F(MempoolTest, UpdateHashesPrunesExactlyLikeUpdate) {
  Mempool by_txs(MempoolLimits{}, standard_params(kChain));
  Mempool by_hashes(MempoolLimits{}, standard_params(kChain));
  std::vector<Tx> txs = {transfer_tx(user_key(1), 0, user_addr(2), 100),
                         transfer_tx(user_key(1), 1, user_addr(2), 100),
                         transfer_tx(user_key(2), 0, user_addr(3), 100),
                         transfer_tx(user_key(3), 0, user_addr(1), 100)};
  for (const Tx& tx : txs) {
    ASSERT_TRUE(add(by_txs, tx));
    ASSERT_TRUE(add(by_hashes, tx));
  }
  // The block commits two pooled txs and one from elsewhere that drains sender 3.
  std::vector<Tx> block = {txs[0], txs[2], transfer_tx(user_key(3), 0, user_addr(2), kStart)};
  auto exec = execute_txs(state_, block, kChain, true);
  ASSERT_TRUE(exec.is_ok());
  state_.apply(exec->writes);
  by_txs.update(block, state_);
  std::vector<Hash256> hashes;
  for (const Tx& tx : block) hashes.push_back(tx.hash());
  by_hashes.update_hashes(hashes, state_);
  EXPECT_EQ(view(by_hashes), view(by_txs));
  EXPECT_EQ(view(by_hashes).order, std::vector<Hash256>{txs[1].hash()});
}

// by_hash_ holds pointers into the pool's own queue_, so a copied pool would
// index the original's entries and read freed memory once the original
// changes or dies (Mempool::update() rebuilds the queue). Copying must not
// compile; moving is safe (a moved deque keeps its elements in place).
TEST(MempoolSafety, IsNotCopyableBecauseItsIndexPointsIntoItsOwnQueue) {
  EXPECT_FALSE(std::is_copy_constructible_v<Mempool>);
  EXPECT_FALSE(std::is_copy_assignable_v<Mempool>);
}

// The pool's promise under random traffic: whatever reap returns executes
// cleanly, before and after committing a prefix and calling update().
RC_GTEST_PROP(MempoolProperty, ReapedTxsAlwaysExecuteInOrder, ()) {
  const int users = *rc::gen::inRange(2, 6);
  State state = make_genesis(users, kStart).initial_state();
  Mempool pool(MempoolLimits{/*max_txs=*/40, /*max_bytes=*/1 << 20, /*max_per_sender=*/6},
               standard_params(kChain));
  std::map<int, uint64_t> next;  // a sender's next nonce as the client believes it
  const int rounds = *rc::gen::inRange(1, 5);
  for (int round = 0; round < rounds; ++round) {
    const int n = *rc::gen::inRange(0, 30);
    for (int i = 0; i < n; ++i) {
      const int from = *rc::gen::inRange(0, users);
      const int skew = *rc::gen::element(0, 0, 0, 0, -1, 1);  // mostly right, some replays/gaps
      const uint64_t nonce = static_cast<uint64_t>(std::max<int64_t>(0, next[from] + skew));
      const int64_t amount = *rc::gen::inRange<int64_t>(1, kStart / 2);
      Tx tx =
          transfer_tx(user_key(from), nonce, user_addr(*rc::gen::inRange(0, users + 1)), amount);
      const size_t before = pool.size();
      Status st = pool.add(tx, tx.hash(), encode_to_bytes(tx).size(), state);
      RC_ASSERT(pool.size() == before + (st ? 1 : 0));
      if (st) next[from] = nonce + 1;
    }
    std::vector<Tx> all = pool.reap(SIZE_MAX);
    RC_ASSERT(all.size() == pool.size());
    RC_ASSERT(execute_txs(state, all, kChain, false).is_ok());
    const size_t k = *rc::gen::inRange<size_t>(0, all.size() + 1);
    std::vector<Tx> block = pool.reap(k);
    auto exec = execute_txs(state, block, kChain, true);
    RC_ASSERT(exec.is_ok());
    state.apply(exec->writes);
    pool.update(block, state);
    for (const Tx& tx : block) RC_ASSERT(!pool.contains(tx.hash()));
    RC_ASSERT(pool.size() == all.size() - block.size());  // nothing else became invalid
    for (auto& [from, n] : next) n = std::max(n, state.get(user_addr(from)).nonce);
  }
}

}  // namespace
}  // namespace wattle::chain
