#include "market/mechanisms/uniform.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "clearing_checks.h"
#include "market/clearing/merit_order.h"
#include "market/registry.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;

// b1 250k, b2 200k, b3 120k against s1 80k, s2 150k, s3 220k: the walk trades
// b1-s1 1500, b2-s1 500, b2-s2 500 and stops at b3 (120k < 150k). Marginal
// pair b2 200000 / s2 150000. s2 keeps 500 Wh and b3 (120000) is the first bid
// left, so the clearing range is [max(150000, 120000), min(200000, 150000)] =
// [150000, 150000]: price 150000 for every k. (The first pass's k-rule on the
// marginal pair gave 175000, where s2 would be left unfilled asking less.)
Book example() {
  return book_of({buy("b1", 1500, 250000), buy("b2", 1000, 200000), buy("b3", 1000, 120000),
                  sell("s1", 2000, 80000), sell("s2", 1000, 150000), sell("s3", 500, 220000)});
}

TEST(Uniform, HandComputedBook) {
  auto r = clear("uniform", example(), {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(example(), *r);
  EXPECT_EQ(v.price, 150000);
  using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s1", 1500, 150000, 150000},
                                      {"b2", "s1", 500, 150000, 150000},
                                      {"b2", "s2", 500, 150000, 150000}}));
  EXPECT_EQ(v.fills["b1"], std::make_pair(int64_t{1500}, int64_t{225000}));
  EXPECT_EQ(v.fills["b2"], std::make_pair(int64_t{1000}, int64_t{150000}));
  EXPECT_EQ(v.fills["s1"], std::make_pair(int64_t{2000}, int64_t{300000}));
  EXPECT_EQ(v.fills["s2"], std::make_pair(int64_t{500}, int64_t{75000}));
  EXPECT_EQ(v.fills.count("b3"), 0u);
  EXPECT_EQ(v.totals, (std::vector<int64_t>{2500, 375000, 375000, 0, 0}));
  Params k0;
  k0.values["k"] = 0;
  EXPECT_EQ(clear("uniform", example(), k0)->clearing_price, Price(150000));
}

// b 1000 @200k against s 1000 @100k, and an out-of-the-money b2 @120k and s2
// @180k: the range is [max(100000, 120000), min(200000, 180000)] =
// [120000, 180000]; k chooses within it.
TEST(Uniform, KChoosesWithinTheClearingRange) {
  Book b = book_of({buy("b", 1000, 200000), sell("s", 1000, 100000), buy("b2", 10, 120000),
                    sell("s2", 10, 180000)});
  Params p;
  p.values["k"] = 0;
  EXPECT_EQ(clear("uniform", b, p)->clearing_price, Price(120000));
  p.values["k"] = 1'000'000;
  EXPECT_EQ(clear("uniform", b, p)->clearing_price, Price(180000));
  p.values["k"] = 250'000;
  EXPECT_EQ(clear("uniform", b, p)->clearing_price, Price(135000));
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

// The price clears the market and is the k-point of the reference range,
// computed from the demand and supply curves alone.
RC_GTEST_PROP(Uniform, PriceClearsTheMarket, ()) {
  Book b = *gen_book();
  const int64_t k = *rc::gen::inRange<int64_t>(0, kMillion + 1);
  Params p;
  p.values["k"] = k;
  auto r = clear("uniform", b, p);
  RC_ASSERT(r.is_ok());
  const auto range = reference_clearing_range(b, reference_max_volume(b));
  if (r->trades.empty()) return;
  RC_ASSERT(range.has_value());
  RC_ASSERT(r->clearing_price->value() ==
            range->first + (range->second - range->first) * k / kMillion);
  rc_check_market_clears(b, *r, *r->clearing_price);
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

namespace wattle::market {
namespace {

using namespace testing;

// The caller-owned buffers give the same clearing as a fresh clear, call
// after call, whatever the previous (larger or smaller) book left in them.
RC_GTEST_PROP(Uniform, ReusedWorkspaceGivesTheSameClearing, ()) {
  ClearingWorkspace ws;
  Clearing out;
  for (int slot = 0; slot < 3; ++slot) {
    BookShape s;
    s.max_orders = *rc::gen::element(5, 40, 300);
    const Book b = *gen_book(s);
    RC_ASSERT(clear_uniform_into(b, {}, ws, out).is_ok());
    auto fresh = clear_uniform(b, {});
    RC_ASSERT(fresh.is_ok());
    RC_ASSERT(id_view(b, out) == id_view(b, *fresh));
  }
}

// clear_into (registry) equals clear for every mechanism, buffers reused.
RC_GTEST_PROP(Registry, ClearIntoEqualsClear, ()) {
  ClearingWorkspace ws;
  Clearing out;
  BookShape s;
  s.owners = 3;
  const Book b = *gen_book(s);
  for (const MechanismInfo& m : mechanisms()) {
    Params p;
    p.values = {{"grid_buy", 300000}, {"grid_sell", 50000}};
    RC_ASSERT(clear_into(m.name, b, p, ws, out).is_ok());
    auto fresh = clear(m.name, b, p);
    RC_ASSERT(fresh.is_ok());
    RC_ASSERT(id_view(b, out) == id_view(b, *fresh));
  }
}

}  // namespace
}  // namespace wattle::market
