// The market's tx rules: each bad input gets its stable code and
// leaves the state unchanged; the escrow formulas; the codec of the new tx
// kinds; clearing at gate closure, refunds, cancel, genesis validation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "market_test_util.h"
#include "modules/energy/market_hooks.h"
#include "modules/energy/market_rules.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr int64_t kBalance = 50'000'000;

class MarketRules : public ::testing::Test {
 protected:
  MarketRules() : genesis_(market_genesis(4, kBalance, kBalance)), chain_(genesis_) {}

  const MarketParams& m() const { return chain_.market(); }
  uint64_t gate(uint64_t slot) const { return *m().gate_ms(slot); }
  // A time well before the gate of kFirstSlot + 2.
  uint64_t t0() const { return chain_.head().time_ms + 1; }
  void expect_code(const Tx& tx, uint64_t time, Code code) {
    bool untouched = false;
    Status st = chain_.try_tx(tx, time, &untouched);
    EXPECT_EQ(st.code(), code) << st.to_string();
    EXPECT_TRUE(untouched) << "a refused tx changed state";
  }
  void register_meters() {
    std::vector<Tx> txs;
    for (int i = 0; i < 4; ++i)
      txs.push_back(
          chain_.sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
    chain_.ok(txs, t0());
  }

  Genesis genesis_;
  MarketChain chain_;
};

TEST_F(MarketRules, EscrowFormulasRoundUpAndAddTax) {
  const MarketParams p = example_market();
  // 1201 Wh at 90001/kWh: ceil(108091.201) + ceil(1201*20000/1000) = 108092 + 24020
  const int64_t base = 108'092 + 24'020;
  const int64_t tax = (base * 1900 + 9999) / 10000;
  EXPECT_EQ(buy_escrow(p, Energy(1201), Price(90'001)).value().value(), base + tax);
  const int64_t sbase = (1201 * 250'000 + 999) / 1000;
  EXPECT_EQ(sell_escrow(p, Energy(1201)).value().value(), sbase + (sbase * 1900 + 9999) / 10000);
  EXPECT_EQ(tax_on(p, Money(1)).value().value(), 1);  // ceil, never free
}

TEST_F(MarketRules, OrderEnergyAndPriceRangesAreStateless) {
  const uint64_t slot = kFirstSlot + 2;
  expect_code(chain_.sign(user_key(0), order(slot, Side::kBuy, 0, 1000)), t0(),
              Code::kInvalidArgument);
  expect_code(chain_.sign(user_key(0), order(slot, Side::kBuy, -5, 1000)), t0(),
              Code::kInvalidArgument);
  expect_code(
      chain_.sign(user_key(0), order(slot, Side::kBuy, 100, market::BookLimits{}.max_price + 1)),
      t0(), Code::kInvalidArgument);
  expect_code(chain_.sign(user_key(0), order(slot, Side::kBuy, 100, -1)), t0(),
              Code::kInvalidArgument);
}

TEST_F(MarketRules, OrderSlotMustBeOpenAndNotTooFar) {
  // kFirstSlot started at genesis: its gate is in the past.
  expect_code(chain_.sign(user_key(0), order(kFirstSlot, Side::kBuy, 100, 1000)), t0(),
              Code::kSlotClosed);
  expect_code(chain_.sign(user_key(0), order(kFirstSlot - 10, Side::kBuy, 100, 1000)), t0(),
              Code::kSlotClosed);
  // The next slot closes gate_lead before it starts.
  const uint64_t next = kFirstSlot + 1;
  expect_code(chain_.sign(user_key(0), order(next, Side::kBuy, 100, 1000)), gate(next),
              Code::kSlotClosed);
  EXPECT_TRUE(
      chain_.try_tx(chain_.sign(user_key(0), order(next, Side::kBuy, 100, 1000)), gate(next) - 1));
  const uint64_t far = kFirstSlot + m().max_slots_ahead + 1;
  expect_code(chain_.sign(user_key(0), order(far, Side::kBuy, 100, 1000)), t0(), Code::kSlotTooFar);
  expect_code(chain_.sign(user_key(0), order(UINT64_MAX, Side::kBuy, 100, 1000)), t0(),
              Code::kSlotTooFar);
  EXPECT_TRUE(chain_.try_tx(chain_.sign(user_key(0), order(far - 1, Side::kBuy, 100, 1000)), t0()));
}

TEST_F(MarketRules, EscrowBeyondBalanceIsRefused) {
  // kBalance buys at most ~kBalance*1000/price Wh; ask for ten times that.
  const int64_t price = 1'000'000;
  const int64_t energy = kBalance / price * 1000 * 10;
  expect_code(chain_.sign(user_key(0), order(kFirstSlot + 2, Side::kBuy, energy, price)), t0(),
              Code::kInsufficientFunds);
  expect_code(chain_.sign(user_key(0), order(kFirstSlot + 2, Side::kSell, energy * 10, 0)), t0(),
              Code::kInsufficientFunds);
}

TEST_F(MarketRules, PlaceAndCancelMoveEscrowExactly) {
  const uint64_t slot = kFirstSlot + 2;
  Tx place = chain_.sign(user_key(1), order(slot, Side::kBuy, 1200, 90'000));
  const int64_t escrow = buy_escrow(m(), Energy(1200), Price(90'000)).value().value();
  auto exec = chain_.ok({place}, t0());
  ASSERT_EQ(exec.module_events.size(), 1u);
  EXPECT_EQ(exec.module_events[0].kind, Event::Kind::kOrderPlaced);
  EXPECT_EQ(exec.module_events[0].hash, place.hash());
  EXPECT_EQ(chain_.balance(user_addr(1)), kBalance - escrow);
  EXPECT_EQ(chain_.market_account(user_addr(1)).escrow.value(), escrow);
  // Another account cannot cancel it; its owner can, before the gate.
  expect_code(chain_.sign(user_key(2), CancelOrder{place.hash()}), t0() + 1, Code::kUnauthorized);
  chain_.reset_nonces();
  expect_code(chain_.sign(user_key(1), CancelOrder{Hash256{}}), t0() + 1, Code::kNotFound);
  chain_.reset_nonces();
  chain_.ok({chain_.sign(user_key(1), CancelOrder{place.hash()})}, t0() + 2);
  EXPECT_EQ(chain_.balance(user_addr(1)), kBalance);
  EXPECT_TRUE(chain_.market_account(user_addr(1)).empty());
}

TEST_F(MarketRules, CancelOfAClosedOrderIsRefused) {
  const uint64_t slot = kFirstSlot + 2;
  Tx place = chain_.sign(user_key(1), order(slot, Side::kBuy, 1200, 90'000));
  chain_.ok({place}, t0());
  chain_.ok({}, gate(slot));  // gate closure
  ASSERT_EQ(chain_.slot(slot)->status, SlotStatus::kClosed);
  expect_code(chain_.sign(user_key(1), CancelOrder{place.hash()}), gate(slot) + 1,
              Code::kSlotClosed);
}

TEST_F(MarketRules, AccountInDebtCannotOrderUntilATransferRepays) {
  MarketAccount ma;
  ma.debt = Money(5'000);
  Genesis g = genesis_;
  MarketChain chain(g);
  // The debt as a settlement would leave it (MarketEndToEnd reaches it
  // through a whole shortfall scenario).
  chain.inject(market_keys::account(user_addr(0)), encode_to_bytes(ma));
  Tx tx = chain.sign(user_key(0), order(kFirstSlot + 2, Side::kBuy, 100, 1000));
  bool untouched = false;
  EXPECT_EQ(chain.try_tx(tx, chain.head().time_ms + 1, &untouched).code(), Code::kInDebt);
  EXPECT_TRUE(untouched);
  // A transfer of 3000 repays 3000 of it; the balance is unchanged.
  StateOverlay o(chain.state());
  ASSERT_TRUE(apply_tx(o, transfer_tx(user_key(1), 0, user_addr(0), 3'000), g.params(),
                       BlockContext{1, chain.head().time_ms + 1, {}, 0}));
  State after = chain.state();
  after.apply(o.writes());
  EXPECT_EQ(after.get(user_addr(0)).balance.value(), kBalance);
  EXPECT_EQ(decode_exact<MarketAccount>(*after.read(market_keys::account(user_addr(0))).value())
                .value()
                .debt.value(),
            2'000);
  EXPECT_TRUE(market_value(after) == market_value(chain.state()));
}

TEST_F(MarketRules, RegisterMeterOnlyByOperatorOncePerAccount) {
  expect_code(chain_.sign(user_key(0), RegisterMeter{meter_key(0).public_key(), user_addr(0)}),
              t0(), Code::kUnauthorized);
  chain_.reset_nonces();
  register_meters();
  expect_code(chain_.sign(operator_key(), RegisterMeter{meter_key(9).public_key(), user_addr(0)}),
              t0() + 1, Code::kDuplicate);
  chain_.reset_nonces();
  expect_code(chain_.sign(operator_key(), RegisterMeter{meter_key(0).public_key(), user_addr(3)}),
              t0() + 1, Code::kDuplicate);
}

TEST_F(MarketRules, ReadingWindowCountersAndMaximum) {
  register_meters();
  const uint64_t s = kFirstSlot;
  const uint64_t ended = m().slot_end_ms(s);
  expect_code(chain_.sign(KeyPair::from_label("stranger"), reading(s, 1, 1)), ended,
              Code::kUnknownMeter);
  expect_code(chain_.sign(meter_key(0), reading(s, 1, 1)), ended - 1, Code::kReadingWindow);
  chain_.reset_nonces();
  expect_code(chain_.sign(meter_key(0), reading(s, 1, 1)), m().settle_ms(s), Code::kReadingWindow);
  chain_.reset_nonces();
  expect_code(chain_.sign(meter_key(0), reading(s, m().max_reading_wh_per_slot + 1, 0)), ended,
              Code::kOverPhysicalMax);
  chain_.reset_nonces();
  expect_code(chain_.sign(meter_key(0), reading(s, -1, 0)), ended, Code::kInvalidArgument);
  chain_.reset_nonces();
  chain_.ok({chain_.sign(meter_key(0), reading(s, 5'300, 14'100))}, ended);
  // A second reading for the slot; a later slot with a counter going down.
  expect_code(chain_.sign(meter_key(0), reading(s, 5'400, 14'200)), ended + 1, Code::kDuplicate);
  chain_.reset_nonces();
  expect_code(chain_.sign(meter_key(0), reading(s + 1, 5'299, 14'200)), m().slot_end_ms(s + 1),
              Code::kCounterDecrease);
  chain_.reset_nonces();
  // Two elapsed slots allow twice the maximum.
  EXPECT_TRUE(chain_.try_tx(
      chain_.sign(meter_key(0), reading(s + 2, 5'300 + 2 * m().max_reading_wh_per_slot, 14'100)),
      m().slot_end_ms(s + 2)));
}

TEST_F(MarketRules, MarketTxOnAChainWithoutMarketIsRefused) {
  Genesis g = make_genesis(2, kBalance);
  TestChain plain(g);
  auto b = plain.next_block(
      {Tx::make_signed(std::string(kChain), user_key(0), 0, order(kFirstSlot, Side::kBuy, 1, 1))});
  EXPECT_EQ(b.status().code(), Code::kNoMarket);
  EXPECT_EQ(plain.state().root(), g.initial_state().root());
}

TEST_F(MarketRules, TxCodecRoundTripsAndRejectsBadSideAndTrailingBytes) {
  for (Payload p :
       {order(7, Side::kSell, 10, 20), Payload(CancelOrder{Hash256{}}),
        Payload(RegisterMeter{meter_key(1).public_key(), user_addr(2)}), reading(9, 1, 2)}) {
    Tx tx = Tx::make_signed("c", user_key(0), 3, p);
    Bytes b = encode_to_bytes(tx);
    auto back = decode_tx(b);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(back->payload, p);
    EXPECT_EQ(encode_to_bytes(*back), b);
    b.push_back(0);
    EXPECT_EQ(decode_tx(b).status().code(), Code::kMalformed);
  }
  Tx tx = Tx::make_signed("c", user_key(0), 3, order(7, Side::kSell, 10, 20));
  Bytes b = encode_to_bytes(tx);
  // chain id (4 + 1) + sender (32) + nonce (8) + kind (1) + slot (8) -> side
  b[4 + 1 + 32 + 8 + 1 + 8] = 2;
  EXPECT_EQ(decode_tx(b).status().code(), Code::kMalformed);
  b[4 + 1 + 32 + 8] = kMaxTxKind + 1;
  EXPECT_EQ(decode_tx(b).status().code(), Code::kMalformed);
}

TEST_F(MarketRules, GateClosureClearsRefundsExcessAndBlockDue) {
  register_meters();
  const uint64_t slot = kFirstSlot + 2;
  Tx sell = chain_.sign(user_key(0), order(slot, Side::kSell, 600, 80'000));
  Tx buy = chain_.sign(user_key(1), order(slot, Side::kBuy, 600, 120'000));
  chain_.ok({sell, buy}, t0() + 1);
  EXPECT_FALSE(market_block_due(chain_.state(), m(), gate(slot) - 1).value());
  EXPECT_TRUE(market_block_due(chain_.state(), m(), gate(slot)).value());
  auto exec = chain_.ok({}, gate(slot));
  ASSERT_EQ(exec.module_events.size(), 1u);
  EXPECT_EQ(exec.module_events[0].kind, Event::Kind::kSlotCleared);
  auto s = chain_.slot(slot).value();
  ASSERT_TRUE(s.clearing_price);
  // Equal volumes: the clearing range is [ask, bid]; uniform takes ask + k(bid - ask)/1e6.
  EXPECT_EQ(s.clearing_price->value(),
            80'000 + m().params.at("k") * (120'000 - 80'000) / 1'000'000);
  ASSERT_EQ(s.book.size(), 2u);
  EXPECT_EQ(s.book[0].filled.value(), 600);
  EXPECT_EQ(s.book[1].filled.value(), 600);
  // Kept escrow = what the fills need; the rest came back.
  const int64_t buy_kept = buy_escrow(m(), Energy(600), *s.clearing_price).value().value();
  const int64_t sell_kept = sell_escrow(m(), Energy(600)).value().value();
  EXPECT_EQ(s.book[1].escrow.value(), buy_kept);
  EXPECT_EQ(s.book[0].escrow.value(), sell_kept);
  EXPECT_EQ(chain_.balance(user_addr(1)), kBalance - buy_kept);
  EXPECT_EQ(chain_.balance(user_addr(0)), kBalance - sell_kept);
  EXPECT_FALSE(market_block_due(chain_.state(), m(), m().settle_ms(slot) - 1).value());
  EXPECT_TRUE(market_block_due(chain_.state(), m(), m().settle_ms(slot)).value());
}

TEST(MarketGenesis, RefusesBadMechanismParamsAndKeysNamingThem) {
  Genesis g = market_genesis(2, kBalance, kBalance);
  const std::string good = g.to_json();
  auto round = Genesis::from_json(good);
  ASSERT_TRUE(round.is_ok()) << round.status().to_string();
  EXPECT_EQ(round->hash(), g.hash());
  EXPECT_EQ(*round->market, *g.market);
  Genesis without = make_genesis(2, kBalance);
  EXPECT_NE(without.hash(), g.hash());
  auto expect_bad = [&](MarketParams m, const std::string& needle) {
    Status st = validate(m);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << needle;
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
    Genesis bad = g;
    bad.market = m;
    EXPECT_FALSE(Genesis::from_json(bad.to_json()).is_ok()) << needle;
  };
  MarketParams m = example_market();
  m.mechanism = "no-such-mechanism";
  expect_bad(m, "\"mechanism\"");
  m = example_market();
  m.params = {{"k", 2'000'000}};
  expect_bad(m, "\"params\"");
  m.params = {{"bogus", 1}};
  expect_bad(m, "bogus");
  m = example_market();
  m.tax_bp = 10'001;
  expect_bad(m, "\"tax_bp\"");
  m = example_market();
  m.slot_seconds = 0;
  expect_bad(m, "\"slot_seconds\"");
  m = example_market();
  m.grid_buy = -1;
  expect_bad(m, "\"grid_buy\"");
  m = example_market();
  m.max_reading_wh_per_slot = 0;
  expect_bad(m, "\"max_reading_wh_per_slot\"");
  // A missing key is named.
  auto j = nlohmann::json::parse(good);
  j["market"].erase("grid_fee");
  auto missing = Genesis::from_json(j.dump());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("\"grid_fee\" is missing"), std::string::npos);
}

TEST(MarketCodec, RecordsRoundTripAndRejectTrailingBytes) {
  SlotRecord s;
  s.status = SlotStatus::kClosed;
  s.clearing_price = Price(5);
  s.book.push_back(BookEntry{Hash256{}, user_addr(1), Side::kSell, Energy(3), Price(4), 5, 6,
                             Money(7), Energy(2), Money(1)});
  s.trades.push_back(SlotTrade{market::kGrid, 0, Energy(2), Price(1), Price(1), 0, {}});
  Bytes b = encode_to_bytes(s);
  EXPECT_EQ(decode_exact<SlotRecord>(b).value(), s);
  b.push_back(0);
  EXPECT_FALSE(decode_exact<SlotRecord>(b).is_ok());
  Bill bill;
  bill.net = Money(-5);
  bill.deviation_wh = -3;
  EXPECT_EQ(decode_exact<Bill>(encode_to_bytes(bill)).value(), bill);
  MarketCursor c{{3, 2}, {}};  // not ascending: not canonical
  EXPECT_FALSE(decode_exact<MarketCursor>(encode_to_bytes(c)).is_ok());
}

}  // namespace
}  // namespace wattle::chain
