// McAfee (1992) as published: both cases of the rule by hand, and its
// dominant-strategy truthfulness on random single-unit books.
#include "market/mechanisms/mcafee.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "clearing_checks.h"
#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;
using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;

// Single units (1 Wh). Bids 900k, 800k, 700k, 300k; asks 100k, 200k, 600k,
// 850k: k = 3 (b4 300k < s4 850k). p0 = (300000 + 850000)/2 = 575000 is below
// s_3 = 600000, so trade reduction: b1, b2 pay b_3 = 700000 per kWh (700
// micro-units for their 1 Wh), s1, s2 get s_3 = 600000 (600); surplus 2 x 100.
TEST(Mcafee, TradeReductionWhenP0LeavesTheInterval) {
  Book b = book_of({buy("b1", 1, 900000), buy("b2", 1, 800000), buy("b3", 1, 700000),
                    buy("b4", 1, 300000), sell("s1", 1, 100000), sell("s2", 1, 200000),
                    sell("s3", 1, 600000), sell("s4", 1, 850000)});
  auto r = clear("mcafee", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  EXPECT_FALSE(v.price.has_value());
  EXPECT_EQ(v.trades,
            (std::vector<T>{{"b1", "s1", 1, 700000, 600000}, {"b2", "s2", 1, 700000, 600000}}));
  EXPECT_EQ(v.totals, (std::vector<int64_t>{2, 1400, 1200, 0, 200}));
}

// b4 650k and s4 700k instead: k = 3 still, p0 = (650000 + 700000)/2 =
// 675000 lies in [s_3, b_3] = [600000, 700000], so all three units trade at it.
TEST(Mcafee, AllKUnitsTradeAtP0WhenItLiesInTheInterval) {
  Book b = book_of({buy("b1", 1, 900000), buy("b2", 1, 800000), buy("b3", 1, 700000),
                    buy("b4", 1, 650000), sell("s1", 1, 100000), sell("s2", 1, 200000),
                    sell("s3", 1, 600000), sell("s4", 1, 700000)});
  auto r = clear("mcafee", b, {});
  ASSERT_TRUE(r);
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.price, 675000);
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s1", 1, 675000, 675000},
                                      {"b2", "s2", 1, 675000, 675000},
                                      {"b3", "s3", 1, 675000, 675000}}));
}

// Multi-unit orders are unit lists: b 3000 @300k, s 2000 @100k and s2 1000
// @400k: k = 2000 Wh, b_{k+1} = 300000 (b's 2001st Wh), s_{k+1} = 400000:
// p0 = 350000 > b_k = 300000, so 1999 Wh trade, b pays 300000, s gets 100000.
TEST(Mcafee, UnitsAreWattHours) {
  Book b = book_of({buy("b", 3000, 300000), sell("s", 2000, 100000), sell("s2", 1000, 400000)});
  auto r = clear("mcafee", b, {});
  ASSERT_TRUE(r);
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.trades, (std::vector<T>{{"b", "s", 1999, 300000, 100000}}));
}

TEST(Mcafee, NoSecondUnitMeansReduction) {
  // One bid, one ask that cross: no (k+1)-th units, so k - 1 = 0 units trade.
  auto r = clear("mcafee", book_of({buy("b", 1, 200000), sell("s", 1, 100000)}), {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->trades.empty());
}

RC_GTEST_PROP(Mcafee, InvariantsOnRandomBooks, ()) {
  const Book book = full_size_book();
  auto r = clear("mcafee", book, {});
  RC_ASSERT(r.is_ok());
  rc_check_invariants(book, *r);
  const int64_t q = reference_max_volume(book);
  RC_ASSERT(r->totals.energy.value() == q || r->totals.energy.value() == q - 1);
}

// McAfee's theorem: on single-unit books no buyer or seller gains by
// reporting another limit (gains below 1 micro-unit are rounding).
RC_GTEST_PROP(Mcafee, TruthfulOnSingleUnitBooks, ()) {
  BookShape shape;
  shape.max_energy_wh = 1;
  shape.max_orders = 16;
  const Book book = full_size_book(shape);
  const std::string why = check_truthful_in_price(book, {}, clear_mcafee);
  if (!why.empty()) RC_FAIL(why);
}

}  // namespace
}  // namespace wattle::market
