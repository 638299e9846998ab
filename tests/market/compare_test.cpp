#include "market/compare.h"

#include <gtest/gtest.h>

#include "market/registry.h"
#include "market/sample_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

TEST(SampleBook, IsAValidTwentyHouseholdSlot) {
  Book b = sample_community_book();
  ASSERT_TRUE(validate(b));
  ASSERT_EQ(b.orders.size(), 20u);
  for (const Order& o : b.orders) {
    if (o.side == Side::kSell) {
      EXPECT_GE(o.energy.value(), 500);
      EXPECT_LE(o.energy.value(), 3000);
      EXPECT_GE(o.price.value(), 60'000);
      EXPECT_LE(o.price.value(), 120'000);
    } else {
      EXPECT_GE(o.price.value(), 150'000);
      EXPECT_LE(o.price.value(), 300'000);
    }
  }
}

TEST(Compare, EveryMechanismHasARowAndCallAuctionsReachTheMaximum) {
  Params p;
  p.values["grid_buy"] = kSampleGridBuy;
  p.values["grid_sell"] = kSampleGridSell;
  std::string table = compare_table(sample_community_book(), p);
  for (const MechanismInfo& m : mechanisms())
    EXPECT_NE(table.find("\n" + m.name + " "), std::string::npos) << m.name << "\n" << table;
  auto row = [&](const std::string& name) {
    size_t at = table.find("\n" + name + " ");
    return table.substr(at + 1, table.find('\n', at + 1) - at - 1);
  };
  // Every seller's ask is below every buyer's bid: all 13.3 kWh of supply trade.
  EXPECT_NE(row("uniform").find("13.300"), std::string::npos) << table;
  EXPECT_NE(row("uniform").find("100.0%"), std::string::npos) << table;
  EXPECT_NE(row("pro-rata").find("100.0%"), std::string::npos) << table;
  EXPECT_NE(row("pay-as-bid").find("100.0%"), std::string::npos) << table;
}

TEST(Compare, WelfareShareIsIntegerExact) {
  // Max welfare: 1000 Wh x (300 - 100). CDA: s arrives first, b takes 1000 at 100; same 100%.
  Book b = testing::book_of({testing::sell("s", 1000, 100), testing::buy("b", 1000, 300)});
  std::string table = compare_table(b, {});
  EXPECT_NE(table.find("100.0%"), std::string::npos) << table;
}

TEST(Compare, InvalidBookIsReportedNotCleared) {
  Book b = testing::book_of({testing::buy("b", 0, 1)});
  EXPECT_NE(compare_table(b, {}).find("energy_wh"), std::string::npos);
}

}  // namespace
}  // namespace wattle::market
