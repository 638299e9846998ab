// KPIs against small cases computed by hand.
#include "sim/kpi.h"

#include <gtest/gtest.h>

namespace wattle::sim {
namespace {

TEST(Kpi, GiniOfHandComputedVectors) {
  EXPECT_DOUBLE_EQ(gini({1, 1, 1, 1}), 0.0);
  // One holds everything among four: sum|xi-xj| = 2*3*4 = 24, 2 n^2 mean = 2*16*1 = 32.
  EXPECT_DOUBLE_EQ(gini({0, 0, 0, 4}), 0.75);
  // {1,2,3}: pairs |1-2|+|1-3|+|2-3| = 4, doubled 8; 2*9*2 = 36 -> 2/9.
  EXPECT_NEAR(gini({3, 1, 2}), 2.0 / 9.0, 1e-12);
  EXPECT_EQ(gini({}), 0.0);
  EXPECT_EQ(gini({-1, 1}), 0.0);  // mean 0: undefined, reported as 0
}

TEST(Kpi, HouseholdRatios) {
  HouseholdTotals t;
  t.load_wh = 10'000;  // 10 kWh
  t.pv_wh = 8'000;
  t.import_wh = 4'000;    // from the grid
  t.export_wh = 1'000;    // to the grid
  t.p2p_sold_wh = 2'000;  // to neighbours
  t.p2p_bought_wh = 500;
  t.cost = 1'500'000;           // 1.5 tokens
  t.baseline_cost = 2'000'000;  // 2 tokens
  const HouseholdKpis k = household_kpis(t);
  EXPECT_DOUBLE_EQ(k.cost, 1.5);
  EXPECT_DOUBLE_EQ(k.savings, 0.5);
  EXPECT_DOUBLE_EQ(k.savings_pct, 25.0);
  EXPECT_DOUBLE_EQ(k.self_sufficiency, 1 - 4.0 / 10);
  EXPECT_DOUBLE_EQ(k.self_consumption, 1 - 3.0 / 8);
  EXPECT_DOUBLE_EQ(k.p2p_kwh, 2.5);
}

TEST(Kpi, CommunityTotalsPeakAndCarbon) {
  // Two households over 4 slots; a consumer buys 1 kWh P2P from a prosumer.
  RunResult r;
  HouseholdTotals a, b;
  a.load_wh = 4000;
  a.import_wh = 3000;
  a.p2p_bought_wh = 1000;
  a.cost = 3 * 300'000 + 150'000;  // 3 kWh grid at 0.30, 1 kWh P2P at 0.15
  a.baseline_cost = 4 * 300'000;
  b.load_wh = 1000;
  b.pv_wh = 3000;
  b.export_wh = 1000;
  b.p2p_sold_wh = 1000;
  b.cost = -(150'000 + 80'000);  // earns P2P 0.15 + feed-in 0.08
  b.baseline_cost = -2 * 80'000;
  r.households = {a, b};
  r.peak_import_wh = 1500;  // one slot imported 1.5 kWh in 15 min = 6 kW
  r.total_welfare = 220'000;
  r.total_welfare_max = 220'000;
  r.total_p2p_value = 150'000;
  r.slot_prices = {150'000};
  const CommunityKpis c = community_kpis(r, 400, 4);
  EXPECT_DOUBLE_EQ(c.load_kwh, 5);
  EXPECT_DOUBLE_EQ(c.pv_kwh, 3);
  EXPECT_DOUBLE_EQ(c.p2p_kwh, 1);  // counted once
  EXPECT_DOUBLE_EQ(c.cost, 1.05 - 0.23);
  EXPECT_DOUBLE_EQ(c.baseline_cost, 1.2 - 0.16);
  EXPECT_NEAR(c.savings_pct, 100 * (1.04 - 0.82) / 1.04, 1e-9);
  EXPECT_DOUBLE_EQ(c.self_sufficiency, 1 - 3.0 / 5);
  EXPECT_NEAR(c.self_consumption, 1 - 1.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(c.peak_import_kw, 6);
  EXPECT_DOUBLE_EQ(c.peak_to_average, 1500 / (3000.0 / 4));
  EXPECT_DOUBLE_EQ(c.carbon_kg, 3 * 0.4);
  EXPECT_DOUBLE_EQ(c.price_mean, 0.15);
  EXPECT_DOUBLE_EQ(c.allocative_efficiency_pct, 100);
  // Savings: a saves 1.20 - 1.05 = 0.15, b saves -0.16 + 0.23 = 0.07, mean 0.11
  // -> gini = (|0.15-0.07| + |0.07-0.15|) / (2 * 2^2 * 0.11) = 0.16 / 0.88.
  EXPECT_NEAR(c.gini_savings, 0.16 / 0.88, 1e-9);
}

}  // namespace
}  // namespace wattle::sim
