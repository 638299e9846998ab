// The average mechanism: hand-computed books, and properties on random books
// checked against definitions computed here from scratch (maximal volume from
// the step curves, competitive equilibrium at the price).
#include "market/mechanisms/average.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"

namespace wattle::market {
namespace {

using testing::limit_order;

TEST(Average, HandComputedBook) {
  // The walk: b1-s1 1000, b2-s1 500, b2-s2 1000, b2-s3 500, b3-s3 1000; s3
  // keeps 500 Wh at 180000 and b4 bids 100000. Competitive interval
  // [max(180000, 100000), min(200000, 180000)] = [180000, 180000]. (uniform's
  // k = 0.5 on the marginal pair would say 190000, where s3 would want to
  // sell more than it does.)
  const Book book = testing::eight_order_book();
  auto c = clear_average(book, {});
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(c->clearing_price, Price(180000));
  const std::vector<testing::TradeKey> want = {{"b1", "s1", 1000, 180000, 180000},
                                               {"b2", "s1", 500, 180000, 180000},
                                               {"b2", "s2", 1000, 180000, 180000},
                                               {"b2", "s3", 500, 180000, 180000},
                                               {"b3", "s3", 1000, 180000, 180000}};
  EXPECT_EQ(testing::trade_keys(book, *c), want);
  EXPECT_EQ(c->totals.buyers_pay.value(), 720000);
  EXPECT_EQ(c->totals.surplus.value(), 0);
}

TEST(Average, WideIntervalTakesItsMiddle) {
  // b1 and s1 clear each other exactly; b2 (150000) is left out and no ask
  // remains: interval [max(100000, 150000), 300000], price 225000.
  Book book;
  book.orders = {limit_order("b1", Side::kBuy, 1000, 300000),
                 limit_order("s1", Side::kSell, 1000, 100000),
                 limit_order("b2", Side::kBuy, 1000, 150000)};
  auto c = clear_average(book, {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->clearing_price, Price(225000));
  const std::vector<testing::TradeKey> want = {{"b1", "s1", 1000, 225000, 225000}};
  EXPECT_EQ(testing::trade_keys(book, *c), want);
}

TEST(Average, NoTradeNoPrice) {
  Book book;
  book.orders = {limit_order("b", Side::kBuy, 1000, 100000),
                 limit_order("s", Side::kSell, 1000, 200000)};
  auto c = clear_average(book, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->trades.empty());
  EXPECT_FALSE(c->clearing_price.has_value());
}

TEST(Average, ThroughTheRegistry) {
  const MechanismInfo* m = find_mechanism("average");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(testing::own_param_names(*m).empty());
  Params k;
  k.values = {{"k", 1}};
  EXPECT_FALSE(clear("average", Book{}, k));
  EXPECT_TRUE(clear("average", Book{}, {}));
}

// Largest tradeable volume from the step curves: max over limit prices p of
// min(demand at >= p, supply at <= p).
int64_t max_volume(const Book& book) {
  std::set<int64_t> prices;
  for (const Order& o : book.orders) prices.insert(o.price.value());
  int64_t best = 0;
  for (int64_t p : prices) {
    int64_t d = 0, s = 0;
    for (const Order& o : book.orders) {
      if (o.side == Side::kBuy && o.price.value() >= p) d += o.energy.value();
      if (o.side == Side::kSell && o.price.value() <= p) s += o.energy.value();
    }
    best = std::max(best, std::min(d, s));
  }
  return best;
}

RC_GTEST_PROP(Average, RationalBalancedMaximalAndCompetitive, ()) {
  const Book book = testing::full_size_book();
  auto c = clear_average(book, {});
  RC_ASSERT(c.is_ok());
  RC_ASSERT(testing::check_no_overfill(book, *c) == "");
  RC_ASSERT(testing::check_rational(book, *c) == "");
  RC_ASSERT(testing::check_budget(book, *c) == "");
  RC_ASSERT(c->totals.energy.value() == max_volume(book));
  if (c->trades.empty()) return;
  const Price p = *c->clearing_price;
  std::vector<int64_t> filled(book.orders.size(), 0);
  for (const Trade& t : c->trades) {
    RC_ASSERT(t.buy_price == p && t.sell_price == p);
    filled[t.buy] += t.energy.value();
    filled[t.sell] += t.energy.value();
  }
  for (size_t i = 0; i < book.orders.size(); ++i) {
    const Order& o = book.orders[i];
    const bool wants = o.side == Side::kBuy ? o.price > p : o.price < p;
    if (wants) RC_ASSERT(filled[i] == o.energy.value());
  }
}

RC_GTEST_PROP(Average, SameOutputWhateverTheLineOrder, ()) {
  const Book book = testing::full_size_book();
  const Book other = testing::shuffled(book);
  auto a = clear_average(book, {});
  auto b = clear_average(other, {});
  RC_ASSERT(a.is_ok() && b.is_ok());
  RC_ASSERT(testing::trade_keys(book, *a) == testing::trade_keys(other, *b));
}

}  // namespace
}  // namespace wattle::market
