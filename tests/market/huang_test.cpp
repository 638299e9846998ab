// McAfee trade reduction (multi-unit, Huang et al. 2002): a hand-computed
// book, the equal-rationing remainder rule, and properties on random books.
#include "market/mechanisms/huang.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "market/clearing/clearing_builder.h"
#include "market/clearing/sequence.h"
#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"

namespace wattle::market {
namespace {

using testing::BookShape;
using testing::limit_order;

TEST(Huang, HandComputedBook) {
  // Greedy walk: b1-s1 1000, b2-s1 500, b2-s2 1000, b2-s3 500, b3-s3 1000,
  // then b4 (100000) < s3 (180000): the marginal pair is (b3, s3).
  // Trading: buyers b1, b2 (3000 Wh) and sellers s1, s2 (2500 Wh). Buyers are
  // long by 500: each loses 250 -> b1 750, b2 1750. Buyers pay b3's 200000,
  // sellers get s3's 180000.
  const Book book = testing::eight_order_book();
  auto c = clear_huang(book, {});
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(c->mechanism, "huang");
  EXPECT_FALSE(c->clearing_price.has_value());
  const std::vector<testing::TradeKey> want = {{"b1", "s1", 750, 200000, 180000},
                                               {"b2", "s1", 750, 200000, 180000},
                                               {"b2", "s2", 1000, 200000, 180000}};
  EXPECT_EQ(testing::trade_keys(book, *c), want);
  EXPECT_EQ(c->totals.energy.value(), 2500);
  EXPECT_EQ(c->totals.buyers_pay.value(), 150000 + 350000);
  EXPECT_EQ(c->totals.sellers_get.value(), 270000 + 180000);
  EXPECT_EQ(c->totals.grid_net.value(), 0);
  EXPECT_EQ(c->totals.surplus.value(), 50000);  // (200000 - 180000) x 2.5 kWh
}

TEST(Huang, NothingTradesWithOnlyTheMarginalPair) {
  Book book;
  book.orders = {limit_order("b", Side::kBuy, 1000, 300000),
                 limit_order("s", Side::kSell, 1000, 100000)};
  auto c = clear_huang(book, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->trades.empty());
  EXPECT_EQ(c->totals.surplus.value(), 0);
}

TEST(Huang, EmptyAndUncrossedBooks) {
  auto empty = clear_huang(Book{}, {});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->trades.empty());
  Book book;
  book.orders = {limit_order("b", Side::kBuy, 1000, 100000),
                 limit_order("s", Side::kSell, 1000, 200000)};
  auto c = clear_huang(book, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->trades.empty());
}

TEST(Huang, ThroughTheRegistry) {
  const MechanismInfo* m = find_mechanism("huang");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(testing::own_param_names(*m).empty());
  Book book;
  book.orders = {limit_order("b", Side::kBuy, 1000, 300000),
                 limit_order("s", Side::kSell, 1000, 100000)};
  EXPECT_TRUE(clear("huang", book, {}));
  Params k;
  k.values = {{"k", 500000}};
  EXPECT_FALSE(clear("huang", book, k));  // takes no parameters
}

TEST(RationEqually, SmallOrderLeavesAndItsCutIsShared) {
  // Cut 600 of 2100 equally: 200 each would take a's 100 and more; a leaves,
  // the rest share 500 -> 250 each.
  Book book;
  book.orders = {limit_order("a", Side::kBuy, 100, 1), limit_order("b", Side::kBuy, 1000, 1),
                 limit_order("c", Side::kBuy, 1000, 1)};
  std::vector<Quota> q = {{0, 100}, {1, 1000}, {2, 1000}};
  ration_equally(book, q, 1500);
  EXPECT_EQ(q[0].wh, 0);
  EXPECT_EQ(q[1].wh, 750);
  EXPECT_EQ(q[2].wh, 750);
}

TEST(RationEqually, RemainderTakenInIdOrder) {
  // 3000 -> 1000: cut 666 leaves 1002; the 2 Wh excess come from the first
  // ids, whatever the quotas' order.
  Book book;
  book.orders = {limit_order("z", Side::kSell, 1000, 1), limit_order("a", Side::kSell, 1000, 1),
                 limit_order("m", Side::kSell, 1000, 1)};
  std::vector<Quota> q = {{0, 1000}, {1, 1000}, {2, 1000}};
  ration_equally(book, q, 1000);
  EXPECT_EQ(q[0].wh, 334);  // "z"
  EXPECT_EQ(q[1].wh, 333);  // "a"
  EXPECT_EQ(q[2].wh, 333);  // "m"
}

RC_GTEST_PROP(Huang, NoOverfillRationalBalanced, ()) {
  const Book book = testing::full_size_book();
  auto c = clear_huang(book, {});
  RC_ASSERT(c.is_ok());
  RC_ASSERT(testing::check_no_overfill(book, *c) == "");
  RC_ASSERT(testing::check_rational(book, *c) == "");
  RC_ASSERT(testing::check_budget(book, *c) == "");
  RC_ASSERT(c->totals.grid_net.value() == 0);
  // One buy price and one sell price for every trade.
  for (const Trade& t : c->trades) {
    RC_ASSERT(t.buy_price == c->trades.front().buy_price);
    RC_ASSERT(t.sell_price == c->trades.front().sell_price);
  }
}

RC_GTEST_PROP(Huang, SameOutputWhateverTheLineOrder, ()) {
  const Book book = testing::full_size_book();
  const Book other = testing::shuffled(book);
  auto a = clear_huang(book, {});
  auto b = clear_huang(other, {});
  RC_ASSERT(a.is_ok() && b.is_ok());
  RC_ASSERT(testing::trade_keys(book, *a) == testing::trade_keys(other, *b));
}

RC_GTEST_PROP(Huang, NoSingleOrderGainsByMisreportingItsPrice, ()) {
  BookShape shape;
  shape.max_orders = 8;
  shape.max_energy_wh = 3000;
  const Book book = testing::full_size_book(shape);
  const std::string why = testing::check_truthful_in_price(book, {}, clear_huang);
  RC_ASSERT(why == "");
}

// The truthfulness checker must be able to fail: the same allocation, but
// every buyer pays its own bid (first price), invites shading the bid.
TEST(Huang, TruthfulnessCheckerCatchesFirstPricePayments) {
  Book book;
  book.orders = {
      limit_order("b1", Side::kBuy, 1000, 300000),  limit_order("b2", Side::kBuy, 1000, 250000),
      limit_order("b3", Side::kBuy, 1000, 200000),  limit_order("s1", Side::kSell, 1000, 80000),
      limit_order("s2", Side::kSell, 1000, 120000), limit_order("s3", Side::kSell, 1000, 180000)};
  const testing::Clear first_price = [](const Book& b, const Params& p) -> Result<Clearing> {
    auto c = clear_huang(b, p);
    if (!c) return c;
    std::vector<Trade> trades = c->trades;
    for (Trade& t : trades) t.buy_price = b.orders[t.buy].price;
    return make_clearing("mutant", b, trades, std::nullopt);
  };
  EXPECT_EQ(testing::check_truthful_in_price(book, {}, clear_huang), "");
  EXPECT_NE(testing::check_truthful_in_price(book, {}, first_price), "");
}

}  // namespace
}  // namespace wattle::market
