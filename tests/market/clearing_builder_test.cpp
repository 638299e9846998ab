#include "market/clearing/clearing_builder.h"

#include <gtest/gtest.h>

#include "test_books.h"

namespace wattle::market {
namespace {

using testing::book_of;
using testing::buy;
using testing::sell;

Book pair_book() {
  return book_of({buy("b", 1000, 300), sell("s", 1000, 100)});
}

TEST(ClearingBuilder, CatchesOverFill) {
  auto r = make_clearing("m", pair_book(),
                         {Trade{0, 1, Energy(600), Price(200), Price(200)},
                          Trade{0, 1, Energy(600), Price(200), Price(200)}},
                         std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_NE(r.status().message().find("over-filled"), std::string::npos);
}

TEST(ClearingBuilder, CatchesWrongSideAndUnknownOrders) {
  auto r = make_clearing("m", pair_book(), {Trade{1, 0, Energy(1), Price(200), Price(200)}},
                         std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  r = make_clearing("m", pair_book(), {Trade{0, 7, Energy(1), Price(200), Price(200)}},
                    std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  r = make_clearing("m", pair_book(), {Trade{0, 1, Energy(1), Price(100), Price(200)}},
                    std::nullopt);
  EXPECT_FALSE(r);
}

TEST(ClearingBuilder, GridTradesGoToGridNet) {
  // b buys 1000 Wh from the grid at 250; s sells 1000 Wh to the grid at 50.
  auto r = make_clearing("m", pair_book(),
                         {Trade{0, kGrid, Energy(1000), Price(250), Price(250)},
                          Trade{kGrid, 1, Energy(1000), Price(50), Price(50)}},
                         std::nullopt);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->totals.buyers_pay, Money(250));
  EXPECT_EQ(r->totals.sellers_get, Money(50));
  EXPECT_EQ(r->totals.grid_net, Money(200));
  EXPECT_EQ(r->totals.surplus, Money(0));
  EXPECT_EQ(r->totals.energy, Energy(0));
}

}  // namespace
}  // namespace wattle::market
