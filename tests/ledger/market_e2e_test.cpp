// End to end: an Application (store, mempool, CheckTx, proposal,
// finalize, commit) with 10 households and their meters trades over three
// slots: a cancel, a missing reading, a seller who under-delivers, a buyer
// who over-consumes and ends in debt, transfers that repay part and then all
// of the debt, and the same household trading again in a later slot.
// Blocks are produced at chosen times (the proposer asks block_due()).
// Every bill and every balance, escrow and debt is checked to the
// micro-unit against a model written here from the rules in
// docs/market.md, independent of the ledger's code: it clears its own copy
// of each book with the market library and does the arithmetic itself.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "chain/application.h"
#include "market/registry.h"
#include "market_model.h"
#include "market_test_util.h"
#include "modules/energy/market_queries.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;
using i128 = __int128;

constexpr int kHouses = 10;
constexpr int64_t kBalance = 50'000'000;
constexpr int64_t kOperatorBalance = 1'000'000'000;

class MarketEndToEnd : public ::testing::Test {
 protected:
  MarketEndToEnd() : genesis_(market_genesis(kHouses, kBalance, kOperatorBalance)) {
    auto store = Store::open(dir_.sub("chain"));
    EXPECT_TRUE(store.is_ok());
    AppConfig config;
    config.env = &env_;  // the proposer's clock
    app_ = std::move(Application::open(genesis_, std::move(*store), config).value());
    model_.m = *genesis_.market;
    for (const auto& [a, amount] : genesis_.balances) model_.balance[a] = amount.value();
  }

  const MarketParams& m() const { return *genesis_.market; }
  Address house(int i) const { return user_addr(i); }

  Tx sign(const KeyPair& k, Payload p) {
    const Address a = Address::of(k.public_key());
    uint64_t& n = nonces_[a];
    return Tx::make_signed(genesis_.chain_id, k, n++, std::move(p));
  }

  // Admits `txs`, then proposes, finalizes and commits a block at `time_ms`
  // with all of them; records each tx's position; applies `model` (what the
  // rules say the block does) and checks every account against it.
  Block commit(const std::vector<Tx>& txs, uint64_t time_ms,
               const std::function<void()>& model = {}) {
    env_.set_now_ms(time_ms);
    for (const Tx& tx : txs) {
      auto r = app_->check_tx(encode_to_bytes(tx));
      EXPECT_TRUE(r.status.is_ok()) << r.status.to_string();
    }
    auto p = app_->prepare_proposal(app_->head().height + 1, time_ms, user_key(0).public_key());
    EXPECT_TRUE(p.is_ok());
    EXPECT_EQ(p->block.txs.size(), txs.size()) << "a tx was dropped";
    EXPECT_TRUE(app_->finalize_block(p->block));
    EXPECT_TRUE(app_->commit().is_ok());
    for (uint32_t i = 0; i < p->block.txs.size(); ++i)
      where_[p->block.txs[i].hash()] = {p->block.header.height, i};
    if (model) model();
    check_all();
    return p->block;
  }

  // Every known account's balance, escrow and debt equals the model's, and
  // balances + escrow - debts equals genesis supply.
  void check_all() {
    std::vector<Address> all{m().operator_account, m().tax_account};
    for (int i = 0; i < kHouses; ++i) all.push_back(house(i));
    i128 value = 0;
    for (const Address& a : all) {
      const int64_t bal = app_->account(a)->account.balance.value();
      const MarketAccount ma = market_account(*app_, a).value();
      EXPECT_TRUE(bal == model_.balance[a]) << a.to_string() << " balance " << bal;
      EXPECT_TRUE(ma.debt.value() == model_.debt[a]) << a.to_string() << " debt";
      i128 escrow = 0;
      for (const auto& o : model_.orders)
        if (o.owner == a) escrow += o.escrow;
      EXPECT_TRUE(ma.escrow.value() == escrow) << a.to_string() << " escrow";
      value += bal + ma.escrow.value() - ma.debt.value();
    }
    i128 supply = 0;
    for (const auto& [a, amount] : genesis_.balances) supply += amount.value();
    EXPECT_TRUE(value == supply) << "conservation";
  }

