// node::TxCheckWorker, the gossiped-tx CheckTx off the consensus thread:
// results come back per batch in submission order with the codes CheckTx
// gives anywhere, admitted txs are in the mempool, a full queue drops and
// counts, and stop() drops what is queued and joins.
#include "node/tx_check_worker.h"

#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include <condition_variable>
#include <mutex>

#include "chain/decode_counters.h"
#include "ledger/ledger_test_util.h"

namespace wattle::node {
namespace {

namespace lt = chain::testing;

class TxCheckWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chain::StoreOptions so;
    so.env = disk_.get();
    so.min_free_bytes = 0;
    auto store = chain::Store::open("/worker-test", so);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto app = chain::Application::open(lt::make_genesis(4, 1'000'000'000), std::move(*store));
    ASSERT_TRUE(app.is_ok()) << app.status().to_string();
    app_ = std::move(*app);
  }
  static Bytes transfer(int from, uint64_t nonce) {
    return encode_to_bytes(lt::transfer_tx(lt::user_key(from), nonce, lt::user_addr(5), 100));
  }

  struct Result {
    PublicKey peer;
    std::vector<Bytes> txs;
    std::vector<chain::CheckTxResult> results;
  };
  // Collects results; while `hold` is set, the worker waits in `done`.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Result> got_;
  bool hold_ = false;
  // Handles each batch at once (TxCheckWorker::handled) unless `hold_`.
  TxCheckWorker::Done collect() {
    return [this](TxCheckWorker::Batch b, std::vector<chain::CheckTxResult> r) {
      std::unique_lock lock(mu_);
      const size_t n = b.txs.size();
      got_.push_back({b.peer, std::move(b.txs), std::move(r)});
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hold_; });
      if (worker_) worker_->handled(n);
    };
  }
  TxCheckWorker* worker_ = nullptr;  // set once built, for handled()
  bool wait_for(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return got_.size() >= n; });
  }

  std::unique_ptr<rocksdb::Env> disk_{rocksdb::NewMemEnv(rocksdb::Env::Default())};
  std::unique_ptr<chain::Application> app_;
};

TEST_F(TxCheckWorkerTest, ChecksBatchesInOrderAndAdmitsToTheMempool) {
  TxCheckWorker worker(*app_, 1000, collect());
  worker_ = &worker;
  const PublicKey a = lt::user_key(10).public_key(), b = lt::user_key(11).public_key();
  Bytes forged = transfer(1, 0);
  forged[forged.size() - 1] ^= 1;  // the signature's last byte
  // Sender 0's nonces 0, 1 arrive from two peers in two batches: order kept.
  ASSERT_TRUE(worker.submit({a, {transfer(0, 0), Bytes{1, 2, 3}}}));
  ASSERT_TRUE(worker.submit({b, {transfer(0, 1), forged, transfer(0, 0)}}));
  ASSERT_TRUE(wait_for(2));
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].peer, a);
  EXPECT_EQ(got_[1].peer, b);
  ASSERT_EQ(got_[0].results.size(), 2u);
  ASSERT_EQ(got_[1].results.size(), 3u);
  EXPECT_EQ(got_[0].txs[0], transfer(0, 0));  // the bytes come back with their results
  EXPECT_TRUE(got_[0].results[0].status.is_ok());
  EXPECT_EQ(got_[0].results[1].status.code(), Code::kMalformed);
  EXPECT_TRUE(got_[1].results[0].status.is_ok()) << got_[1].results[0].status.to_string();
  EXPECT_EQ(got_[1].results[1].status.code(), Code::kBadSignature);
  EXPECT_EQ(got_[1].results[2].status.code(), Code::kDuplicate);
  EXPECT_EQ(app_->mempool_size(), 2u);
  EXPECT_EQ(worker.checked_txs(), 5u);
  EXPECT_EQ(worker.dropped_txs(), 0u);
}

