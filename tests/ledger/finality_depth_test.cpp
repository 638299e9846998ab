// Waiting for depth (docs/market.md, "Waiting for depth"): with
// finality_depth d the slot clears exactly d blocks after the block that
// clears it with d = 0, not before; orders and cancels stay refused while it
// waits; settlement waits with it; the trades are those of d = 0; d = 0 keeps
// the genesis bytes and the state of a market without the parameter; absurd
// values are refused with the key named.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "market_test_util.h"
#include "modules/energy/finality_depth.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr int64_t kBalance = 50'000'000;
constexpr uint64_t kSlot = kFirstSlot + 2;

MarketParams market_with_depth(uint64_t d) {
  MarketParams m = example_market();
  m.finality_depth = d;
  return m;
}

// One slot with a crossing buy and sell, blocks 1 s apart from the gate on,
// each past the settlement time once `late` is set.
class DepthChain {
 public:
  explicit DepthChain(uint64_t depth, bool late = false)
      : chain_(market_genesis(4, kBalance, kBalance, market_with_depth(depth))), late_(late) {
    chain_.ok({chain_.sign(user_key(0), order(kSlot, Side::kBuy, 1000, 100'000)),
               chain_.sign(user_key(1), order(kSlot, Side::kSell, 1000, 60'000)),
               chain_.sign(user_key(2), order(kSlot, Side::kBuy, 500, 90'000))},
              chain_.head().time_ms + 1);
  }
  uint64_t next_time() const {
    const MarketParams& m = chain_.market();
    const uint64_t floor = late_ ? m.settle_ms(kSlot) : *m.gate_ms(kSlot);
    return std::max(floor, chain_.head().time_ms + 1000);
  }
  ExecutedBlock step(std::vector<Tx> txs = {}) { return chain_.ok(std::move(txs), next_time()); }
  SlotStatus status() const {
    auto s = chain_.slot(kSlot);
    return s ? s->status : SlotStatus::kOpen;
  }
  MarketChain& chain() { return chain_; }

 private:
  MarketChain chain_;
  bool late_;
};

bool has_event(const ExecutedBlock& b, Event::Kind kind) {
  for (const Event& e : b.module_events)
    if (e.kind == kind && e.slot == kSlot) return true;
  return false;
}

TEST(FinalityDepth, ClearsExactlyDepthBlocksAfterTheGateBlockNotBefore) {
  for (uint64_t d : {1u, 3u, 6u}) {
    SCOPED_TRACE("finality_depth=" + std::to_string(d));
    DepthChain c(d);
    const ExecutedBlock gate_block = c.step();
    const uint64_t gate_height = c.chain().head().height;
    EXPECT_FALSE(has_event(gate_block, Event::Kind::kSlotCleared));
    for (uint64_t i = 1; i < d; ++i) {
      const ExecutedBlock b = c.step();
      EXPECT_FALSE(has_event(b, Event::Kind::kSlotCleared)) << "after the gate block";
      EXPECT_EQ(c.status(), SlotStatus::kOpen) << "cleared " << i << " blocks after the gate";
    }
    const ExecutedBlock cleared = c.step();
    EXPECT_TRUE(has_event(cleared, Event::Kind::kSlotCleared));
    EXPECT_EQ(c.chain().head().height, gate_height + d);
    ASSERT_EQ(c.status(), SlotStatus::kClosed);
    // The wait leaves no record behind.
    for (const auto& [key, bytes] : c.chain().state().records())
      EXPECT_FALSE(key.ns == Namespace::kMarket && !key.id.empty());
  }
}

TEST(FinalityDepth, DepthZeroClearsInTheGateBlockAndWritesNoWaitRecord) {
  DepthChain c(0);
  const ExecutedBlock gate_block = c.step();
  EXPECT_TRUE(has_event(gate_block, Event::Kind::kSlotCleared));
  for (const auto& [key, value] : gate_block.writes) EXPECT_NE(key, market_keys::depth_wait(kSlot));
}

TEST(FinalityDepth, OrdersAndCancelsAfterTheGateStayRefusedWhileTheSlotWaits) {
  DepthChain c(4);
  const Tx first = c.chain().sign(user_key(3), order(kSlot, Side::kSell, 10, 1));
  c.chain().reset_nonces();
  c.step();  // the gate block: the slot waits
  c.step();
  ASSERT_EQ(c.status(), SlotStatus::kOpen);
  bool untouched = false;
  Status st = c.chain().try_tx(c.chain().sign(user_key(3), order(kSlot, Side::kSell, 10, 1)),
                               c.next_time(), &untouched);
  EXPECT_EQ(st.code(), Code::kSlotClosed) << st.to_string();
  EXPECT_TRUE(untouched);
  const MarketAccount ma = c.chain().market_account(user_addr(0));
  ASSERT_EQ(ma.open_orders.size(), 1u);
  st = c.chain().try_tx(c.chain().sign(user_key(0), CancelOrder{ma.open_orders[0]}), c.next_time(),
                        &untouched);
  EXPECT_EQ(st.code(), Code::kSlotClosed) << st.to_string();
  EXPECT_TRUE(untouched);
  // Strict execution of a block carrying the late order fails as a whole.
  EXPECT_FALSE(c.chain().block({first}, c.next_time()).is_ok());
}

TEST(FinalityDepth, SettlementWaitsForTheClearingAndTradesMatchDepthZero) {
  constexpr uint64_t d = 3;
  DepthChain shallow(0, /*late=*/true), deep(d, /*late=*/true);
  // Every block is past the settlement time: with d = 0 the slot clears and
  // settles in the gate block; with d it does both d blocks later.
  const ExecutedBlock b0 = shallow.step();
  EXPECT_TRUE(has_event(b0, Event::Kind::kSlotSettled));
  for (uint64_t i = 0; i < d; ++i) {
    const ExecutedBlock b = deep.step();
    EXPECT_FALSE(has_event(b, Event::Kind::kSlotSettled));
    EXPECT_FALSE(deep.chain().bill(user_addr(0), kSlot).has_value());
  }
  const ExecutedBlock settled = deep.step();
  EXPECT_TRUE(has_event(settled, Event::Kind::kSlotCleared));
  EXPECT_TRUE(has_event(settled, Event::Kind::kSlotSettled));
  const SlotRecord a = shallow.chain().slot(kSlot).value(), b = deep.chain().slot(kSlot).value();
  EXPECT_EQ(a.book, b.book);
  EXPECT_EQ(a.trades, b.trades);
  EXPECT_EQ(a.clearing_price, b.clearing_price);
  EXPECT_EQ(b.status, SlotStatus::kSettled);
  for (int u = 0; u < 4; ++u) {
    EXPECT_EQ(shallow.chain().balance(user_addr(u)), deep.chain().balance(user_addr(u))) << u;
    EXPECT_EQ(shallow.chain().bill(user_addr(u), kSlot), deep.chain().bill(user_addr(u), kSlot));
  }
}

TEST(FinalityDepth, SealedSlotWaitsDepthBlocksAfterItsRevealWindow) {
  constexpr uint64_t d = 2;
  MarketChain chain(market_genesis(4, kBalance, kBalance, market_with_depth(d)));
  const MarketParams& m = chain.market();
  Salt salt;
  salt.fill(5);
  const Hash256 c =
      sealed_commitment(user_addr(0), kSlot, Side::kBuy, Energy(1000), Price(100'000), salt);
  const Money bound = buy_escrow(m, Energy(1000), Price(100'000)).value();
  const Tx sealed = chain.sign(user_key(0), to_module_tx(SealedOrder{kSlot, c, bound}));
  chain.ok({sealed, chain.sign(user_key(1), order(kSlot, Side::kSell, 1000, 60'000))},
           chain.head().time_ms + 1);
  auto next = [&] { return std::max(*m.gate_ms(kSlot), chain.head().time_ms + 1000); };
  chain.ok({chain.sign(user_key(0), to_module_tx(RevealOrder{sealed.hash(), kSlot, Side::kBuy,
                                                             Energy(1000), Price(100'000), salt}))},
           next());
  const uint64_t gate_height = chain.head().height;
  while (chain.head().height < gate_height + m.reveal_blocks + d - 1) {
    chain.ok({}, next());
    ASSERT_EQ(chain.slot(kSlot).value().status, SlotStatus::kOpen)
        << "cleared at height " << chain.head().height;
  }
  chain.ok({}, next());
  const SlotRecord s = chain.slot(kSlot).value();
  EXPECT_EQ(s.status, SlotStatus::kClosed);
  EXPECT_EQ(s.trades.size(), 1u);
}

TEST(FinalityDepth, GenesisWithoutTheKeyKeepsItsBytesAndHash) {
  Genesis g = market_genesis(4, kBalance, kBalance);
  const std::string old_json = g.to_json();
  EXPECT_EQ(old_json.find("finality_depth"), std::string::npos);
  auto parsed = Genesis::from_json(old_json);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->market->finality_depth, 0u);
  EXPECT_EQ(parsed->hash(), g.hash());
  // An explicit 0 is the same genesis.
  nlohmann::json j = nlohmann::json::parse(old_json);
  j["market"]["finality_depth"] = 0;
  auto zero = Genesis::from_json(j.dump());
  ASSERT_TRUE(zero.is_ok()) << zero.status().to_string();
  EXPECT_EQ(zero->hash(), g.hash());
  // A depth changes the hash and round-trips through JSON and bytes.
  j["market"]["finality_depth"] = 6;
  auto six = Genesis::from_json(j.dump());
  ASSERT_TRUE(six.is_ok()) << six.status().to_string();
  EXPECT_EQ(six->market->finality_depth, 6u);
  EXPECT_NE(six->hash(), g.hash());
  EXPECT_EQ(Genesis::from_json(six->to_json()).value().hash(), six->hash());
  MarketParams back;
  const Bytes bytes = encode_to_bytes(*six->market);
  Reader r(bytes);
  ASSERT_TRUE(decode(r, back).is_ok());
  EXPECT_EQ(back, *six->market);
}

TEST(FinalityDepth, AbsurdOrMalformedDepthsAreRefusedWithTheKeyNamed) {
  nlohmann::json j = to_json(example_market());
  for (nlohmann::json bad : {nlohmann::json(-1), nlohmann::json(1001), nlohmann::json("6"),
                             nlohmann::json(1.5), nlohmann::json(UINT64_MAX)}) {
    j["finality_depth"] = bad;
    auto m = market_params_from_json(j);
    ASSERT_FALSE(m.is_ok()) << bad.dump();
    EXPECT_EQ(m.status().code(), Code::kInvalidArgument);
    EXPECT_NE(m.status().message().find("finality_depth"), std::string::npos)
        << m.status().message();
  }
  j["finality_depth"] = 1000;
  EXPECT_TRUE(market_params_from_json(j).is_ok());
  // A trailer holding the default is a second encoding of the same params.
  Bytes bytes = encode_to_bytes(example_market());
  bytes.push_back(3);
  for (int i = 0; i < 8; ++i) bytes.push_back(0);
  MarketParams out;
  Reader r(bytes);
  EXPECT_EQ(decode(r, out).code(), Code::kMalformed);
}

TEST(FinalityDepth, ReorgingEngineDefaultsToItsOwnDepthAndRefusesZero) {
  nlohmann::json j = to_json(example_market());
  auto m = market_params_from_json_for_reorging_engine(j, 6);
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_EQ(m->finality_depth, 6u);
  j["finality_depth"] = 2;
  EXPECT_EQ(market_params_from_json_for_reorging_engine(j, 6).value().finality_depth, 2u);
  j["finality_depth"] = 0;
  auto zero = market_params_from_json_for_reorging_engine(j, 6);
  ASSERT_FALSE(zero.is_ok());
  EXPECT_NE(zero.status().message().find("finality_depth"), std::string::npos);
}

// The genesis parser wires the hook above: a PoW genesis' market waits as
// deep as its pow section calls final, unless it names its own depth.
TEST(FinalityDepth, PowGenesisMarketDefaultsToThePowFinalityDepth) {
  Genesis g = market_genesis(4, kBalance, kBalance);
  nlohmann::json j = nlohmann::json::parse(g.to_json());
  j["engine"] = "pow";
  j["pow"] = {{"finality_depth", 4}};
  auto pow = Genesis::from_json(j.dump());
  ASSERT_TRUE(pow.is_ok()) << pow.status().to_string();
  EXPECT_EQ(pow->market->finality_depth, 4u);
  j["market"]["finality_depth"] = 9;
  EXPECT_EQ(Genesis::from_json(j.dump()).value().market->finality_depth, 9u);
  j["market"]["finality_depth"] = 0;
  EXPECT_FALSE(Genesis::from_json(j.dump()).is_ok());
  // A BFT genesis keeps 0.
  EXPECT_EQ(Genesis::from_json(g.to_json()).value().market->finality_depth, 0u);
}

TEST(FinalityDepth, CorruptWaitRecordIsAnErrorNotAClearing) {
  DepthChain c(3);
  c.step();  // the gate block records the wait
  Writer w;
  w.u64(0);
  c.chain().inject(market_keys::depth_wait(kSlot), w.data());
  auto r = c.chain().block({}, c.next_time());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace wattle::chain
