#include "market/uniform.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "clearing_checks.h"
#include "market/registry.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;

// b1 250k, b2 200k, b3 120k against s1 80k, s2 150k, s3 220k: the walk trades
// b1-s1 1500, b2-s1 500, b2-s2 500 and stops at b3 (120k < 150k). Marginal
// pair b2 200000 / s2 150000, k = 0.5: price 175000.
Book example() {
  return book_of({buy("b1", 1500, 250000), buy("b2", 1000, 200000), buy("b3", 1000, 120000),
                  sell("s1", 2000, 80000), sell("s2", 1000, 150000), sell("s3", 500, 220000)});
}

TEST(Uniform, HandComputedBook) {
  auto r = clear("uniform", example(), {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(example(), *r);
  EXPECT_EQ(v.price, 175000);
  using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s1", 1500, 175000, 175000},
                                      {"b2", "s1", 500, 175000, 175000},
                                      {"b2", "s2", 500, 175000, 175000}}));
  EXPECT_EQ(v.fills["b1"], std::make_pair(int64_t{1500}, int64_t{262500}));
  EXPECT_EQ(v.fills["b2"], std::make_pair(int64_t{1000}, int64_t{175000}));
  EXPECT_EQ(v.fills["s1"], std::make_pair(int64_t{2000}, int64_t{350000}));
  EXPECT_EQ(v.fills["s2"], std::make_pair(int64_t{500}, int64_t{87500}));
  EXPECT_EQ(v.fills.count("b3"), 0u);
  EXPECT_EQ(v.totals, (std::vector<int64_t>{2500, 437500, 437500, 0, 0}));
}

TEST(Uniform, KRuleEnds) {
  Params p;
  p.values["k"] = 0;
  EXPECT_EQ(clear("uniform", example(), p)->clearing_price, Price(150000));
  p.values["k"] = 1'000'000;
  EXPECT_EQ(clear("uniform", example(), p)->clearing_price, Price(200000));
}

TEST(Uniform, EarlierTimeWinsAtTheMarginalLevel) {
  Book b =
      book_of({buy("b", 1000, 200000), sell("late", 1000, 100000), sell("early", 1000, 100000)});
  b.orders[1].time = 5;
  b.orders[2].time = 1;
  auto r = clear("uniform", b, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->trades.size(), 1u);
  EXPECT_EQ(b.orders[r->trades[0].sell].id, "early");
}

TEST(Uniform, NoCrossNoTrade) {
  auto r = clear("uniform", book_of({buy("b", 10, 100), sell("s", 10, 101)}), {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->trades.empty());
  EXPECT_FALSE(r->clearing_price.has_value());
}

TEST(Uniform, RoundingRemainderGoesToSurplus) {
  // 1 Wh at 1 micro/kWh: the buyer pays 1 (rounded up), the seller gets 0.
  auto r = clear("uniform", book_of({buy("b", 1, 1), sell("s", 1, 1)}), {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->totals.buyers_pay, Money(1));
  EXPECT_EQ(r->totals.sellers_get, Money(0));
  EXPECT_EQ(r->totals.surplus, Money(1));
}

RC_GTEST_PROP(Uniform, InvariantsAndWelfareMaximalVolume, ()) {
  Book b = *gen_book();
  auto r = clear("uniform", b, {});
  RC_ASSERT(r.is_ok());
  rc_check_invariants(b, *r);
  RC_ASSERT(r->totals.energy.value() == reference_max_volume(b));
  for (const Trade& t : r->trades) RC_ASSERT(t.buy_price == *r->clearing_price);
}

RC_GTEST_PROP(Uniform, MaximalWelfareOnSmallBooks, ()) {
  BookShape s;
  s.max_energy_wh = 40;
  Book b = *gen_book(s);
  auto r = clear("uniform", b, {});
  RC_ASSERT(r.is_ok());
  RC_ASSERT(welfare_milli(b, *r) == reference_max_welfare(b));
}

// Large enough books (>= 64 per side) take the radix-sort path in the input
// order and the comparison sort once shuffled: both must agree.
RC_GTEST_PROP(Uniform, LineOrderDoesNotMatter, ()) {
  BookShape s;
  s.max_orders = 300;
  Book b = *gen_book(s);
  Book shuffled = *gen_shuffled(b);
  RC_ASSERT(id_view(b, *clear("uniform", b, {})) ==
            id_view(shuffled, *clear("uniform", shuffled, {})));
}

}  // namespace
}  // namespace wattle::market