TEST_F(TxCheckWorkerTest, AFullQueueDropsAndCountsAndStopDropsWhatWaits) {
  {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  TxCheckWorker worker(*app_, 4, collect());
  worker_ = &worker;
  const PublicKey p = lt::user_key(10).public_key();
  ASSERT_TRUE(worker.submit({p, {transfer(0, 0)}}));
  ASSERT_TRUE(wait_for(1));  // the worker now waits in done: 1 tx pending
  EXPECT_TRUE(worker.submit({p, {transfer(1, 0), transfer(2, 0)}}));
  EXPECT_EQ(worker.pending_txs(), 3u);
  EXPECT_FALSE(worker.submit({p, {transfer(3, 0), transfer(3, 1)}}));  // 5 > 4
  EXPECT_EQ(worker.dropped_txs(), 2u);
  EXPECT_TRUE(worker.submit({p, {transfer(3, 0)}}));  // exactly 4 fits
  {
    std::lock_guard lock(mu_);
    hold_ = false;
  }
  cv_.notify_all();
  ASSERT_TRUE(wait_for(3));
  worker.stop();
  EXPECT_FALSE(worker.submit({p, {transfer(3, 1)}}));
  EXPECT_EQ(worker.dropped_txs(), 3u);
  EXPECT_EQ(app_->mempool_size(), 4u);
}

// Gossip brings a tx from several peers; a copy that arrives after its block
// committed is refused as a replay before its signature is checked (a
// forged copy shows it), while a client's forged replay is still a bad
// signature.
TEST_F(TxCheckWorkerTest, APeersCopyOfACommittedTxIsAReplayWithoutASignatureCheck) {
  const Bytes tx = transfer(0, 0);
  ASSERT_TRUE(app_->check_tx(tx).status.is_ok());
  auto p = app_->prepare_proposal(1, app_->head().time_ms + 1, lt::user_key(0).public_key());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_TRUE(app_->finalize_block(p->block).is_ok());
  ASSERT_TRUE(app_->commit().is_ok());
  Bytes forged = tx;
  forged[forged.size() - 1] ^= 1;
  auto peer = app_->check_txs({tx, forged, transfer(0, 1)}, chain::TxSource::kPeer);
  EXPECT_EQ(peer[0].status.code(), Code::kNonceReplay);
  EXPECT_EQ(peer[1].status.code(), Code::kNonceReplay);
  EXPECT_TRUE(peer[2].status.is_ok()) << peer[2].status.to_string();
  auto client = app_->check_txs({tx, forged});
  EXPECT_EQ(client[0].status.code(), Code::kNonceReplay);
  EXPECT_EQ(client[1].status.code(), Code::kBadSignature);
}

// A tx this node verified while validating a proposal (it was not in its
// mempool yet) is not verified again when its gossiped copy arrives before
// the block commits.
TEST_F(TxCheckWorkerTest, ATxVerifiedInAProposalIsNotVerifiedAgainByCheckTx) {
  chain::StoreOptions so;
  so.env = disk_.get();
  so.min_free_bytes = 0;
  auto proposer = chain::Application::open(lt::make_genesis(4, 1'000'000'000),
                                           chain::Store::open("/proposer", so).value())
                      .value();
  const Bytes tx = transfer(2, 0);
  ASSERT_TRUE(proposer->check_tx(tx).status.is_ok());
  auto p =
      proposer->prepare_proposal(1, proposer->head().time_ms + 1, lt::user_key(0).public_key());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  chain::DecodeCounters& counters = chain::decode_counters();
  uint64_t before = counters.signature_checks.load();
  ASSERT_TRUE(app_->process_proposal(p->block, lt::user_key(0).public_key()).is_ok());
  EXPECT_EQ(counters.signature_checks.load() - before, 1u);
  before = counters.signature_checks.load();
  auto r = app_->check_txs({tx}, chain::TxSource::kPeer);
  EXPECT_TRUE(r[0].status.is_ok()) << r[0].status.to_string();
  EXPECT_EQ(counters.signature_checks.load() - before, 0u);
  EXPECT_EQ(app_->mempool_size(), 1u);
}

// The worker merges several peers' batches, and each peer relays the same
// txs: copies within one call are verified once, and each copy gets the
// first one's answer (admitted: a duplicate; a bad signature: the same).
TEST_F(TxCheckWorkerTest, CopiesWithinOneCallAreVerifiedOnceAndAnsweredLikeTheFirst) {
  const Bytes a = transfer(0, 0);
  const Bytes b = transfer(1, 0);
  Bytes forged = transfer(2, 0);
  forged[forged.size() - 1] ^= 1;
  chain::DecodeCounters& counters = chain::decode_counters();
  const uint64_t before = counters.signature_checks.load();
  auto r = app_->check_txs({a, forged, b, a, forged, a}, chain::TxSource::kPeer);
  EXPECT_EQ(counters.signature_checks.load() - before, 3u);  // a, forged, b
  ASSERT_EQ(r.size(), 6u);
  EXPECT_TRUE(r[0].status.is_ok()) << r[0].status.to_string();
  EXPECT_EQ(r[1].status.code(), Code::kBadSignature);
  EXPECT_TRUE(r[2].status.is_ok()) << r[2].status.to_string();
  EXPECT_EQ(r[3].status.code(), Code::kDuplicate);
  EXPECT_EQ(r[4].status.code(), Code::kBadSignature);
  EXPECT_EQ(r[5].status.code(), Code::kDuplicate);
  for (size_t i : {3u, 5u}) EXPECT_EQ(r[i].hash, r[0].hash);
  EXPECT_EQ(app_->mempool_size(), 2u);
}

}  // namespace
}  // namespace wattle::node
