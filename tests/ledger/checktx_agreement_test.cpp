// One rule set: CheckTx runs the same module rules as execution, on the
// committed state plus the same sender's pending txs (escrow, debt and
// credits counted). Random transfers, orders and cancels from several
// senders, interleaved, go through the Application's CheckTx; the proposer
// then builds a block from the mempool in execution's kDropFailing mode. No
// sender's tx can fail through another sender here (they only credit one
// another), so every tx CheckTx admitted must execute: a dropped tx is a rule
// CheckTx and execution disagree on. Seeded (WATTLE_TEST_SEED).
#include <gtest/gtest.h>

#include <random>

#include "chain/application.h"
#include "market_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr int kSenders = 5;

class CheckTxAgreement : public ::testing::Test {
 protected:
  CheckTxAgreement() : genesis_(market_genesis(kSenders, 3'000'000, 1'000'000'000)) {
    AppConfig config;
    config.env = &env_;
    app_ = Application::open(genesis_, Store::open(dir_.sub("chain")).value(), config).value();
    env_.set_now_ms(genesis_.genesis_time_ms + 1);
  }

  // A random tx from `user`, with the nonce its client believes is next.
  Tx random_tx(std::mt19937_64& rng, int user) {
    const MarketParams& m = *genesis_.market;
    const KeyPair k = user_key(user);
    const uint64_t nonce = nonces_[user];
    std::uniform_int_distribution<int> pick(0, 9);
    const int what = pick(rng);
    if (what < 4) {  // a transfer to another sender or to an outsider
      const int to = std::uniform_int_distribution<int>(0, kSenders)(rng);
      const int64_t amount = std::uniform_int_distribution<int64_t>(1'000, 1'500'000)(rng);
      return Tx::make_signed(genesis_.chain_id, k, nonce, Transfer{user_addr(to), Money(amount)});
    }
    if (what < 8 || orders_[user].empty()) {  // an order in a slot still open
      const uint64_t slot = kFirstSlot + 2 + std::uniform_int_distribution<int>(0, 3)(rng);
      PlaceOrder o;
      o.slot = slot;
      o.side = pick(rng) < 6 ? Side::kBuy : Side::kSell;
      o.energy = Energy(std::uniform_int_distribution<int64_t>(100, 6'000)(rng));
      o.price = Price(std::uniform_int_distribution<int64_t>(50'000, 300'000)(rng));
      (void)m;
      return Tx::make_signed(genesis_.chain_id, k, nonce, o);
    }
    // Cancel one of its own earlier orders (perhaps already cancelled).
    const auto& mine = orders_[user];
    const Hash256 id = mine[std::uniform_int_distribution<size_t>(0, mine.size() - 1)(rng)];
    return Tx::make_signed(genesis_.chain_id, k, nonce, CancelOrder{id});
  }

  TempDir dir_;
  Genesis genesis_;
  InlineEnv env_;  // the proposer's clock
  std::unique_ptr<Application> app_;
  std::map<int, uint64_t> nonces_;
  std::map<int, std::vector<Hash256>> orders_;
};

TEST_F(CheckTxAgreement, EveryAdmittedTxExecutes) {
  std::mt19937_64 rng(test_seed("CheckTxAgreement.EveryAdmittedTxExecutes"));
  size_t admitted_total = 0, refused_total = 0;
  for (uint64_t height = 1; height <= 6; ++height) {
    std::vector<Hash256> admitted;
    for (int i = 0; i < 60; ++i) {
      const int user = std::uniform_int_distribution<int>(0, kSenders - 1)(rng);
      const Tx tx = random_tx(rng, user);
      CheckTxResult r = app_->check_tx(encode_to_bytes(tx));
      if (!r.status) {
        ++refused_total;
        continue;
      }
      admitted.push_back(r.hash);
      nonces_[user] += 1;
      if (std::holds_alternative<PlaceOrder>(tx.payload)) orders_[user].push_back(r.hash);
    }
    admitted_total += admitted.size();
    auto p = app_->prepare_proposal(height, env_.now_ms(), user_key(0).public_key());
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    std::vector<Hash256> in_block;
    for (const Tx& tx : p->block.txs) in_block.push_back(tx.hash());
    ASSERT_EQ(in_block, admitted) << "height " << height
                                  << ": a tx CheckTx admitted did not execute";
    ASSERT_TRUE(app_->finalize_block(p->block));
    ASSERT_TRUE(app_->commit().is_ok());
    env_.set_now_ms(env_.now_ms() + 1'000);
  }
  // The run exercised both sides: txs admitted, and txs CheckTx refused
  // because the sender's own pending txs had used its funds.
  EXPECT_GT(admitted_total, 100u);
  EXPECT_GT(refused_total, 0u);
}

// The case the old CheckTx got wrong: escrow counted as zero, so a sender's
// orders were each checked against its whole committed balance.
TEST_F(CheckTxAgreement, PendingEscrowCountsAgainstTheNextOrder) {
  PlaceOrder o;
  o.slot = kFirstSlot + 2;
  o.side = Side::kBuy;
  o.energy = Energy(5'000);
  o.price = Price(250'000);  // escrow ~1.5 million of the 3 million balance
  const KeyPair k = user_key(1);
  EXPECT_TRUE(app_->check_tx(encode_to_bytes(Tx::make_signed(genesis_.chain_id, k, 0, o))).status);
  EXPECT_EQ(
      app_->check_tx(encode_to_bytes(Tx::make_signed(genesis_.chain_id, k, 1, o))).status.code(),
      Code::kInsufficientFunds);
  // A transfer after the order sees the escrowed balance too.
  const Tx t = Tx::make_signed(genesis_.chain_id, k, 1, Transfer{user_addr(2), Money(2'000'000)});
  EXPECT_EQ(app_->check_tx(encode_to_bytes(t)).status.code(), Code::kInsufficientFunds);
}

}  // namespace
}  // namespace wattle::chain
