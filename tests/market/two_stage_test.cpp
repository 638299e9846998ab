#include "market/mechanisms/two_stage.h"

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

// open = 2: the call auction sees b1, s1, s2: b1-s1 600, b1-s2 400. s2 keeps
// 600 Wh, so the clearing range is [150000, min(200000, 150000)]: price 150000
// (at 175000, s2 would be left asking less than the price). s2's 600 left rests. Then b2 buy 500
// @160k takes it at the resting 150000; s3 sell 200 @120k finds no bid and rests.
Book example() {
  return book_of({buy("b1", 1000, 200000), sell("s1", 600, 100000), sell("s2", 1000, 150000),
                  buy("b2", 500, 160000), sell("s3", 200, 120000)});
}

TEST(TwoStage, HandComputedBook) {
  Params p;
  p.values["open"] = 2;
  auto r = clear("two-stage", example(), p);
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(example(), *r);
  EXPECT_EQ(v.price, 150000);
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s1", 600, 150000, 150000},
                                      {"b1", "s2", 400, 150000, 150000},
                                      {"b2", "s2", 500, 150000, 150000}}));
  EXPECT_EQ(v.fills["s2"], std::make_pair(int64_t{900}, int64_t{135000}));
  EXPECT_EQ(v.totals, (std::vector<int64_t>{1500, 225000, 225000, 0, 0}));
  // The default open is the median time (2 here): same result.
  EXPECT_EQ(id_view(example(), *clear("two-stage", example(), {})), v);
}

TEST(TwoStage, CancelledBeforeOpenStaysOutOfTheCall) {
  Book b = example();
  Cancel c;
  c.id = "c";
  c.target = "s1";
  c.time = 1;
  c.orders_before = 2;  // right after s1
  b.cancels.push_back(c);
  Params p;
  p.values["open"] = 2;
  IdView v = id_view(b, *clear("two-stage", b, p));
  EXPECT_EQ(v.fills.count("s1"), 0u);
  EXPECT_EQ(v.price, 175000);  // b1-s2 1000, nobody left: range [150000, 200000]
}

TEST(TwoStage, OpenBeyondEveryTimeIsTheUniformAuction) {
  Book b = example();
  Params p;
  p.values["open"] = 100;
  IdView two = id_view(b, *clear("two-stage", b, p));
  IdView uni = id_view(b, *clear("uniform", b, {}));
  EXPECT_EQ(two, uni);
}

RC_GTEST_PROP(TwoStage, InvariantsOnRandomBooks, ()) {
  BookShape s;
  s.max_cancels = 8;
  s.tied_times = *rc::gen::arbitrary<bool>();
  Book b = *gen_book(s);
  Params p;
  p.values["open"] = *rc::gen::inRange<int64_t>(-1, 45);
  auto r = clear("two-stage", b, p);
  RC_ASSERT(r.is_ok());
  rc_check_invariants(b, *r);
}

}  // namespace
}  // namespace wattle::market
