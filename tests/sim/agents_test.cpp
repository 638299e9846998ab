// ZIP (Cliff 1997) margin updates: directions of the learning rule.
#include <gtest/gtest.h>

#include "sim/agents.h"
#include "test_seed.h"

namespace wattle::sim {
namespace {

TEST(Zip, SellerRaisesAfterTradingAndConcedesWhenPricedOut) {
  Rng rng(test_seed());
  ZipTrader s = ZipTrader::make(true, rng);
  const int64_t cost = 80'000;
  s.margin = 0.5;  // asks 120,000
  // The market cleared at 200,000 and the seller traded: its price rises.
  const int64_t before = s.price(cost);
  for (int i = 0; i < 20; ++i) s.observe(cost, 200'000, true, rng);
  EXPECT_GT(s.price(cost), before);
  EXPECT_LE(s.price(cost), 200'000 * 1.06);
  // Priced out (clearing below its ask): it concedes, never below its cost.
  for (int i = 0; i < 200; ++i) s.observe(cost, 50'000, false, rng);
  EXPECT_LT(s.price(cost), 120'000);
  EXPECT_GE(s.price(cost), cost);
}

TEST(Zip, BuyerLowersAfterTradingAndRaisesWhenPricedOut) {
  Rng rng(test_seed());
  ZipTrader b = ZipTrader::make(false, rng);
  const int64_t value = 300'000;
  b.margin = -0.5;  // bids 150,000
  for (int i = 0; i < 20; ++i) b.observe(value, 100'000, true, rng);
  EXPECT_LT(b.price(value), 150'000);
  for (int i = 0; i < 200; ++i) b.observe(value, 280'000, false, rng);
  EXPECT_GT(b.price(value), 150'000);
  EXPECT_LE(b.price(value), value);  // never above its value
}

TEST(Zip, NoClearingNoChange) {
  Rng rng(test_seed());
  ZipTrader b = ZipTrader::make(false, rng);
  const double m = b.margin;
  b.observe(300'000, std::nullopt, false, rng);
  EXPECT_EQ(b.margin, m);
}

}  // namespace
}  // namespace wattle::sim
