// Store::disconnect_head (docs/ledger.md, "Undo data and reorgs"): market
// blocks committed with keep_undo come back off one by one to genesis, each
// step restoring the records, the state root, the head, the tx index and the
// tx count, durably (a reopen sees the same); the same blocks connect again;
// genesis and stores without undo data refuse.
#include <gtest/gtest.h>

#include "chain/store.h"
#include "chain/undo.h"
#include "market_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

std::unique_ptr<Store> open_store(const std::string& dir, bool keep_undo) {
  StoreOptions o;
  o.keep_undo = keep_undo;
  o.min_free_bytes = 0;
  auto s = Store::open(dir, o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s ? std::move(*s) : nullptr;
}

class StoreUndo : public ::testing::Test {
 protected:
  StoreUndo()
      : genesis_(market_genesis(3, 50'000'000, 50'000'000)),
        params_(genesis_.params()),
        mirror_(genesis_) {}

  void open(bool keep_undo = true) {
    store_ = open_store(dir_.sub("db"), keep_undo);
    ASSERT_TRUE(store_->init_genesis(genesis_));
    head_ = genesis_.block().header;
  }

  // Executes `txs` on the store's head state and commits the block.
  Block commit(std::vector<Tx> txs, uint64_t time_ms) {
    Block b;
    b.header.height = head_.height + 1;
    b.header.prev_hash = head_.hash();
    b.header.time_ms = time_ms;
    b.header.tx_count = static_cast<uint32_t>(txs.size());
    b.header.tx_root = compute_tx_root(txs);
    auto exec = execute_block(*store_, b.header, txs, params_, ExecMode::kStrict, true);
    EXPECT_TRUE(exec.is_ok()) << exec.status().to_string();
    b.header.state_root = exec->state_root;
    b.txs = std::move(txs);
    EXPECT_TRUE(store_->commit(b, exec->writes, exec->tree));
    head_ = b.header;
    states_.push_back(*store_->load_state());
    return b;
  }

  // Meters and a transfer, two orders, a cancel, the gate's clearing.
  std::vector<Block> commit_market_blocks() {
    const MarketParams& m = *genesis_.market;
    const uint64_t slot = kFirstSlot + 2, t0 = head_.time_ms + 1;
    std::vector<Block> out;
    out.push_back(commit(
        {mirror_.sign(operator_key(), RegisterMeter{meter_key(0).public_key(), user_addr(0)}),
         mirror_.sign(user_key(2), Transfer{user_addr(1), Money(777)})},
        t0));
    const Tx buy = mirror_.sign(user_key(0), order(slot, Side::kBuy, 2000, 200'000));
    const Tx sell = mirror_.sign(user_key(1), order(slot, Side::kSell, 1500, 100'000));
    out.push_back(commit({buy, sell}, t0 + 1));
    mirror_.reset_nonces();  // the mirror never executes: nonces come from the store
    out.push_back(commit(
        {Tx::make_signed(genesis_.chain_id, user_key(1), 1, CancelOrder{sell.hash()})}, t0 + 2));
    out.push_back(commit({}, *m.gate_ms(slot)));
    return out;
  }

  TempDir dir_;
  Genesis genesis_;
  ChainParams params_;
  MarketChain mirror_;  // signs txs with running nonces
  std::unique_ptr<Store> store_;
  BlockHeader head_;
  std::vector<State> states_;  // the stored state after each commit()
};

TEST_F(StoreUndo, DisconnectsToGenesisRestoringEveryStepAndReconnects) {
  open();
  states_.push_back(*store_->load_state());
  const std::vector<Block> blocks = commit_market_blocks();
  const std::vector<State> states = states_;
  const uint64_t txs = store_->txs_committed();
  ASSERT_EQ(txs, 5u);
  for (size_t i = blocks.size(); i-- > 0;) {
    auto off = store_->disconnect_head();
    ASSERT_TRUE(off.is_ok()) << off.status().to_string();
    EXPECT_EQ(encode_to_bytes(*off), encode_to_bytes(blocks[i]));
    EXPECT_EQ(store_->head_height(), i);
    EXPECT_EQ(store_->root(), states[i].root());
    EXPECT_EQ(store_->load_state()->records(), states[i].records());
    for (const Tx& tx : blocks[i].txs) EXPECT_FALSE(store_->tx_location(tx.hash()));
    EXPECT_FALSE(store_->block(i + 1).is_ok());
  }
  EXPECT_EQ(store_->txs_committed(), 0u);
  EXPECT_EQ(store_->root(), genesis_.initial_state().root());
  EXPECT_EQ(store_->disconnect_head().status().code(), Code::kInvalidArgument);
  // The same blocks connect again on the restored state, to the same roots.
  for (const Block& b : blocks) {
    auto exec = execute_block(*store_, b.header, b.txs, params_, ExecMode::kStrict, true);
    ASSERT_TRUE(exec.is_ok()) << exec.status().to_string();
    EXPECT_EQ(exec->state_root, b.header.state_root);
    ASSERT_TRUE(store_->commit(b, exec->writes, exec->tree));
  }
  EXPECT_EQ(store_->txs_committed(), txs);
}

// Each disconnect is one synced batch: a restart after it (a crash between
// two steps of a reorg) reopens at the parent with its state.
TEST_F(StoreUndo, DisconnectIsDurableAcrossReopen) {
  open();
  commit_market_blocks();
  const State before_last = [&] {
    auto s = store_->load_state();
    return *s;
  }();
  ASSERT_TRUE(store_->disconnect_head().is_ok());
  const Hash256 root = store_->root();
  store_.reset();
  store_ = open_store(dir_.sub("db"), true);
  EXPECT_EQ(store_->head_height(), 3u);
  EXPECT_EQ(store_->root(), root);
  EXPECT_NE(root, before_last.root());
  EXPECT_EQ(store_->load_state()->root(), root);  // records and tree agree
}

TEST_F(StoreUndo, StoreWithoutUndoDataRefusesToDisconnect) {
  open(false);
  commit_market_blocks();
  EXPECT_EQ(store_->disconnect_head().status().code(), Code::kNotFound);
  EXPECT_EQ(store_->head_height(), 4u);
  EXPECT_FALSE(*store_->undo(4));
}

}  // namespace
}  // namespace wattle::chain
