// PowChain (node/pow_chain.h): a PoW engine's reorg carried onto a real
// store with the bank module. Branch A (2 blocks) is replaced by a heavier
// branch B (3 blocks): the store ends bit for bit at B's state, the tx only
// A held comes back and commits again on B, balances are conserved; a block
// valid as PoW but refused by the application is never stored, and the
// engine, told, names the peer and falls back; a crash between two steps of
// a reorg reopens at a consistent head and finishes the same reorg.
#include "node/pow_chain.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "chain/application.h"
#include "consensus/pow/miner.h"
#include "consensus/pow/pow_engine.h"
#include "ledger/ledger_test_util.h"

namespace wattle::node {
namespace {

using namespace chain;
using namespace chain::testing;
using namespace consensus::pow;

constexpr int64_t kBalance = 1'000'000;
constexpr consensus::NodeIndex kPeer = 3;

PowParams params() {
  PowParams p;
  p.initial_bits = p.pow_limit_bits = 0x2000ffff;  // ~256 hashes a block
  p.target_block_ms = 1000;
  return p;
}

// One branch of the chain as its miner sees it: the PoW tip it extends and
// the ledger state after it.
struct Branch {
  Hash256 tip;
  State state;
  BlockHeader head;
};

class PowChainTest : public ::testing::Test {
 protected:
  PowChainTest()
      : genesis_(make_genesis(4, kBalance)),
        engine_(params(), genesis_pow()),
        base_{engine_.tip().hash, genesis_.initial_state(), genesis_.block().header} {
    open_store();
  }

  PowBlock genesis_pow() const {
    PowBlock g;
    g.header.time_ms = genesis_.genesis_time_ms;
    g.header.bits = params().initial_bits;
    g.header.state_root = genesis_.initial_state().root();
    g.header.tx_root = blake2b256(g.body);
    return g;
  }

  void open_store() {
    store_.reset();
    StoreOptions o;
    o.keep_undo = true;
    o.min_free_bytes = 0;
    auto s = Store::open(dir_.sub("db"), o);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->init_genesis(genesis_));
    host_ = std::make_unique<PowChain>(*store_, genesis_.params());
  }

  // Mines a block with `txs` on `b` (corrupt_root breaks the
  // chain block's state root, keeping the PoW valid).
  PowBlock mine_on(Branch& b, std::vector<Tx> txs, bool corrupt_root = false) {
    Block blk;
    blk.header.height = b.head.height + 1;
    blk.header.prev_hash = b.head.hash();
    blk.header.time_ms = b.head.time_ms + 1000;
    blk.header.tx_count = static_cast<uint32_t>(txs.size());
    blk.header.tx_root = compute_tx_root(txs);
    auto exec = execute_block(b.state, blk.header, txs, genesis_.params(), ExecMode::kStrict, true);
    EXPECT_TRUE(exec.is_ok()) << exec.status().to_string();
    blk.header.state_root = exec->state_root;
    if (corrupt_root) blk.header.state_root.bytes[0] ^= 1;
    blk.txs = std::move(txs);
    PowBlock pb =
        pow_block_for(engine_.tree(), *engine_.tree().find(b.tip), blk, blk.header.time_ms);
    pb.header = *mine(pb.header, 0, 1u << 24).solved;
    if (!corrupt_root) {
      b.state.apply(exec->writes);
      b.head = blk.header;
    }
    b.tip = pb.header.hash();
    return pb;
  }

  // Delivers a block and carries out the engine's tip change on the store.
  PowSyncResult deliver(const PowBlock& b) {
    PowActions acts = engine_.on_message(kPeer, encode_message(BlockMsg{b}), b.header.time_ms);
    PowSyncResult r;
    for (const auto& a : acts)
      if (std::holds_alternative<TipChanged>(a)) {
        auto s = host_->sync_to(engine_.tree(), engine_.tip().hash);
        EXPECT_TRUE(s.is_ok()) << s.status().to_string();
        r = *s;
      }
    return r;
  }

  int64_t total() const {
    int64_t t = 0;
    for (int i = 0; i < 4; ++i) t += store_->account(user_addr(i))->balance.value();
    return t;
  }

