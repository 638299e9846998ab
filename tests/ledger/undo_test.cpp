// Undo data (chain/undo.h): disconnecting a block restores the state bit for
// bit (record set and state root) for every tx kind and hook: transfer,
// meter registration, orders, cancel, gate clearing, meter readings and
// settlement; a whole chain unwinds to genesis; random blocks connect then
// disconnect as the identity (RapidCheck); the no-undo-escrow mutation is
// caught; the encoding refuses malformed bytes.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "chain/undo.h"
#include "market_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr int64_t kBalance = 50'000'000;

// A MarketChain that keeps each block's undo data and checks, block by
// block, that applying it to the state after gives the state before.
class UndoChain {
 public:
  explicit UndoChain(const Genesis& g, UndoMutation mutation = UndoMutation::kNone)
      : chain(g), mutation_(mutation) {}

  // Runs a block; returns whether its undo restored the previous state.
  bool run(std::vector<Tx> txs, uint64_t time_ms, ExecMode mode = ExecMode::kStrict) {
    const State before = chain.state();
    auto exec = chain.block(std::move(txs), time_ms, mode);
    EXPECT_TRUE(exec.is_ok()) << exec.status().to_string();
    if (!exec) return false;
    auto undo = make_undo(before, exec->writes, mutation_);
    EXPECT_TRUE(undo.is_ok());
    // Through the store's encoding, as a reorg would read it back.
    auto decoded = decode_undo(encode_undo(*undo));
    EXPECT_TRUE(decoded.is_ok());
    undos.push_back(*decoded);
    roots.push_back(before.root());
    State back = chain.state();
    back.apply(*decoded);
    return back.records() == before.records() && back.root() == before.root();
  }

  MarketChain chain;
  std::vector<StateWrites> undos;
  std::vector<Hash256> roots;  // state root before each block

 private:
  UndoMutation mutation_;
};

class Undo : public ::testing::Test {
 protected:
  Undo() : genesis_(market_genesis(4, kBalance, kBalance)) {}
  const MarketParams& m() const { return *genesis_.market; }