  void place(int house_i, uint64_t slot, Side side, int64_t e, int64_t p, std::vector<Tx>& txs) {
    txs.push_back(sign(user_key(house_i), order(slot, side, e, p)));
  }
  void model_orders(const std::vector<Tx>& txs) {
    for (const Tx& tx : txs) {
      const auto& o = std::get<PlaceOrder>(tx.payload);
      auto [h, i] = where_.at(tx.hash());
      model_.place({tx.hash(), tx.sender_address(), o.side, o.energy.value(), o.price.value(),
                    o.slot, h, i});
    }
  }
  // A meter's cumulative counters after adding an interval for `slot`.
  Tx read(int i, uint64_t slot, int64_t d_import, int64_t d_export) {
    auto& [imp, exp] = counters_[i];
    imp += d_import;
    exp += d_export;
    model_.readings[{house(i), slot}] = {d_import, d_export};
    return sign(meter_key(i), reading(slot, imp, exp));
  }
  void expect_bills(uint64_t slot, int expected_count) {
    int count = 0;
    for (int i = 0; i < kHouses; ++i) {
      auto got = market_bill(*app_, house(i), slot).value();
      auto it = model_.bills.find({house(i), slot});
      ASSERT_EQ(got.has_value(), it != model_.bills.end()) << "house " << i;
      if (!got) continue;
      ++count;
      EXPECT_EQ(*got, it->second) << "house " << i << " slot " << slot;
      // The identity every bill satisfies.
      EXPECT_EQ(got->net.value(), got->p2p_received.value() + got->grid_received.value() -
                                      got->p2p_paid.value() - got->grid_paid.value() -
                                      got->grid_fee.value() - got->tax.value());
    }
    EXPECT_EQ(count, expected_count);
  }

  TempDir dir_;
  Genesis genesis_;
  InlineEnv env_;
  std::unique_ptr<Application> app_;
  Model model_;
  std::map<Address, uint64_t> nonces_;
  std::map<Hash256, std::pair<uint64_t, uint32_t>> where_;
  std::map<int, std::pair<int64_t, int64_t>> counters_;
};

