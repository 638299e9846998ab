// Owners (no self-trade in any mechanism), the grid as counterparty (every
// unfilled order closed at the tariffs), and the validation of owners,
// partners, require_green and the book's totals: hand-computed books and
// properties over every registered mechanism.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "clearing_checks.h"
#include "market/clearing/clearing_builder.h"
#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;
using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;

bool community(const std::string& name) {
  return name == "mmr" || name == "sdr" || name == "bill-sharing";
}

// Every mechanism with its required parameters (tariffs for community pricing).
Params base_params(const std::string& name) {
  Params p;
  if (community(name)) p.values = {{"grid_buy", 300000}, {"grid_sell", 50000}};
  return p;
}

// alice buys 1000 @200k and sells 1000 @100k; bob buys 1000 @190k, carol sells
// 1000 @110k. The walk pairs b1-s1 (alice with herself) and b2-s2; range
// [110000, 190000], k = 0.5: 150000. Self-trade prevention swaps partners:
// b1-s2 and b2-s1, each order keeping its price, so the fills are unchanged.
TEST(Owners, UniformSwapsTheSelfTradeAway) {
  Book b =
      book_of({owned(buy("b1", 1000, 200000), "alice"), owned(sell("s1", 1000, 100000), "alice"),
               owned(buy("b2", 1000, 190000), "bob"), owned(sell("s2", 1000, 110000), "carol")});
  auto r = clear("uniform", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.price, 150000);
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s2", 1000, 150000, 150000},
                                      {"b2", "s1", 1000, 150000, 150000}}));
  EXPECT_EQ(v.totals, (std::vector<int64_t>{2000, 300000, 300000, 0, 0}));
}

// Only alice crosses with herself: nothing to swap with, the volume is
// cancelled from both of her orders (her net position is unchanged).
TEST(Owners, SelfOnlyVolumeIsCancelledFromBoth) {
  Book b = book_of({owned(buy("b1", 1000, 200000), "alice"),
                    owned(sell("s1", 600, 100000), "alice"), sell("s2", 1000, 300000)});
  for (const char* m : {"uniform", "pay-as-bid", "cda", "huang", "average", "stable"}) {
    auto r = clear(m, b, {});
    ASSERT_TRUE(r) << m << ": " << r.status().to_string();
    EXPECT_TRUE(r->trades.empty()) << m;
  }
}

TEST(Owners, StableNeverListsOwnOrders) {
  Book b = book_of({owned(buy("b1", 1000, 200000), "alice"),
                    owned(sell("s1", 1000, 100000), "alice"), sell("s2", 1000, 150000)});
  auto r = clear("stable", b, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->trades.size(), 1u);
  EXPECT_EQ(b.orders[r->trades[0].sell].id, "s2");
}

RC_GTEST_PROP(Owners, NoMechanismEverTradesAnOwnerWithItself, ()) {
  BookShape shape;
  shape.owners = 3;
  shape.attributes = true;
  const Book book = full_size_book(shape);
  for (const MechanismInfo& m : mechanisms()) {
    auto r = clear(m.name, book, base_params(m.name));
    RC_ASSERT(r.is_ok());
    for (const Trade& t : r->trades) {
      if (t.buy == kGrid || t.sell == kGrid) continue;
      const std::string& owner = book.orders[t.buy].owner;
      if (!owner.empty() && owner == book.orders[t.sell].owner) {
        RC_FAIL(m.name + ": " + book.orders[t.buy].id + " trades with " + book.orders[t.sell].id);
      }
    }
    RC_ASSERT(check_no_overfill(book, *r) == "");
    if (!community(m.name)) RC_ASSERT(check_budget(book, *r) == "");
  }
}

