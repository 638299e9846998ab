// Sealed orders (docs/market.md, "Sealed orders"): the commitment, reveals in
// and out of the window, forfeits, escrow returns, every bad input's stable
// code with the state unchanged, and that nothing a node sees before the gate
// (mempool, blocks, state) holds a sealed order's price or energy. Amounts are
// computed by hand from the example market (k = 0.5 uniform, grid_fee 20000,
// tax 19 %, seal_deposit 1 token, reveal_blocks 2).
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "chain/mempool.h"
#include "market_test_util.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr int64_t kBalance = 50'000'000;
constexpr uint64_t kSlot = kFirstSlot + 2;
constexpr int64_t kDeposit = 1'000'000;

Salt salt_of(uint8_t b) {
  Salt s;
  s.fill(b);
  return s;
}

class SealedOrders : public ::testing::Test {
 protected:
  SealedOrders() : genesis_(market_genesis(4, kBalance, kBalance)), chain_(genesis_) {}

  const MarketParams& m() const { return chain_.market(); }
  uint64_t gate() const { return *m().gate_ms(kSlot); }
  uint64_t t0() const { return chain_.head().time_ms + 1; }
  // The next block's time at or after the gate (blocks are 1 s apart there).
  uint64_t after_gate() const { return std::max(gate(), chain_.head().time_ms + 1000); }

  Tx seal(int user, Side side, int64_t e, int64_t p, const Salt& salt, int64_t bound = -1) {
    if (bound < 0)
      bound =
          (side == Side::kBuy ? buy_escrow(m(), Energy(e), Price(p)) : sell_escrow(m(), Energy(e)))
              ->value();
    const Hash256 c = sealed_commitment(user_addr(user), kSlot, side, Energy(e), Price(p), salt);
    return chain_.sign(user_key(user), to_module_tx(SealedOrder{kSlot, c, Money(bound)}));
  }
  Tx reveal(int user, const Hash256& id, Side side, int64_t e, int64_t p, const Salt& salt) {
    return chain_.sign(user_key(user),
                       to_module_tx(RevealOrder{id, kSlot, side, Energy(e), Price(p), salt}));
  }
  void expect_code(const Tx& tx, uint64_t time, Code code) {
    bool untouched = false;
    Status st = chain_.try_tx(tx, time, &untouched);
    EXPECT_EQ(st.code(), code) << st.to_string();
    EXPECT_TRUE(untouched) << "a refused tx changed state";
  }
  SlotStatus slot_status() const {
    auto s = chain_.slot(kSlot);
    return s ? s->status : SlotStatus::kOpen;
  }

  Genesis genesis_;
  MarketChain chain_;
};

