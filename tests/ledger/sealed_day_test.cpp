// A slot's whole life with sealed orders, on an in-memory chain (execute_block
// at chosen times): six households with meters; two public orders, four
// sealed ones of which one is revealed late in the window, one with a bound
// above its escrow, and one never revealed; meters that under- and
// over-deliver; settlement. Every bill, balance, escrow and debt, and the
// operator's and tax account's, is checked to the micro-unit against the
// independent model of market_model.h (forfeit included).
#include <gtest/gtest.h>

#include "market_model.h"
#include "market_test_util.h"
#include "modules/energy/market_rules.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

constexpr int kHouses = 6;
constexpr int64_t kBalance = 50'000'000;
constexpr uint64_t kSlot = kFirstSlot + 2;

class SealedDay : public ::testing::Test {
 protected:
  SealedDay() : genesis_(market_genesis(kHouses, kBalance, kBalance)), chain_(genesis_) {
    model_.m = *genesis_.market;
    for (const auto& [a, amount] : genesis_.balances) model_.balance[a] = amount.value();
  }
  const MarketParams& m() const { return *genesis_.market; }

  struct Sealed {
    Model::Order order;
    Salt salt;
    int64_t bound = 0;
    Tx tx;
  };
  Sealed seal(int h, Side side, int64_t e, int64_t p, int64_t extra_bound = 0) {
    Sealed s;
    s.salt.fill(static_cast<uint8_t>(40 + h));
    s.bound =
        (side == Side::kBuy ? buy_escrow(m(), Energy(e), Price(p)) : sell_escrow(m(), Energy(e)))
            ->value() +
        extra_bound;
    const Hash256 c = sealed_commitment(user_addr(h), kSlot, side, Energy(e), Price(p), s.salt);
    s.tx = chain_.sign(user_key(h), to_module_tx(SealedOrder{kSlot, c, Money(s.bound)}));
    s.order = Model::Order{s.tx.hash(), user_addr(h), side, e, p, kSlot, 0, 0};
    return s;
  }
  Tx reveal(const Sealed& s) {
    const Model::Order& o = s.order;
    return chain_.sign(
        user_key(house_of(o.owner)),
        to_module_tx(RevealOrder{o.id, kSlot, o.side, Energy(o.energy), Price(o.price), s.salt}));
  }
  int house_of(const Address& a) const {
    for (int i = 0; i < kHouses; ++i)
      if (user_addr(i) == a) return i;
    return -1;
  }
  // Every account the model knows, against the chain.
  void check_accounts(const char* when) {
    for (const auto& [a, bal] : model_.balance) {
      EXPECT_EQ(chain_.balance(a), static_cast<int64_t>(bal)) << when << " " << a.to_string();
      EXPECT_EQ(chain_.market_account(a).debt.value(), static_cast<int64_t>(model_.debt[a]))
          << when;
    }
  }

  Genesis genesis_;
  MarketChain chain_;
  Model model_;
  std::vector<Sealed> sealed_;
};

TEST_F(SealedDay, BillsBalancesAndTheForfeitMatchTheModel) {
  const uint64_t t0 = chain_.head().time_ms + 1;
  std::vector<Tx> meters;
  for (int h = 0; h < kHouses; ++h)
    meters.push_back(
        chain_.sign(operator_key(), RegisterMeter{meter_key(h).public_key(), user_addr(h)}));
  chain_.ok(meters, t0);

  // Block 2: public orders of h0 and h2; sealed orders of h1, h3, h4, h5.
  std::vector<Tx> txs;
  txs.push_back(chain_.sign(user_key(0), order(kSlot, Side::kBuy, 1000, 100'000)));
  txs.push_back(chain_.sign(user_key(2), order(kSlot, Side::kSell, 700, 50'000)));
  sealed_.push_back(seal(1, Side::kBuy, 800, 120'000));
  sealed_.push_back(seal(3, Side::kSell, 900, 60'000));
  sealed_.push_back(seal(4, Side::kBuy, 500, 110'000));         // never revealed
  sealed_.push_back(seal(5, Side::kSell, 400, 70'000, 5'000));  // bound above its escrow
  for (const Sealed& s : sealed_) txs.push_back(s.tx);
  chain_.ok(txs, t0 + 1000);
  const uint64_t h2 = chain_.head().height;
  model_.place(Model::Order{txs[0].hash(), user_addr(0), Side::kBuy, 1000, 100'000, kSlot, h2, 0});
  model_.place(Model::Order{txs[1].hash(), user_addr(2), Side::kSell, 700, 50'000, kSlot, h2, 1});
  for (uint32_t i = 0; i < sealed_.size(); ++i) {
    sealed_[i].order.height = h2;
    sealed_[i].order.index = 2 + i;
    model_.seal(sealed_[i].order.owner, m().seal_deposit, sealed_[i].bound);
  }
  check_accounts("after sealing");

  // The gate block: h1 and h3 reveal; the window's second block: h5.
  const uint64_t gate = *m().gate_ms(kSlot);
  chain_.ok({reveal(sealed_[0]), reveal(sealed_[1])}, gate);
  model_.reveal(sealed_[0].order, m().seal_deposit, sealed_[0].bound);
  model_.reveal(sealed_[1].order, m().seal_deposit, sealed_[1].bound);
  check_accounts("gate block");
  chain_.ok({reveal(sealed_[3])}, gate + 1000);
  model_.reveal(sealed_[3].order, m().seal_deposit, sealed_[3].bound);
  check_accounts("window's second block");

  // The window ends: h4 forfeits, then the slot clears.
  chain_.ok({}, gate + 2000);
  model_.forfeit(user_addr(4), m().seal_deposit, sealed_[2].bound);
  model_.clear(kSlot);
  ASSERT_EQ(chain_.slot(kSlot)->status, SlotStatus::kClosed);
  EXPECT_EQ(chain_.slot(kSlot)->book.size(), 5u);
  check_accounts("clearing");

  // Readings: h1 takes 100 Wh less than bought, h3 delivers all, h5 300 of
  // its 400 Wh; h0 and h2 as traded; h4 reads nothing.
  const std::map<int, std::pair<int64_t, int64_t>> read = {
      {0, {1000, 0}}, {1, {700, 0}}, {2, {0, 700}}, {3, {0, 900}}, {5, {0, 300}}};
  std::vector<Tx> readings;
  for (const auto& [h, r] : read) {
    readings.push_back(chain_.sign(meter_key(h), reading(kSlot, r.first, r.second)));
    model_.readings[{user_addr(h), kSlot}] = r;
  }
  chain_.ok(readings, m().slot_end_ms(kSlot));
  chain_.ok({}, m().settle_ms(kSlot));
  model_.settle(kSlot);
  check_accounts("settlement");
  EXPECT_EQ(chain_.balance(m().operator_account),
            static_cast<int64_t>(model_.balance[m().operator_account]));
  // Every order but the forfeited one traded (1800 Wh demand against 2000 Wh
  // offered up to 100000/kWh): five bills.
  ASSERT_EQ(model_.bills.size(), 5u);
  for (const auto& [key, bill] : model_.bills) {
    auto got = chain_.bill(key.first, kSlot);
    ASSERT_TRUE(got.has_value()) << key.first.to_string();
    EXPECT_EQ(*got, bill) << key.first.to_string();
  }
  EXPECT_FALSE(chain_.bill(user_addr(4), kSlot).has_value());  // forfeited: no order, no bill
  for (int h = 0; h < kHouses; ++h)
    EXPECT_EQ(chain_.market_account(user_addr(h)).escrow.value(), 0);
}

}  // namespace
}  // namespace wattle::chain