  // Every tx kind and both market hooks, one block each; returns whether
  // every block's undo restored its previous state.
  std::vector<bool> scenario(UndoChain& u) {
    MarketChain& c = u.chain;
    const uint64_t slot = kFirstSlot + 2;
    const uint64_t t0 = c.head().time_ms + 1;
    std::vector<bool> ok;
    std::vector<Tx> meters;
    for (int i = 0; i < 2; ++i)
      meters.push_back(
          c.sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
    ok.push_back(u.run(meters, t0));
    ok.push_back(u.run({c.sign(user_key(2), Transfer{user_addr(3), Money(12'345)})}, t0 + 1));
    const Tx buy = c.sign(user_key(0), order(slot, Side::kBuy, 2000, 200'000));
    const Tx sell = c.sign(user_key(1), order(slot, Side::kSell, 1500, 100'000));
    const Tx extra = c.sign(user_key(0), order(slot, Side::kBuy, 700, 150'000));
    ok.push_back(u.run({buy, sell, extra}, t0 + 2));
    ok.push_back(u.run({c.sign(user_key(0), CancelOrder{extra.hash()})}, t0 + 3));
    ok.push_back(u.run({}, *m().gate_ms(slot)));  // gate closure: clearing
    ok.push_back(u.run({c.sign(meter_key(0), reading(slot, 1800, 0)),
                        c.sign(meter_key(1), reading(slot, 0, 1400))},
                       m().slot_end_ms(slot) + 1));
    ok.push_back(u.run({}, m().settle_ms(slot)));  // settlement
    return ok;
  }

  Genesis genesis_;
};

TEST_F(Undo, EveryTxKindAndHookUndoesBitForBit) {
  UndoChain u(genesis_);
  const std::vector<bool> ok = scenario(u);
  const char* names[] = {"register meter", "transfer", "orders",    "cancel",
                         "clearing",       "readings", "settlement"};
  ASSERT_EQ(ok.size(), 7u);
  for (size_t i = 0; i < ok.size(); ++i) EXPECT_TRUE(ok[i]) << names[i];
  // The scenario really moved escrow and settled: a bill exists.
  EXPECT_TRUE(u.chain.bill(user_addr(0), kFirstSlot + 2).has_value());
}

TEST_F(Undo, WholeChainUnwindsToGenesis) {
  UndoChain u(genesis_);
  scenario(u);
  State s = u.chain.state();
  for (size_t i = u.undos.size(); i-- > 0;) {
    s.apply(u.undos[i]);
    EXPECT_EQ(s.root(), u.roots[i]) << "after disconnecting block " << i + 1;
  }
  EXPECT_EQ(s.root(), genesis_.initial_state().root());
  EXPECT_EQ(s.records(), genesis_.initial_state().records());
}

// The checker can fail: forgetting the escrow records is caught at the
// blocks that move escrow (orders, cancel, clearing, settlement).
TEST_F(Undo, NoUndoEscrowMutationIsCaught) {
  UndoChain u(genesis_, UndoMutation::kNoUndoEscrow);
  const std::vector<bool> ok = scenario(u);
  EXPECT_TRUE(ok[1]);   // a transfer touches no escrow
  EXPECT_FALSE(ok[2]);  // orders escrow funds
  EXPECT_FALSE(ok[3]);  // a cancel returns them
}

TEST(UndoCodec, RoundTripsAndRefusesMalformed) {
  StateWrites undo;
  undo[StateKey::account(user_addr(1))] = Bytes{1, 2, 3};
  undo[StateKey{Namespace::kEscrow, Bytes(20, 7)}] = std::nullopt;
  const Bytes enc = encode_undo(undo);
  ASSERT_TRUE(decode_undo(enc).is_ok());
  EXPECT_EQ(*decode_undo(enc), undo);
  Bytes trailing = enc;
  trailing.push_back(0);
  EXPECT_EQ(decode_undo(trailing).status().code(), Code::kMalformed);
  EXPECT_EQ(decode_undo(ByteView(enc).first(enc.size() - 1)).status().code(), Code::kMalformed);
  // The same key twice (keys must strictly increase).
  Writer w;
  w.u32(2);
  for (int i = 0; i < 2; ++i) {
    w.bytes(StateKey::account(user_addr(1)).encoded());
    w.boolean(false);
  }
  EXPECT_EQ(decode_undo(std::move(w).take()).status().code(), Code::kMalformed);
  Writer bad_ns;
  bad_ns.u32(1);
  bad_ns.bytes(Bytes{0, 1});  // namespace 0 does not exist
  bad_ns.boolean(false);
  EXPECT_FALSE(decode_undo(std::move(bad_ns).take()).is_ok());
}

// Random blocks of orders, cancels, transfers and readings (bad ones left
// out, as a miner would): each connect then disconnect is the identity on
// the state, and the chain unwinds to genesis.
RC_GTEST_PROP(UndoProperty, ConnectThenDisconnectIsIdentity, ()) {
  const int houses = *rc::gen::inRange(2, 6);
  Genesis g = market_genesis(houses, *rc::gen::inRange<int64_t>(1, 5'000'000), kBalance);
  const MarketParams m = *g.market;
  UndoChain u(g);
  MarketChain& c = u.chain;
  std::vector<Tx> meters;
  for (int i = 0; i < houses; ++i)
    meters.push_back(
        c.sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
  uint64_t t = g.genesis_time_ms + 1;
  RC_ASSERT(u.run(meters, t));
  std::vector<Hash256> placed;
  std::vector<int64_t> counter(houses);
  const int blocks = *rc::gen::inRange(3, 25);
  for (int b = 0; b < blocks; ++b) {
    t += *rc::gen::inRange<uint64_t>(1, 2 * m.slot_ms());
    const uint64_t now = m.slot_of(t);
    std::vector<Tx> txs;
    for (int i = 0; i < houses; ++i) {
      switch (*rc::gen::inRange(0, 5)) {
        case 0: {
          Tx tx = c.sign(user_key(i), order(now + *rc::gen::inRange<uint64_t>(0, 4),
                                            *rc::gen::element(Side::kBuy, Side::kSell),
                                            *rc::gen::inRange<int64_t>(1, 3000),
                                            *rc::gen::inRange<int64_t>(0, 400'000)));
          placed.push_back(tx.hash());
          txs.push_back(tx);
          break;
        }
        case 1:
          if (!placed.empty())
            txs.push_back(c.sign(user_key(i), CancelOrder{*rc::gen::elementOf(placed)}));
          break;
        case 2:
          txs.push_back(
              c.sign(user_key(i), Transfer{user_addr(*rc::gen::inRange(0, houses)),
                                           Money(*rc::gen::inRange<int64_t>(1, 100'000))}));
          break;
        case 3:
          counter[i] += *rc::gen::inRange<int64_t>(0, 5000);
          txs.push_back(c.sign(meter_key(i), reading(now - 1, counter[i], 0)));
          break;
        default:
          break;
      }
    }
    RC_ASSERT(u.run(std::move(txs), t, ExecMode::kDropFailing));
  }
  State s = c.state();
  for (size_t i = u.undos.size(); i-- > 0;) s.apply(u.undos[i]);
  RC_ASSERT(s.root() == g.initial_state().root());
}

}  // namespace
}  // namespace wattle::chain
