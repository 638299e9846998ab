#include "sim/battery.h"

#include <gtest/gtest.h>

namespace wattle::sim {
namespace {

TEST(Battery, RoundTripLossesSplitEvenly) {
  // 81 % round trip: 90 % on the way in, 90 % on the way out.
  Battery b(BatterySpec{10'000, 4'000, 0.81, 0.0});
  EXPECT_DOUBLE_EQ(b.charge(1'000, 0.25), 1'000);  // 1 kWh in 15 min = 4 kW, at the limit
  EXPECT_NEAR(b.soc_wh(), 900, 1e-9);
  EXPECT_NEAR(b.discharge(1'000, 0.25), 810, 1e-9);  // all that is left, after losses
  EXPECT_NEAR(b.soc_wh(), 0, 1e-9);
}

TEST(Battery, PowerAndCapacityLimits) {
  Battery b(BatterySpec{2'000, 4'000, 1.0, 0.5});
  EXPECT_DOUBLE_EQ(b.charge(5'000, 0.25), 1'000);  // power: 4 kW x 0.25 h
  EXPECT_DOUBLE_EQ(b.soc_wh(), 2'000);
  EXPECT_DOUBLE_EQ(b.charge(500, 0.25), 0);  // full
  EXPECT_DOUBLE_EQ(b.discharge(5'000, 0.25), 1'000);
  EXPECT_DOUBLE_EQ(b.soc_fraction(), 0.5);
  Battery none;
  EXPECT_FALSE(none.present());
  EXPECT_EQ(none.charge(100, 0.25), 0);
}

}  // namespace
}  // namespace wattle::sim
