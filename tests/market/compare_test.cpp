#include "market/compare.h"

#include <gtest/gtest.h>

#include "market/demo/sample_book.h"
#include "market/registry.h"
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

// b 1000 @300k, s 1000 @100k, tariffs 250k / 50k: the grid-only baseline is
// 250000 - 50000 = 200000 micro-units net. uniform clears at 200000: the
// households pay 200000 - 200000 = 0 net, saving 0.2 tokens.
TEST(Compare, ShowsCostAgainstTheGridOnlyBaseline) {
  Book b = testing::book_of({testing::sell("s", 1000, 100000), testing::buy("b", 1000, 300000)});
  Params p;
  p.values = {{"grid_buy", 250000}, {"grid_sell", 50000}};
  const std::string table = compare_table(b, p);
  EXPECT_NE(table.find("grid-only baseline: households pay 0.2000 net"), std::string::npos)
      << table;
  const size_t at = table.find("\nuniform ");
  ASSERT_NE(at, std::string::npos);
  const std::string row = table.substr(at + 1, table.find('\n', at + 1) - at - 1);
  EXPECT_NE(row.find("-0.2000"), std::string::npos) << row;
}

TEST(Compare, NetPaymentPerOwner) {
  Book b = testing::book_of({testing::sell("s", 1000, 100000), testing::buy("b1", 500, 300000),
                             testing::buy("b2", 500, 300000)});
  b.orders[0].owner = "0xsun";
  b.orders[1].owner = b.orders[2].owner = "0xhome";
  const std::string table = compare_table(b, {});
  EXPECT_NE(table.find("net payment per owner"), std::string::npos) << table;
  // uniform: everyone is filled and nobody is left, so the range is [100000,
  // 300000] and k = 0.5 gives 200000: 0xhome pays 0.2 tokens, 0xsun gets 0.2.
  const size_t at = table.find("\n0xhome ");
  ASSERT_NE(at, std::string::npos) << table;
  EXPECT_NE(table.substr(at, 40).find("0.2000"), std::string::npos) << table;
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