TEST_F(MarketEndToEnd, TenHouseholdsTradeSettleAndPayToTheMicroUnit) {
  const uint64_t s0 = kFirstSlot, s1 = s0 + 2, s2 = s0 + 3;
  uint64_t t = genesis_.genesis_time_ms;
  EXPECT_FALSE(app_->block_due(t + 1000));

  std::vector<Tx> meters;
  for (int i = 0; i < kHouses; ++i)
    meters.push_back(sign(operator_key(), RegisterMeter{meter_key(i).public_key(), house(i)}));
  commit(meters, t += 1000);

  std::vector<Tx> orders;
  place(0, s1, Side::kSell, 1200, 90'000, orders);
  place(1, s1, Side::kSell, 800, 70'000, orders);
  place(2, s1, Side::kSell, 500, 60'000, orders);  // cancelled below
  place(3, s1, Side::kBuy, 1000, 120'000, orders);
  place(4, s1, Side::kBuy, 700, 100'000, orders);
  place(5, s1, Side::kBuy, 400, 95'000, orders);
  place(6, s2, Side::kSell, 2000, 50'000, orders);
  place(7, s2, Side::kBuy, 1500, 110'000, orders);
  place(8, s2, Side::kBuy, 900, 80'000, orders);
  place(9, s2, Side::kSell, 300, 200'000, orders);  // above every bid: unfilled
  commit(orders, t += 1000, [&] { model_orders(orders); });

  Tx cancel = sign(user_key(2), CancelOrder{orders[2].hash()});
  commit({cancel}, t += 1000, [&] { model_.cancel(orders[2].hash()); });

  // Gate closures: due exactly at gate time, produced with no txs.
  EXPECT_FALSE(app_->block_due(*m().gate_ms(s1) - 1));
  EXPECT_TRUE(app_->block_due(*m().gate_ms(s1)));
  commit({}, *m().gate_ms(s1), [&] { model_.clear(s1); });
  ASSERT_EQ(market_slot(*app_, s1).value()->status, SlotStatus::kClosed);
  // The orders view shows the escrow clearing left, not what was placed.
  int returned = 0;
  for (int h : {3, 4, 5}) {
    auto account =
        modules::market_account(app_->committed_state(), market_params(app_->modules()), house(h));
    ASSERT_TRUE(account.is_ok()) << account.status().to_string();
    auto orders = modules::account_orders(app_->committed_state(), *account);
    ASSERT_TRUE(orders.is_ok()) << orders.status().to_string();
    for (const modules::AccountOrder& o : *orders)
      for (const Model::Order& mo : model_.orders)
        if (mo.id == o.id && mo.slot == s1) {
          EXPECT_EQ(o.order.escrow.value(), mo.escrow) << h;
          const int64_t base = mo.side == Side::kBuy ? model_.up(mo.energy, mo.price) +
                                                           model_.up(mo.energy, m().grid_fee)
                                                     : model_.up(mo.energy, m().grid_buy);
          returned += mo.escrow < base + model_.tax(base);  // clearing gave some back
        }
  }
  EXPECT_GT(returned, 0);
  commit({}, *m().gate_ms(s2), [&] { model_.clear(s2); });

  // Slot s1 ends: readings (house 4's is missing). House 0 sold but exports
  // less; house 3 imports more than it bought; house 5 over-consumes far
  // beyond its balance after sending most of it away.
  std::vector<Tx> r1;
  r1.push_back(read(0, s1, 0, 700));
  r1.push_back(read(1, s1, 0, 800));
  r1.push_back(read(2, s1, 100, 0));
  r1.push_back(read(3, s1, 1600, 0));
  r1.push_back(read(5, s1, 90'000, 0));
  for (int i = 6; i < kHouses; ++i) r1.push_back(read(i, s1, 300, 200));
  const int64_t away = app_->account(house(5))->account.balance.value() - 1'000'000;
  r1.push_back(sign(user_key(5), Transfer{house(9), Money(away)}));
  commit(r1, m().slot_end_ms(s1), [&] { model_.transfer(house(5), house(9), away); });

  EXPECT_FALSE(app_->block_due(m().settle_ms(s1) - 1));
  EXPECT_TRUE(app_->block_due(m().settle_ms(s1)));
  commit({}, m().settle_ms(s1), [&] { model_.settle(s1); });
  expect_bills(s1, 5);  // houses 0, 1, 3, 4, 5 had fills
  EXPECT_FALSE(market_bill(*app_, house(4), s1).value()->reading_posted);
  EXPECT_LT(market_bill(*app_, house(0), s1).value()->deviation_wh, 0);       // under-delivered
  EXPECT_GT(market_bill(*app_, house(3), s1).value()->grid_paid.value(), 0);  // over-consumed
  EXPECT_GT(market_bill(*app_, house(5), s1).value()->debt_added.value(), 0);
  EXPECT_EQ(market_slot(*app_, s1).value()->status, SlotStatus::kSettled);

  // In debt: no orders until a transfer repays it (part here).
  auto refused = app_->check_tx(encode_to_bytes(Tx::make_signed(
      genesis_.chain_id, user_key(5), nonces_[house(5)], order(s2 + 4, Side::kBuy, 10, 1000))));
  EXPECT_EQ(refused.status.code(), Code::kInDebt);
  commit({sign(user_key(9), Transfer{house(5), Money(2'000'000)})}, m().settle_ms(s1) + 1000,
         [&] { model_.transfer(house(9), house(5), 2'000'000); });

  std::vector<Tx> r2;
  r2.push_back(read(4, s2, 700, 0));  // covers s1 too: s1 stays settled as missing
  r2.push_back(read(6, s2, 0, 2500));
  r2.push_back(read(7, s2, 1500, 0));
  r2.push_back(read(8, s2, 0, 100));
  r2.push_back(read(9, s2, 50, 0));
  commit(r2, m().slot_end_ms(s2));
  commit({}, m().settle_ms(s2), [&] { model_.settle(s2); });
  expect_bills(s2, 3);  // houses 6, 7, 8; house 9's ask was above every bid
  EXPECT_GT(market_bill(*app_, house(6), s2).value()->grid_received.value(), 0);  // over-delivered

  // The rest of the debt repaid by a transfer above it: house 5 orders
  // again, in a slot placed after the first two settled, and trades.
  const int64_t still_owed = static_cast<int64_t>(model_.debt[house(5)]);
  ASSERT_GT(still_owed, 0);
  uint64_t now = m().settle_ms(s2) + 1000;
  commit({sign(user_key(9), Transfer{house(5), Money(still_owed + 3'000'000)})}, now,
         [&] { model_.transfer(house(9), house(5), still_owed + 3'000'000); });
  EXPECT_EQ(model_.debt[house(5)], 0);
  const uint64_t s3 = m().slot_of(now) + 2;
  std::vector<Tx> late;
  place(5, s3, Side::kBuy, 600, 150'000, late);
  place(1, s3, Side::kSell, 400, 40'000, late);
  commit(late, now += 1000, [&] { model_orders(late); });
  commit({}, *m().gate_ms(s3), [&] { model_.clear(s3); });
  commit({read(5, s3, 600, 0), read(1, s3, 0, 400)}, m().slot_end_ms(s3));
  commit({}, m().settle_ms(s3), [&] { model_.settle(s3); });
  expect_bills(s3, 2);
  EXPECT_EQ(market_bill(*app_, house(5), s3).value()->bought.value(), 400);
  EXPECT_GT(market_bill(*app_, house(5), s3).value()->grid_paid.value(), 0);  // 200 Wh short
  EXPECT_EQ(market_bill(*app_, house(5), s3).value()->debt_added.value(), 0);

  // The events of the market went on the bus.
  auto batch = app_->events().read(1, 10'000);
  std::map<Event::Kind, int> kinds;
  for (const Event& e : batch.events) kinds[e.kind]++;
  EXPECT_EQ(kinds[Event::Kind::kOrderPlaced], 12);
  EXPECT_EQ(kinds[Event::Kind::kSlotCleared], 3);
  EXPECT_EQ(kinds[Event::Kind::kSlotSettled], 3);
  EXPECT_EQ(kinds[Event::Kind::kReadingPosted], static_cast<int>(r1.size() - 1 + r2.size() + 2));

  // Replayed from the store, every block's events are the ones published live.
  std::map<uint64_t, std::vector<Event>> live;
  for (Event e : batch.events) {
    e.seq = 0;
    live[e.height].push_back(e);
  }
  for (uint64_t h = 1; h <= app_->head().height; ++h) {
    auto replay = app_->committed_events(h);
    ASSERT_TRUE(replay.is_ok()) << replay.status().to_string();
    ASSERT_EQ(replay->size(), live[h].size()) << h;
    for (size_t i = 0; i < replay->size(); ++i) {
      const Event &a = (*replay)[i], &b = live[h][i];
      EXPECT_TRUE(a.kind == b.kind && a.height == b.height && a.hash == b.hash &&
                  a.index == b.index && a.code == b.code && a.slot == b.slot &&
                  a.position == b.position && a.position == i)
          << "height " << h << " event " << i;
    }
  }
  EXPECT_EQ(app_->committed_events(app_->head().height + 1).status().code(), Code::kNotFound);
}

TEST(MarketBlockDue, FalseWithoutAMarketAndWithNothingPending) {
  TempDir dir;
  Genesis plain = make_genesis(2, kBalance);
  auto app = Application::open(plain, Store::open(dir.sub("a")).value()).value();
  EXPECT_FALSE(app->block_due(UINT64_MAX));
  Genesis g = market_genesis(2, kBalance, kBalance);
  auto mapp = Application::open(g, Store::open(dir.sub("b")).value()).value();
  // No orders yet: no gate closure or settlement is ever due.
  EXPECT_FALSE(mapp->block_due(g.genesis_time_ms + 1));
  EXPECT_FALSE(mapp->block_due(UINT64_MAX));
  EXPECT_EQ(market_slot(*mapp, kFirstSlot + 2).value(), std::nullopt);
  EXPECT_EQ(market_slot(*app, kFirstSlot).status().code(), Code::kNoMarket);
}

}  // namespace
}  // namespace wattle::chain
