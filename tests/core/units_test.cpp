#include "core/units.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace wattle {
namespace {

TEST(Units, CheckedArithmeticDetectsOverflow) {
  EXPECT_FALSE(Money::max().checked_add(Money(1)).has_value());
  EXPECT_FALSE(Money(INT64_MIN).checked_sub(Money(1)).has_value());
  EXPECT_FALSE(Energy(INT64_MAX / 2 + 1).checked_mul(2).has_value());
  EXPECT_EQ(Money(2).checked_add(Money(3))->value(), 5);
}

TEST(Units, CostRoundsAsDocumented) {
  EXPECT_EQ(cost(Energy(1500), Price(180000))->value(), 270000);
  EXPECT_EQ(cost(Energy(1), Price(1), Rounding::kDown)->value(), 0);
  EXPECT_EQ(cost(Energy(1), Price(1), Rounding::kUp)->value(), 1);
  EXPECT_EQ(cost(Energy(-1), Price(1), Rounding::kDown)->value(), -1);
  EXPECT_FALSE(cost(Energy(INT64_MAX), Price(INT64_MAX)).has_value());
}

RC_GTEST_PROP(Units, UpMinusDownIsAtMostOne, (int32_t e, int32_t p)) {
  auto up = cost(Energy(e), Price(p), Rounding::kUp);
  auto down = cost(Energy(e), Price(p), Rounding::kDown);
  RC_ASSERT(up && down);
  int64_t exact_times_1000 = static_cast<int64_t>(e) * p;
  RC_ASSERT(down->value() * 1000 <= exact_times_1000);
  RC_ASSERT(up->value() * 1000 >= exact_times_1000);
  RC_ASSERT(up->value() - down->value() == (exact_times_1000 % 1000 == 0 ? 0 : 1));
}

}  // namespace
}  // namespace wattle