  TempDir dir_;
  Genesis genesis_;
  PowEngine engine_;
  Branch base_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PowChain> host_;
};

TEST_F(PowChainTest, HeavierBranchReplacesStateAndReturnsItsMissingTxs) {
  const Tx t1 = transfer_tx(user_key(1), 0, user_addr(2), 100);
  const Tx t2 = transfer_tx(user_key(3), 0, user_addr(0), 250);  // only on A
  const Tx t3 = transfer_tx(user_key(2), 0, user_addr(1), 40);   // only on B
  Branch a = base_, b = base_;
  deliver(mine_on(a, {t1}));
  deliver(mine_on(a, {t2}));
  ASSERT_EQ(store_->head_height(), 2u);
  EXPECT_EQ(store_->root(), a.state.root());

  deliver(mine_on(b, {t3, t1}));
  deliver(mine_on(b, {}));  // a tie: the first seen (A) stays
  EXPECT_EQ(store_->root(), a.state.root());
  const PowSyncResult r = deliver(mine_on(b, {}));
  EXPECT_EQ(r.disconnected, 2u);
  EXPECT_EQ(r.connected, 3u);
  EXPECT_EQ(store_->head_height(), 3u);
  EXPECT_EQ(store_->root(), b.state.root());
  EXPECT_EQ(store_->load_state()->accounts(), b.state.accounts());
  ASSERT_EQ(r.returned_txs.size(), 1u);  // t1 is on B too; t2 is not
  EXPECT_EQ(r.returned_txs[0].hash(), t2.hash());
  EXPECT_FALSE(store_->tx_location(t2.hash()));
  EXPECT_EQ(total(), 4 * kBalance);
  // The returned tx commits again on the new branch.
  deliver(mine_on(b, r.returned_txs));
  EXPECT_TRUE(store_->tx_location(t2.hash()));
  EXPECT_EQ(store_->account(user_addr(0))->balance.value(), kBalance + 250);
  EXPECT_EQ(total(), 4 * kBalance);
}

// Through the application (as the node's PoW host does): a reorg publishes
// one `reorg` event naming the tip left, the new tip and the depth, before
// the connected blocks' events, and each of those carries its branch's tip.
TEST_F(PowChainTest, ApplicationPublishesTheReorgAndEachBlocksBranch) {
  StoreOptions o;
  o.keep_undo = true;
  o.min_free_bytes = 0;
  auto app = Application::open(genesis_, Store::open(dir_.sub("app"), o).value()).value();
  auto carry = [&](const PowBlock& b) {
    for (const auto& a : engine_.on_message(kPeer, encode_message(BlockMsg{b}), b.header.time_ms))
      if (std::holds_alternative<TipChanged>(a)) {
        auto infos = app->reorganize([&](Store& store) -> Result<uint64_t> {
          PowChain chain(store, genesis_.params());
          auto r = chain.sync_to(engine_.tree(), engine_.tip().hash);
          if (!r) return r.status();
          return r->connected;
        });
        ASSERT_TRUE(infos.is_ok()) << infos.status().to_string();
      }
  };
  Branch a = base_, b = base_;
  carry(mine_on(a, {transfer_tx(user_key(1), 0, user_addr(2), 100)}));
  carry(mine_on(a, {}));
  const uint64_t before = app->events().next_seq();
  carry(mine_on(b, {}));
  carry(mine_on(b, {}));  // a tie: A stays, nothing published
  EXPECT_EQ(app->events().next_seq(), before);
  carry(mine_on(b, {}));
  const auto batch = app->events().read(before, 100);
  std::vector<Event> blocks, reorgs;
  for (const Event& e : batch.events)
    (e.kind == Event::Kind::kReorg ? reorgs : blocks).push_back(e);
  ASSERT_EQ(reorgs.size(), 1u);
  EXPECT_EQ(batch.events.front().kind, Event::Kind::kReorg);
  EXPECT_EQ(reorgs[0].index, 2u);  // depth: both of A's blocks
  EXPECT_EQ(reorgs[0].old_height, 2u);
  EXPECT_EQ(reorgs[0].branch, a.head.hash());
  EXPECT_EQ(reorgs[0].height, 3u);
  EXPECT_EQ(reorgs[0].hash, b.head.hash());
  ASSERT_EQ(blocks.size(), 3u);  // B's three blocks, each on B's tip
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(blocks[i].height, i + 1);
    EXPECT_EQ(blocks[i].branch, b.head.hash());
  }
  // Extending the tip is no reorg.
  carry(mine_on(b, {}));
  const auto next = app->events().read(batch.next, 100);
  ASSERT_EQ(next.events.size(), 1u);
  EXPECT_EQ(next.events[0].kind, Event::Kind::kBlock);
}

