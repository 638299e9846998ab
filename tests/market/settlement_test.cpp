// The settlement formulas (market/settlement/bill.h) on cases worked by hand,
// their rounding directions, and overflow.
#include "market/settlement/bill.h"

#include <gtest/gtest.h>

#include <limits>

namespace wattle::market {
namespace {

const SettlementTariffs kTariffs{250'000, 50'000, 20'000, 1'900};

TEST(Settlement, BuyerWhoUsedMoreThanItBoughtPaysTheGridFeeAndTax) {
  // Bought 1,200 Wh for 216,000; the meter shows 1,500 Wh imported.
  // deviation = (0 - 1500) - (0 - 1200) = -300 -> grid_paid = 300 x 0.25 = 75,000
  // grid_fee = 1200 x 0.02 = 24,000; tax = (216,000 + 24,000 + 75,000) x 19% = 59,850
  // net = -216,000 - 75,000 - 24,000 - 59,850 = -374,850
  auto b = settle_bill(SlotPosition{1'200, 0, 216'000, 0}, 1'500, 0, kTariffs);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->deviation_wh, -300);
  EXPECT_EQ(b->grid_paid, 75'000);
  EXPECT_EQ(b->grid_received, 0);
  EXPECT_EQ(b->grid_fee, 24'000);
  EXPECT_EQ(b->tax, 59'850);
  EXPECT_EQ(b->net, -374'850);
  EXPECT_EQ(b->bought_wh, 1'200);
  EXPECT_EQ(b->import_wh, 1'500);
}

TEST(Settlement, SellerWhoDeliveredMoreGetsFeedInRoundedDown) {
  // Sold 1,000 Wh for 90,000; exported 1,333 Wh: deviation 333 Wh.
  // grid_received = floor(333 x 50,000 / 1000) = 16,650; no fee, no tax
  // (a seller pays nothing here).
  auto b = settle_bill(SlotPosition{0, 1'000, 0, 90'000}, 0, 1'333, kTariffs);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->deviation_wh, 333);
  EXPECT_EQ(b->grid_received, 16'650);
  EXPECT_EQ(b->tax, 0);
  EXPECT_EQ(b->net, 106'650);
  // One Wh of 7 micro-units per kWh: 0.007 rounds down to 0 received ...
  auto small = settle_bill(SlotPosition{}, 0, 1, SettlementTariffs{7, 7, 7, 1});
  ASSERT_TRUE(small);
  EXPECT_EQ(small->grid_received, 0);
  // ... and up to 1 paid, and the tax on it up to 1.
  auto short_by_one = settle_bill(SlotPosition{}, 1, 0, SettlementTariffs{7, 7, 7, 1});
  ASSERT_TRUE(short_by_one);
  EXPECT_EQ(short_by_one->grid_paid, 1);
  EXPECT_EQ(short_by_one->tax, 1);
  EXPECT_EQ(short_by_one->net, -2);
}

TEST(Settlement, SellerWhoUnderDeliveredBuysTheShortfallFromTheGrid) {
  // Sold 2,000 Wh for 180,000 but exported 1,500: deviation -500 Wh,
  // grid_paid 125,000, tax on it 23,750; net = 180,000 - 125,000 - 23,750.
  auto b = settle_bill(SlotPosition{0, 2'000, 0, 180'000}, 0, 1'500, kTariffs);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->grid_paid, 125'000);
  EXPECT_EQ(b->tax, 23'750);
  EXPECT_EQ(b->net, 31'250);
}

TEST(Settlement, ResultsOutsideInt64AreRefused) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  auto b = settle_bill(SlotPosition{0, 0, 0, static_cast<__int128>(max) * 4}, 0, 0, kTariffs);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().code(), Code::kOverflow);
}

}  // namespace
}  // namespace wattle::market
