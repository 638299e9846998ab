// The property checkers must be able to fail: each takes a
// clearing with one deliberate bug and must reject it.
#include <gtest/gtest.h>

#include "clearing_checks.h"
#include "market/registry.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;

Book example() {
  return book_of({buy("b1", 1500, 250000), buy("b2", 1000, 200000), sell("s1", 2000, 80000),
                  sell("s2", 1000, 150000)});
}

TEST(CheckerMutation, HonestClearingPasses) {
  auto c = clear("uniform", example(), {});
  ASSERT_TRUE(c);
  EXPECT_NO_THROW(rc_check_invariants(example(), *c));
  EXPECT_EQ(c->totals.energy.value(), reference_max_volume(example()));
}

TEST(CheckerMutation, BuyerChargedAboveItsLimitIsCaught) {
  auto c = clear("uniform", example(), {});
  c->trades[0].buy_price = Price(260000);  // b1's limit is 250000
  EXPECT_ANY_THROW(rc_check_invariants(example(), *c));
}

TEST(CheckerMutation, SellerPaidBelowItsLimitIsCaught) {
  auto c = clear("uniform", example(), {});
  c->trades.back().sell_price = Price(70000);
  c->trades.back().buy_price = Price(70000);
  EXPECT_ANY_THROW(rc_check_invariants(example(), *c));
}

TEST(CheckerMutation, OverFillIsCaught) {
  auto c = clear("uniform", example(), {});
  c->trades[0].energy = Energy(1600);  // b1 wants 1500
  EXPECT_ANY_THROW(rc_check_invariants(example(), *c));
}

TEST(CheckerMutation, MoneyCreatedIsCaught) {
  auto c = clear("uniform", example(), {});
  c->totals.sellers_get = Money(c->totals.sellers_get.value() + 1);
  EXPECT_ANY_THROW(rc_check_invariants(example(), *c));
}

TEST(CheckerMutation, WrongRoundingIsCaught) {
  auto c = clear("uniform", example(), {});
  c->fills[0].amount = Money(c->fills[0].amount.value() + 1);
  c->totals.buyers_pay = Money(c->totals.buyers_pay.value() + 1);
  c->totals.surplus = Money(c->totals.surplus.value() + 1);
  EXPECT_ANY_THROW(rc_check_invariants(example(), *c));
}

TEST(CheckerMutation, ShortVolumeIsCaught) {
  auto c = clear("uniform", example(), {});
  c->trades.pop_back();
  const int64_t short_volume = c->totals.energy.value() - 500;
  EXPECT_NE(short_volume, reference_max_volume(example()));
  EXPECT_LT(welfare_milli(example(), *c), reference_max_welfare(example()));
}

}  // namespace
}  // namespace wattle::market