TEST(SealedCommitment, IsTheHashOfTheStatedBytes) {
  const Address owner = user_addr(1);
  const Salt salt = salt_of(7);
  // Written out here, not taken from the code under test.
  Bytes b;
  const std::string tag = "wattle/sealed-order";
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(tag.size() >> (8 * i)));
  b.insert(b.end(), tag.begin(), tag.end());
  auto le = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  le(42);
  b.push_back(1);  // sell
  le(1200);
  le(90'000);
  b.insert(b.end(), owner.bytes.begin(), owner.bytes.end());
  b.insert(b.end(), salt.begin(), salt.end());
  EXPECT_EQ(sealed_commitment(owner, 42, Side::kSell, Energy(1200), Price(90'000), salt),
            blake2b256(b));
  // Every field is bound.
  const Hash256 c = blake2b256(b);
  EXPECT_NE(sealed_commitment(owner, 43, Side::kSell, Energy(1200), Price(90'000), salt), c);
  EXPECT_NE(sealed_commitment(owner, 42, Side::kBuy, Energy(1200), Price(90'000), salt), c);
  EXPECT_NE(sealed_commitment(owner, 42, Side::kSell, Energy(1201), Price(90'000), salt), c);
  EXPECT_NE(sealed_commitment(owner, 42, Side::kSell, Energy(1200), Price(90'001), salt), c);
  EXPECT_NE(sealed_commitment(user_addr(2), 42, Side::kSell, Energy(1200), Price(90'000), salt), c);
  EXPECT_NE(sealed_commitment(owner, 42, Side::kSell, Energy(1200), Price(90'000), salt_of(8)), c);
}

TEST(SealedCodec, BodiesRoundTripAndRefuseBadBytes) {
  const SealedOrder s{9, blake2b256(Bytes{1}), Money(55)};
  EXPECT_EQ(decode_sealed_order(to_module_tx(s).body).value(), s);
  const RevealOrder r{blake2b256(Bytes{2}), 9, Side::kSell, Energy(10), Price(20), salt_of(3)};
  EXPECT_EQ(decode_reveal_order(to_module_tx(r).body).value(), r);
  Bytes longer = to_module_tx(s).body;
  longer.push_back(0);
  EXPECT_EQ(decode_sealed_order(longer).status().code(), Code::kMalformed);
  Bytes shorter = to_module_tx(r).body;
  shorter.pop_back();
  EXPECT_EQ(decode_reveal_order(shorter).status().code(), Code::kMalformed);
  EXPECT_EQ(decode_sealed_order(to_module_tx(SealedOrder{9, {}, Money(-1)}).body).status().code(),
            Code::kInvalidArgument);
  RevealOrder bad = r;
  bad.energy = Energy(0);
  EXPECT_EQ(decode_reveal_order(to_module_tx(bad).body).status().code(), Code::kInvalidArgument);
  bad = r;
  bad.price = Price(-1);
  EXPECT_EQ(decode_reveal_order(to_module_tx(bad).body).status().code(), Code::kInvalidArgument);
  Bytes side = to_module_tx(r).body;
  side[40] = 2;  // the side byte after id (32) and slot (8)
  EXPECT_EQ(decode_reveal_order(side).status().code(), Code::kMalformed);
}

// Alice seals a buy of 1000 Wh at 100000/kWh; Bob places a public sell of
// 1000 Wh at 60000. Uniform k = 0.5 clears them at 80000 at the window's end.
TEST_F(SealedOrders, RevealInTheWindowJoinsTheClearingAndReturnsTheDeposit) {
  const Salt salt = salt_of(1);
  const Tx sealed = seal(0, Side::kBuy, 1000, 100'000, salt);
  const Hash256 id = sealed.hash();
  // Escrow by hand: 100000 + 20000 fee = 120000, tax ceil(120000 * 0.19) = 22800.
  const int64_t escrow = 142'800;
  chain_.ok({sealed, chain_.sign(user_key(1), order(kSlot, Side::kSell, 1000, 60'000))}, t0());
  EXPECT_EQ(chain_.balance(user_addr(0)), kBalance - kDeposit - escrow);
  EXPECT_EQ(chain_.market_account(user_addr(0)).escrow.value(), kDeposit + escrow);
  // Before the gate the secret must not be sent: a reveal is refused.
  expect_code(reveal(0, id, Side::kBuy, 1000, 100'000, salt), t0() + 1000, Code::kRevealWindow);

  // The gate block opens the window; the slot stays open (no clearing yet).
  chain_.ok({reveal(0, id, Side::kBuy, 1000, 100'000, salt)}, after_gate());
  EXPECT_EQ(slot_status(), SlotStatus::kOpen);
  EXPECT_EQ(chain_.balance(user_addr(0)), kBalance - escrow);  // deposit back, escrow held
  // A second reveal is a duplicate.
  expect_code(reveal(0, id, Side::kBuy, 1000, 100'000, salt), after_gate(), Code::kDuplicate);
  chain_.ok({}, after_gate());  // the window's second block
  EXPECT_EQ(slot_status(), SlotStatus::kOpen);
  const SealedSummary pending = sealed_summary(chain_.state(), kSlot).value().value();
  EXPECT_EQ(pending.orders, 1u);
  EXPECT_EQ(pending.revealed, 1u);
  EXPECT_EQ(pending.window_opened_at, chain_.head().height - 1);
  chain_.ok({}, after_gate());  // the window has ended: the slot clears
  const SlotRecord s = chain_.slot(kSlot).value();
  ASSERT_EQ(s.status, SlotStatus::kClosed);
  ASSERT_EQ(s.clearing_price, Price(80'000));
  ASSERT_EQ(s.trades.size(), 1u);
  EXPECT_EQ(s.trades[0].energy, Energy(1000));
  ASSERT_EQ(s.book.size(), 2u);
  // The sealed order keeps the priority of its sealed tx (first in block 1).
  EXPECT_EQ(s.book[0].id, id);
  EXPECT_EQ(s.book[0].filled, Energy(1000));
  EXPECT_EQ(s.book[0].amount, Money(80'000));
  // Kept escrow: 80000 + 20000 fee, tax 19000; the rest returned at clearing.
  EXPECT_EQ(chain_.balance(user_addr(0)), kBalance - 119'000);
  // No seal record is left.
  EXPECT_FALSE(sealed_summary(chain_.state(), kSlot).value().has_value());
  for (const auto& [key, bytes] : chain_.state().records()) {
    EXPECT_NE(key.ns, kSealedNamespace);
    EXPECT_NE(key.ns, kSealWindowNamespace);
    EXPECT_NE(key.ns, kSealIndexNamespace);
  }
  // After the window, a reveal is out of it.
  expect_code(reveal(0, id, Side::kBuy, 1000, 100'000, salt), after_gate(), Code::kRevealWindow);
}

TEST_F(SealedOrders, UnrevealedOrderForfeitsItsDepositToTheOperator) {
  const Salt salt = salt_of(2);
  const Tx sealed = seal(2, Side::kSell, 500, 40'000, salt);
  // Sell escrow by hand: 500 * 250000 / 1000 = 125000, tax 23750.
  const int64_t escrow = 148'750;
  chain_.ok({sealed}, t0());
  EXPECT_EQ(chain_.balance(user_addr(2)), kBalance - kDeposit - escrow);
  const int64_t op_before = chain_.balance(m().operator_account);
  chain_.ok({}, after_gate());
  chain_.ok({}, after_gate());
  EXPECT_EQ(slot_status(), SlotStatus::kOpen);
  chain_.ok({}, after_gate());
  EXPECT_EQ(slot_status(), SlotStatus::kClosed);
  EXPECT_TRUE(chain_.slot(kSlot)->book.empty());
  EXPECT_EQ(chain_.balance(user_addr(2)), kBalance - kDeposit);  // the bound returned
  EXPECT_EQ(chain_.balance(m().operator_account), op_before + kDeposit);
  EXPECT_EQ(chain_.market_account(user_addr(2)), MarketAccount{});
}

TEST_F(SealedOrders, BadRevealsHaveStableCodesAndChangeNothing) {
  const Salt salt = salt_of(3);
  const Tx sealed = seal(0, Side::kBuy, 1000, 100'000, salt);
  const Hash256 id = sealed.hash();
  chain_.ok({sealed}, t0());
  const uint64_t t = after_gate();
  // Wrong salt, wrong fields: mismatch.
  expect_code(reveal(0, id, Side::kBuy, 1000, 100'000, salt_of(4)), t, Code::kRevealMismatch);
  expect_code(reveal(0, id, Side::kBuy, 1000, 100'001, salt), t, Code::kRevealMismatch);
  expect_code(reveal(0, id, Side::kSell, 1000, 100'000, salt), t, Code::kRevealMismatch);
  // Someone else's commitment (with the owner's exact fields and salt).
  expect_code(reveal(1, id, Side::kBuy, 1000, 100'000, salt), t, Code::kUnauthorized);
  // An unknown order.
  expect_code(reveal(0, blake2b256(Bytes{9}), Side::kBuy, 1000, 100'000, salt), t, Code::kNotFound);
  // The wrong salt in a block is refused; the right one then still goes through.
  EXPECT_FALSE(chain_.block({reveal(0, id, Side::kBuy, 1000, 100'000, salt_of(4))}, t).is_ok());
  chain_.reset_nonces();
  chain_.ok({reveal(0, id, Side::kBuy, 1000, 100'000, salt)}, t);
}

TEST_F(SealedOrders, RevealAfterTheWindowIsRefusedAndTheOrderForfeits) {
  const Salt salt = salt_of(5);
  const Tx sealed = seal(0, Side::kBuy, 1000, 100'000, salt);
  chain_.ok({sealed}, t0());
  chain_.ok({}, after_gate());
  chain_.ok({}, after_gate());
  // The third block after the gate is past the window (reveal_blocks = 2):
  // it clears first, then the reveal finds no window.
  auto late =
      chain_.block({reveal(0, sealed.hash(), Side::kBuy, 1000, 100'000, salt)}, after_gate());
  ASSERT_FALSE(late.is_ok());
  EXPECT_EQ(late.status().code(), Code::kRevealWindow);
  chain_.ok({}, after_gate());
  EXPECT_EQ(chain_.balance(user_addr(0)), kBalance - kDeposit);
}

TEST_F(SealedOrders, SealWithoutDepositFundsOrOverTheBoundIsRefused) {
  // User 3 gives away all but half a deposit.
  chain_.ok({chain_.sign(user_key(3), Transfer{user_addr(0), Money(kBalance - kDeposit / 2)})},
            t0());
  expect_code(seal(3, Side::kBuy, 10, 1, salt_of(6), 0), t0() + 1, Code::kInsufficientFunds);
  // Deposit covered but not deposit + bound.
  expect_code(seal(1, Side::kBuy, 10, 1, salt_of(6), kBalance), t0() + 1, Code::kInsufficientFunds);
  // A gate that has passed, a slot too far: the public order's codes.
  expect_code(chain_.sign(user_key(1), to_module_tx(SealedOrder{kFirstSlot, {}, Money(0)})),
              t0() + 1, Code::kSlotClosed);
  expect_code(chain_.sign(user_key(1), to_module_tx(SealedOrder{kSlot + 1000, {}, Money(0)})),
              t0() + 1, Code::kSlotTooFar);
  // A bound below the order's escrow: the reveal does not fit it.
  const Salt salt = salt_of(7);
  const Tx sealed = seal(1, Side::kBuy, 1000, 100'000, salt, 142'799);
  chain_.ok({sealed}, t0() + 1);
  expect_code(reveal(1, sealed.hash(), Side::kBuy, 1000, 100'000, salt), after_gate(),
              Code::kRevealMismatch);
}

// A slot of only public orders clears at its gate, as before sealing existed.
TEST_F(SealedOrders, PublicOnlySlotClearsAtItsGate) {
  chain_.ok({chain_.sign(user_key(0), order(kSlot, Side::kBuy, 1000, 100'000)),
             chain_.sign(user_key(1), order(kSlot, Side::kSell, 1000, 60'000))},
            t0());
  chain_.ok({}, after_gate());
  EXPECT_EQ(slot_status(), SlotStatus::kClosed);
}

bool contains(const Bytes& hay, const Bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}
Bytes le64(int64_t v) {
  Bytes b;
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
  return b;
}

// The bytes the mempool holds, the block carries and the state records before
// the gate hold neither the price nor the energy of a sealed order (nor its
// side's tell-tale: the bound is stated by the owner, here a round sum).
TEST_F(SealedOrders, NothingBeforeTheGateHoldsThePriceOrEnergy) {
  const int64_t energy = 1'234'567, price = 98'765'431;
  const Tx sealed = seal(0, Side::kBuy, energy, price, salt_of(9), 40'000'000);
  Mempool pool(MempoolLimits{}, genesis_.params());
  pool.set_next_block(BlockContext{chain_.head().height + 1, t0(), chain_.head().hash(), 0});
  const Bytes tx_bytes = encode_to_bytes(sealed);
  ASSERT_TRUE(pool.add(sealed, sealed.hash(), tx_bytes.size(), chain_.state()).is_ok());
  const std::vector<Tx> reaped = pool.reap(10);
  ASSERT_EQ(reaped.size(), 1u);
  Block block;
  block.header.height = chain_.head().height + 1;
  block.txs = reaped;
  const Bytes block_bytes = encode_to_bytes(block);
  const ExecutedBlock exec = chain_.ok(reaped, t0());
  Bytes state_bytes;
  for (const auto& [key, value] : exec.writes)
    if (value) state_bytes.insert(state_bytes.end(), value->begin(), value->end());
  for (const Bytes* b :
       std::initializer_list<const Bytes*>{&tx_bytes, &block_bytes, &state_bytes}) {
    EXPECT_FALSE(contains(*b, le64(energy)));
    EXPECT_FALSE(contains(*b, le64(price)));
  }
  // The check can fail: a public order's bytes hold both.
  const Bytes open =
      encode_to_bytes(chain_.sign(user_key(1), order(kSlot, Side::kBuy, energy, price)));
  EXPECT_TRUE(contains(open, le64(energy)));
  EXPECT_TRUE(contains(open, le64(price)));
}

}  // namespace
}  // namespace wattle::chain

namespace wattle::chain {
namespace {
using namespace ::wattle::modules;

// seal_deposit and reveal_blocks: defaults leave a genesis's encoding (and
// so its hash) as it was; other values round-trip; JSON keys are optional
// and checked.
TEST(SealedGenesis, DefaultsKeepTheEncodingAndOtherValuesRoundTrip) {
  MarketParams m = testing::example_market();
  const Bytes plain = encode_to_bytes(m);
  MarketParams sealed = m;
  sealed.reveal_blocks = 5;
  const Bytes with = encode_to_bytes(sealed);
  EXPECT_EQ(with.size(), plain.size() + 1 + 8 + 8);
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), with.begin()));
  EXPECT_EQ(decode_exact<MarketParams>(with).value(), sealed);
  EXPECT_EQ(decode_exact<MarketParams>(plain).value(), m);
  // A trailer holding the defaults is not the one encoding of the defaults.
  Writer w;
  encode(w, m);
  w.u8(1);
  w.i64(m.seal_deposit);
  w.u64(m.reveal_blocks);
  EXPECT_EQ(decode_exact<MarketParams>(w.data()).status().code(), Code::kMalformed);

  nlohmann::json j = to_json(m);
  EXPECT_FALSE(j.contains("reveal_blocks"));
  EXPECT_EQ(market_params_from_json(j).value(), m);
  j["reveal_blocks"] = 0;
  auto bad = market_params_from_json(j);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("reveal_blocks"), std::string::npos);
  j["reveal_blocks"] = 3;
  j["seal_deposit"] = -1;
  bad = market_params_from_json(j);
  EXPECT_NE(bad.status().message().find("seal_deposit"), std::string::npos);
  j["seal_deposit"] = 7;
  EXPECT_EQ(
      market_params_from_json(to_json(market_params_from_json(j).value())).value().seal_deposit, 7);
}

}  // namespace
}  // namespace wattle::chain
