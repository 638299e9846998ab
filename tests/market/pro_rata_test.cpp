#include "market/mechanisms/pro_rata.h"

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

// b1 wants 3000 at 200k; s1 1000 at 100k trades in full; the 150k level (s2
// 1000, s3 2000) shares the 2000 left: 2000 x 1000/3000 = 666.67 -> 666,
// 2000 x 2000/3000 = 1333.33 -> 1333; the leftover Wh goes to the larger
// fractional part (s2: 2000/3000 > s3: 1000/3000). Price: the 150k level keeps
// energy, so the clearing range is [150000, 150000].
TEST(ProRata, HandComputedBook) {
  Book b = book_of({buy("b1", 3000, 200000), sell("s1", 1000, 100000), sell("s2", 1000, 150000),
                    sell("s3", 2000, 150000)});
  auto r = clear("pro-rata", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.price, 150000);
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s1", 1000, 150000, 150000},
                                      {"b1", "s2", 667, 150000, 150000},
                                      {"b1", "s3", 1333, 150000, 150000}}));
  EXPECT_EQ(v.fills["b1"], std::make_pair(int64_t{3000}, int64_t{450000}));
  EXPECT_EQ(v.fills["s2"], std::make_pair(int64_t{667}, int64_t{100050}));
  EXPECT_EQ(v.fills["s3"], std::make_pair(int64_t{1333}, int64_t{199950}));
  // Uniform gives the earlier s2 its full 1000 instead.
  EXPECT_EQ(id_view(b, *clear("uniform", b, {})).fills["s2"].first, 1000);
}

TEST(ProRata, EqualRemaindersGoToTheSmallerId) {
  // 2 Wh shared by three 1 Wh sellers: equal fractions and sizes, so "s_a" and "s_b".
  Book b =
      book_of({buy("b", 2, 100), sell("s_c", 1, 100), sell("s_a", 1, 100), sell("s_b", 1, 100)});
  auto r = clear("pro-rata", b, {});
  ASSERT_TRUE(r);
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.fills.count("s_c"), 0u);
  EXPECT_EQ(v.fills["s_a"].first, 1);
  EXPECT_EQ(v.fills["s_b"].first, 1);
}

RC_GTEST_PROP(ProRata, InvariantsAndUniformVolume, ()) {
  Book b = *gen_book();
  auto r = clear("pro-rata", b, {});
  RC_ASSERT(r.is_ok());
  rc_check_invariants(b, *r);
  RC_ASSERT(r->totals.energy.value() == reference_max_volume(b));
  auto u = clear("uniform", b, {});
  RC_ASSERT(r->clearing_price == u->clearing_price);
  RC_ASSERT(r->totals.energy == u->totals.energy);
}

RC_GTEST_PROP(ProRata, MarginalSharesWithinOneWhOfProportional, ()) {
  Book b = *gen_book();
  auto r = clear("pro-rata", b, {});
  RC_ASSERT(r.is_ok());
  if (r->trades.empty()) return;
  std::vector<int64_t> filled(b.orders.size(), 0);
  for (const Fill& f : r->fills) filled[f.order] = f.energy.value();
  for (Side side : {Side::kBuy, Side::kSell}) {
    // The marginal level: the worst price that trades on this side.
    std::optional<int64_t> marginal;
    for (size_t i = 0; i < b.orders.size(); ++i) {
      if (b.orders[i].side != side || filled[i] == 0) continue;
      int64_t p = b.orders[i].price.value();
      if (!marginal || (side == Side::kBuy ? p < *marginal : p > *marginal)) marginal = p;
    }
    __int128 level = 0, given = 0;
    for (size_t i = 0; i < b.orders.size(); ++i)
      if (b.orders[i].side == side && b.orders[i].price.value() == *marginal) {
        level += b.orders[i].energy.value();
        given += filled[i];
      }
    for (size_t i = 0; i < b.orders.size(); ++i) {
      const Order& o = b.orders[i];
      if (o.side != side) continue;
      bool better = side == Side::kBuy ? o.price.value() > *marginal : o.price.value() < *marginal;
      if (better) RC_ASSERT(filled[i] == o.energy.value());
      if (o.price.value() != *marginal) continue;
      // |filled - given * e / level| < 1  <=>  |filled * level - given * e| < level
      __int128 diff = static_cast<__int128>(filled[i]) * level - given * o.energy.value();
      RC_ASSERT(diff < level && -diff < level);
    }
  }
}

// Time plays no part: shuffle the lines AND redraw the times.
RC_GTEST_PROP(ProRata, FillsIndependentOfLineOrderAndTimes, ()) {
  BookShape s;
  s.max_orders = 200;
  Book b = *gen_book(s);
  Book shuffled = *gen_shuffled(b);
  for (Order& o : shuffled.orders) o.time = *rc::gen::inRange<uint64_t>(0, 5);
  IdView x = id_view(b, *clear("pro-rata", b, {}));
  IdView y = id_view(shuffled, *clear("pro-rata", shuffled, {}));
  RC_ASSERT(x.fills == y.fills);
  RC_ASSERT(x.totals == y.totals);
  RC_ASSERT(x.price == y.price);
}

}  // namespace
}  // namespace wattle::market