// With both tariffs every order ends fully settled: what the mechanism left
// unfilled trades with the grid at its side's tariff.
RC_GTEST_PROP(Grid, ClosesEveryUnfilledOrderAtTheTariffs, ()) {
  BookShape shape;
  shape.owners = *rc::gen::inRange(0, 3);
  const Book book = full_size_book(shape);
  const int64_t grid_sell = *rc::gen::inRange<int64_t>(0, 200'000);
  const int64_t grid_buy = grid_sell + *rc::gen::inRange<int64_t>(0, 300'000);
  for (const MechanismInfo& m : mechanisms()) {
    Params p = base_params(m.name);
    p.values["grid_buy"] = grid_buy;
    p.values["grid_sell"] = grid_sell;
    auto r = clear(m.name, book, p);
    RC_ASSERT(r.is_ok());
    std::vector<int64_t> traded(book.orders.size(), 0);
    int64_t grid_energy = 0;
    for (const Trade& t : r->trades) {
      if (t.buy != kGrid) traded[t.buy] += t.energy.value();
      if (t.sell != kGrid) traded[t.sell] += t.energy.value();
      if (t.sell == kGrid)
        RC_ASSERT(t.buy_price.value() == grid_buy && t.sell_price.value() == grid_buy);
      if (t.buy == kGrid)
        RC_ASSERT(t.buy_price.value() == grid_sell && t.sell_price.value() == grid_sell);
      if (t.buy == kGrid || t.sell == kGrid) grid_energy += t.energy.value();
    }
    for (size_t i = 0; i < book.orders.size(); ++i) {
      // Community pricing nets an owner's buys and sells first: that energy stays home.
      if (community(m.name) && !book.orders[i].owner.empty()) continue;
      RC_ASSERT(traded[i] == book.orders[i].energy.value());
    }
    RC_ASSERT(r->totals.grid_energy.value() == grid_energy);
    if (!community(m.name)) RC_ASSERT(check_budget(book, *r) == "");
  }
}

// b 1000 @200k, s 400 @100k: uniform trades 400; b keeps energy, so the range
// is [max(100000, 200000), 200000]: price 200000. b's 600 left buys from the
// grid at 250000: b pays 80000 + 150000.
TEST(Grid, UniformHandComputed) {
  Book b = book_of({buy("b", 1000, 200000), sell("s", 400, 100000)});
  Params p;
  p.values = {{"grid_buy", 250000}, {"grid_sell", 40000}};
  auto r = clear("uniform", b, p);
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.trades,
            (std::vector<T>{{"b", "s", 400, 200000, 200000}, {"b", "grid", 600, 250000, 250000}}));
  EXPECT_EQ(v.fills["b"], std::make_pair(int64_t{1000}, int64_t{80000 + 150000}));
  EXPECT_EQ(r->totals.grid_energy, Energy(600));
  EXPECT_EQ(r->totals.grid_net, Money(150000));
}

TEST(Validate, OwnersPartnersRequireGreen) {
  auto msg = [](Book b) { return validate(b).message(); };
  Book b = book_of({buy("b1", 10, 100)});
  b.orders[0].owner = std::string(65, 'x');
  EXPECT_NE(msg(b).find("order \"b1\": owner longer than 64"), std::string::npos) << msg(b);
  b.orders[0].owner = "alice";
  b.orders[0].partners = {"bob", "alice"};
  EXPECT_NE(msg(b).find("order \"b1\": partners[1] names the order's own owner"), std::string::npos)
      << msg(b);
  b.orders[0].partners = std::vector<std::string>(kMaxPartners + 1, "bob");
  EXPECT_NE(msg(b).find("partners has 17 owners"), std::string::npos) << msg(b);
  b.orders[0].partners = {""};
  EXPECT_NE(msg(b).find("partners[0] must be an owner"), std::string::npos) << msg(b);
  Book s = book_of({sell("s1", 10, 100)});
  s.orders[0].require_green = true;
  EXPECT_NE(msg(s).find("order \"s1\": require_green is for buy orders only"), std::string::npos);
}

// Two orders at the per-order maxima pass each side's money bound: refused by
// validate, so no valid book can overflow a clearing's totals.
TEST(Validate, SideTotalsAreBounded) {
  BookLimits limits;
  Book b;
  for (int i = 0; i < 5; ++i)
    b.orders.push_back(buy("b" + std::to_string(i), limits.max_energy_wh, limits.max_price));
  const Status st = validate(b);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.code(), Code::kTooLarge);
  EXPECT_NE(st.message().find("order \"b1\": the book's total bids"), std::string::npos)
      << st.message();
  // Just under the bound, every mechanism clears (no "totals overflow").
  Book ok;
  ok.orders = {buy("b", limits.max_energy_wh, limits.max_price),
               sell("s", limits.max_energy_wh, limits.max_price)};
  for (const MechanismInfo& m : mechanisms()) {
    Params p = base_params(m.name);
    p.values["grid_buy"] = kMaxTariff;
    p.values["grid_sell"] = 0;
    auto r = clear(m.name, ok, p);
    EXPECT_TRUE(r) << m.name << ": " << r.status().to_string();
  }
}

}  // namespace
}  // namespace wattle::market
