// Drop reasons kept: a tx this node admitted and then left out of a block
// (here: an order whose slot's gate closed between CheckTx and the block)
// is reported by Application::dropped_tx with the block height and the
// rule's stable code, and only the last kMaxDroppedTxs drops are kept.
#include <gtest/gtest.h>

#include "chain/application.h"
#include "market_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

TEST(DroppedTx, AnOrderPastItsGateIsReportedWithHeightAndCode) {
  TempDir dir;
  const Genesis g = market_genesis(3, 3'000'000, 1'000'000'000);
  const MarketParams& m = *g.market;
  InlineEnv env(g.genesis_time_ms + 1);
  AppConfig config;
  config.env = &env;
  auto app = Application::open(g, Store::open(dir.sub("chain")).value(), config).value();
  PlaceOrder o;
  o.slot = kFirstSlot + 1;
  o.side = Side::kBuy;
  o.energy = Energy(1'000);
  o.price = Price(100'000);
  const Tx tx = Tx::make_signed(g.chain_id, user_key(1), 0, o);
  CheckTxResult r = app->check_tx(encode_to_bytes(tx));
  ASSERT_TRUE(r.status) << r.status.to_string();
  EXPECT_FALSE(app->dropped_tx(r.hash).has_value());
  // The block comes after the slot's gate: the order no longer applies.
  env.set_now_ms(*m.gate_ms(o.slot) + 1);
  auto p = app->prepare_proposal(1, env.now_ms(), user_key(0).public_key());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_TRUE(p->block.txs.empty());
  EXPECT_FALSE(app->pending_tx(r.hash).has_value());
  auto d = app->dropped_tx(r.hash);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->height, 1u);
  EXPECT_EQ(d->reason.code(), Code::kSlotClosed);
}

TEST(DroppedTx, TheRecheckAfterABlockRecordsItsDropsToo) {
  TempDir dir;
  const Genesis g = make_genesis(3, 1'000);
  auto app = Application::open(g, Store::open(dir.sub("chain")).value()).value();
  // Two txs spending the same funds, from two nodes' view: this node admits
  // the first; the block another proposer made commits a conflicting spend.
  const Tx mine = transfer_tx(user_key(1), 0, user_addr(2), 900);
  ASSERT_TRUE(app->check_tx(encode_to_bytes(mine)).status);
  const Tx theirs = transfer_tx(user_key(1), 0, user_addr(0), 800);
  Block b;
  b.header.height = 1;
  b.header.prev_hash = app->head().hash();
  b.header.time_ms = app->head().time_ms + 1;
  b.header.proposer = user_key(0).public_key();
  b.txs = {theirs};
  State s = g.initial_state();
  auto exec = execute_block(s, b.header, b.txs, g.params(), ExecMode::kStrict, true);
  ASSERT_TRUE(exec.is_ok());
  b.header.tx_count = 1;
  b.header.tx_root = compute_tx_root(b.txs);
  b.header.evidence_root = compute_evidence_root({});
  b.header.state_root = exec->state_root;
  ASSERT_TRUE(app->finalize_block(b));
  ASSERT_TRUE(app->commit().is_ok());
  auto d = app->dropped_tx(mine.hash());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->height, 1u);
  EXPECT_EQ(d->reason.code(), Code::kNonceReplay);
}

}  // namespace
}  // namespace wattle::chain
