#include <gtest/gtest.h>

#include <fstream>

#include "sim/agents.h"
#include "sim/gode_sunder.h"
#include "sim/rng.h"
#include "test_seed.h"

namespace wattle::sim {
namespace {

TEST(ZiC, NeverBidsAboveValueNorAsksBelowCost) {
  const uint64_t seed = test_seed();
  Rng rng(seed);
  for (int i = 0; i < 100000; ++i) {
    const int64_t value = rng.uniform_int(1, 200);
    const int64_t bid = zi_c_bid(rng, value, 1);
    ASSERT_LE(bid, value) << "seed " << seed;
    ASSERT_GE(bid, 1) << "seed " << seed;
    const int64_t cost = rng.uniform_int(1, 200);
    const int64_t ask = zi_c_ask(rng, cost, 200);
    ASSERT_GE(ask, cost) << "seed " << seed;
    ASSERT_LE(ask, 200) << "seed " << seed;
  }
}

TEST(ZiU, CanBidAboveValue) {
  // The unconstrained trader is what makes ZI-U lose surplus: check it does.
  Rng rng(test_seed());
  int above = 0;
  for (int i = 0; i < 1000; ++i) above += zi_u_price(rng, 1, 200) > 100;
  EXPECT_GT(above, 400);
}

AuctionSchedule symmetric() {
  return AuctionSchedule{"sym", {170, 130, 90}, {30, 70, 110}};
}

TEST(Auction, EquilibriumOfTheSchedule) {
  AuctionOptions o;
  o.sessions = 1;
  const AuctionResult r = run_auction(symmetric(), o);
  EXPECT_EQ(r.equilibrium_volume, 12);
  EXPECT_EQ(r.max_surplus, 6 * (140 + 60 + 0) + 0);  // 170-30, 130-70, 90-110 < 0
  EXPECT_DOUBLE_EQ(r.equilibrium_price, 100.0);
}

TEST(Auction, ZiCIsEfficientAndZiULessSo) {
  AuctionOptions o;
  o.seed = test_seed();
  o.sessions = 20;
  const AuctionResult c = run_auction(symmetric(), o);
  EXPECT_GT(c.efficiency_pct, 90.0) << "seed " << o.seed;
  EXPECT_LE(c.efficiency_pct, 100.0);
  // ZI-C prices stay within the traders' limits.
  EXPECT_GT(c.mean_price, 30.0);
  EXPECT_LT(c.mean_price, 170.0);
  o.constrained = false;
  const AuctionResult u = run_auction(symmetric(), o);
  EXPECT_LT(u.efficiency_pct, c.efficiency_pct) << "seed " << o.seed;
}

TEST(Auction, SameSeedSameResult) {
  AuctionOptions o;
  o.sessions = 3;
  o.seed = 42;
  const AuctionResult a = run_auction(symmetric(), o);
  const AuctionResult b = run_auction(symmetric(), o);
  EXPECT_EQ(a.efficiency_pct, b.efficiency_pct);
  EXPECT_EQ(a.mean_price, b.mean_price);
}

TEST(Auction, ScheduleErrorsNameFileLineAndColumn) {
  const std::string path = testing::TempDir() + "/bad_schedule.csv";
  std::ofstream(path) << "market,side,unit_values_per_trader\n1,buy,100;x\n1,sell,50\n";
  Result<AuctionSchedule> s = read_auction_schedule(path, "");
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("bad_schedule.csv:2:3"), std::string::npos)
      << s.status().message();
}

}  // namespace
}  // namespace wattle::sim