TEST_F(PowChainTest, BlockValidAsPowButRefusedByApplicationIsNotStored) {
  Branch a = base_;
  deliver(mine_on(a, {transfer_tx(user_key(1), 0, user_addr(2), 5)}));
  const Hash256 root = store_->root();
  const PowBlock bad = mine_on(a, {transfer_tx(user_key(1), 1, user_addr(2), 5)}, true);
  const PowSyncResult r = deliver(bad);
  ASSERT_TRUE(r.invalid.has_value());
  EXPECT_EQ(*r.invalid, bad.header.hash());
  EXPECT_EQ(store_->head_height(), 1u);
  EXPECT_EQ(store_->root(), root);
  // The host tells the engine: the peer is named and the tip falls back.
  PowActions acts = engine_.on_block_invalid(*r.invalid, kPeer);
  bool named = false;
  for (const auto& act : acts)
    if (auto* m = std::get_if<PeerMisbehaved>(&act))
      named = m->peer == kPeer && refusal_name(m->reason) == "invalid_block";
  EXPECT_TRUE(named);
  EXPECT_EQ(engine_.tip().header.height, 1u);
  auto again = host_->sync_to(engine_.tree(), engine_.tip().hash);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->connected + again->disconnected, 0u);
}

// A crash after the first disconnect of a reorg: the store reopens at a
// consistent head, and sync_to finishes the same reorg from there.
TEST_F(PowChainTest, CrashInTheMiddleOfAReorgFinishesFromTheStore) {
  Branch a = base_, b = base_;
  deliver(mine_on(a, {transfer_tx(user_key(1), 0, user_addr(2), 7)}));
  deliver(mine_on(a, {transfer_tx(user_key(1), 1, user_addr(2), 8)}));
  // B arrives while the host is "down": the engine switches, the store does not.
  for (int i = 0; i < 3; ++i) {
    const PowBlock blk = mine_on(b, {});
    (void)engine_.on_message(kPeer, encode_message(BlockMsg{blk}), blk.header.time_ms);
  }
  ASSERT_EQ(engine_.tip().hash, b.tip);
  ASSERT_TRUE(store_->disconnect_head().is_ok());  // one step of the reorg, then the crash
  open_store();
  EXPECT_EQ(store_->head_height(), 1u);
  EXPECT_EQ(store_->load_state()->root(), store_->root());  // consistent
  auto r = host_->sync_to(engine_.tree(), engine_.tip().hash);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->disconnected, 1u);
  EXPECT_EQ(r->connected, 3u);
  EXPECT_EQ(store_->root(), b.state.root());
  EXPECT_EQ(total(), 4 * kBalance);
}

// Random forks of random transfer blocks delivered in random order: after
// every tip change carried onto the store, the store's state is exactly the
// state after the engine's tip (as the branch's miner computed it), records
// and tree agree, and balances are conserved (every connect and disconnect);
// at the end the whole chain disconnects back to genesis.
RC_GTEST_FIXTURE_PROP(PowChainTest, ReorgsKeepTheStoreAtTheTipsState, ()) {
  std::map<Hash256, Branch> known{{base_.tip, base_}};
  std::vector<Hash256> order{base_.tip};
  const int blocks = *rc::gen::inRange(2, 14);
  for (int k = 0; k < blocks; ++k) {
    Branch b = known.at(*rc::gen::elementOf(order));  // fork anywhere
    std::vector<Tx> txs;
    std::set<int> senders;  // one tx per sender keeps nonces simple
    for (int i = *rc::gen::inRange(0, 3); i > 0; --i) {
      const int from = *rc::gen::inRange(0, 4), to = *rc::gen::inRange(0, 4);
      if (senders.insert(from).second)
        txs.push_back(transfer_tx(user_key(from), b.state.get(user_addr(from)).nonce, user_addr(to),
                                  *rc::gen::inRange<int64_t>(1, 1000)));
    }
    const PowBlock pb = mine_on(b, txs);
    known.emplace(b.tip, b);
    order.push_back(b.tip);
    deliver(pb);
    RC_ASSERT(store_->root() == known.at(engine_.tip().hash).state.root());
    RC_ASSERT(store_->load_state()->root() == store_->root());
    RC_ASSERT(total() == 4 * kBalance);
  }
  while (*store_->head_height() > 0) {
    RC_ASSERT(store_->disconnect_head().is_ok());
    RC_ASSERT(total() == 4 * kBalance);
  }
  RC_ASSERT(store_->root() == genesis_.initial_state().root());
}

}  // namespace
}  // namespace wattle::node
