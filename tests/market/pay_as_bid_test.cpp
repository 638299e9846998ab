#include "market/mechanisms/pay_as_bid.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "clearing_checks.h"
#include "market/registry.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;
using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;

Book example() {
  return book_of({buy("b1", 1500, 250000), buy("b2", 1000, 200000), buy("b3", 1000, 120000),
                  sell("s1", 2000, 80000), sell("s2", 1000, 150000), sell("s3", 500, 220000)});
}

// Same pairs as uniform (b1-s1 1500, b2-s1 500, b2-s2 500); default k = 1e6
// trades each pair at its bid.
TEST(PayAsBid, HandComputedBookAtTheBid) {
  auto r = clear("pay-as-bid", example(), {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(example(), *r);
  EXPECT_FALSE(v.price.has_value());
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s1", 1500, 250000, 250000},
                                      {"b2", "s1", 500, 200000, 200000},
                                      {"b2", "s2", 500, 200000, 200000}}));
  EXPECT_EQ(v.fills["b1"].second, 375000);
  EXPECT_EQ(v.fills["b2"].second, 200000);
  EXPECT_EQ(v.fills["s1"].second, 475000);  // 1500 x 250 + 500 x 200
  EXPECT_EQ(v.fills["s2"].second, 100000);
  EXPECT_EQ(v.totals, (std::vector<int64_t>{2500, 575000, 575000, 0, 0}));
}

TEST(PayAsBid, KZeroTradesAtTheAsk) {
  Params p;
  p.values["k"] = 0;
  auto r = clear("pay-as-bid", example(), p);
  ASSERT_TRUE(r);
  IdView v = id_view(example(), *r);
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s1", 1500, 80000, 80000},
                                      {"b2", "s1", 500, 80000, 80000},
                                      {"b2", "s2", 500, 150000, 150000}}));
  EXPECT_EQ(v.fills["b2"].second, 115000);  // 500 x 80 + 500 x 150
}

RC_GTEST_PROP(PayAsBid, InvariantsAndWelfareMaximalVolume, ()) {
  Book b = *gen_book();
  Params p;
  p.values["k"] = *rc::gen::inRange<int64_t>(0, 1'000'001);
  auto r = clear("pay-as-bid", b, p);
  RC_ASSERT(r.is_ok());
  rc_check_invariants(b, *r);
  RC_ASSERT(r->totals.energy.value() == reference_max_volume(b));
}

RC_GTEST_PROP(PayAsBid, MaximalWelfareOnSmallBooks, ()) {
  BookShape s;
  s.max_energy_wh = 40;
  Book b = *gen_book(s);
  auto r = clear("pay-as-bid", b, {});
  RC_ASSERT(r.is_ok());
  RC_ASSERT(welfare_milli(b, *r) == reference_max_welfare(b));
}

RC_GTEST_PROP(PayAsBid, LineOrderDoesNotMatter, ()) {
  BookShape s;
  s.max_orders = 300;
  Book b = *gen_book(s);
  Book shuffled = *gen_shuffled(b);
  RC_ASSERT(id_view(b, *clear("pay-as-bid", b, {})) ==
            id_view(shuffled, *clear("pay-as-bid", shuffled, {})));
}

}  // namespace
}  // namespace wattle::market
