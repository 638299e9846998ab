// The simulator through a market tree (docs/sim.md, "Markets as a tree"): a
// hand-computed slot (trades per level, fees, the grid for the rest, energy
// per level), scenario [[markets]] and group `market` with their errors, and
// a day whose per-level energy adds up to its P2P energy.
#include <gtest/gtest.h>

#include "sim/engine.h"
#include "sim/scenario.h"
#include "sim/tree_market.h"

namespace wattle::sim {
namespace {

market::MarketNode node(const std::string& name, const std::string& parent, int64_t fee) {
  market::MarketNode n;
  n.name = name;
  n.parent = parent;
  n.params.values = {{"k", 500'000}};
  n.grid_fee = fee;
  return n;
}

// district (0) <- street-a (1, fee 1000), street-b (2, fee 2000).
market::MarketTree two_streets() {
  return {{node("district", "", 0), node("street-a", "district", 1'000),
           node("street-b", "district", 2'000)}};
}

TEST(TreeMarket, HandComputedSlotTradesPerLevelFeesAndTheGrid) {
  // Households 0, 1 in street-a; 2, 3 in street-b.
  auto m = make_tree_market(two_streets(), {1, 1, 2, 2}, Tariffs{300'000, 80'000});
  ASSERT_TRUE(m) << m.status().message();
  const std::vector<SlotOrder> orders = {{0, true, 1000, 100'000, 0},
                                         {1, false, 400, 200'000, 1},
                                         {2, false, 600, 150'000, 2},
                                         {3, false, 100, 50'000, 3}};
  Result<SlotOutcome> r = (*m)->clear_slot(orders);
  ASSERT_TRUE(r) << r.status().message();
  // street-a: 400 Wh at 100000 (the seller keeps 600: the range closes at
  // its ask). street-b: buyers only. district: the seller's 600 against
  // bids 150000 (600) and 50000 (100): 600 Wh at (100000 + 150000) / 2;
  // it crosses street-b (buyer, ceil(600*2000/1000) = 1200) and street-a
  // (seller, 600), both paid by the buyer. Household 3's 100 Wh: the grid.
  ASSERT_EQ(r->trades.size(), 2u);
  EXPECT_EQ(r->trades[0], (SlotTrade{1, 0, 400, 100'000, 100'000}));
  EXPECT_EQ(r->trades[1], (SlotTrade{2, 0, 600, 125'000, 125'000}));
  EXPECT_EQ(r->level_traded_wh, (std::vector<int64_t>{600, 400, 0}));
  EXPECT_EQ(r->clearing_price, 125'000);  // the root's
  EXPECT_EQ(r->fills[0].p2p_wh, 1000);
  EXPECT_EQ(r->fills[0].amount, 40'000 + 75'000);
  EXPECT_EQ(r->fills[1].amount, 40'000);
  EXPECT_EQ(r->fills[2].amount, 75'000 + 1'200 + 600);
  EXPECT_EQ(r->fills[3].p2p_wh, 0);
  EXPECT_EQ(r->fills[3].grid_wh, 100);
  EXPECT_EQ(r->fills[3].amount, 30'000);
  EXPECT_EQ(r->p2p_wh, 1000);
}

TEST(TreeMarket, ABadTreeOrAHouseholdOutsideALeafIsRefused) {
  EXPECT_FALSE(make_tree_market(two_streets(), {0}, Tariffs{}));  // the root is no leaf
  EXPECT_FALSE(make_tree_market(two_streets(), {7}, Tariffs{}));
  market::MarketTree cycle = two_streets();
  cycle.nodes[0].parent = "street-a";
  EXPECT_FALSE(make_tree_market(cycle, {1}, Tariffs{}));
}

const char* kScenario = R"(
days = 1
mechanism = "uniform"
[[markets]]
name = "district"
[[markets]]
name = "street-a"
parent = "district"
grid_fee = 1000
[markets.params]
k = 250000
[[markets]]
name = "street-b"
parent = "district"
mechanism = "pay-as-bid"
[[households]]
name = "prosumer"
count = 3
pv_kwp = 6
market = "street-a"
[[households]]
name = "consumer"
count = 4
market = "street-b"
)";

TEST(TreeMarket, ScenarioMarketsAndGroupLeavesParse) {
  Result<Scenario> s = parse_scenario(kScenario, "test", ".");
  ASSERT_TRUE(s) << s.status().message();
  ASSERT_EQ(s->markets.nodes.size(), 3u);
  EXPECT_EQ(s->markets.nodes[1].params.values.at("k"), 250'000);
  EXPECT_EQ(s->markets.nodes[1].grid_fee, 1000);
  EXPECT_EQ(s->markets.nodes[0].mechanism, "uniform");  // the scenario's
  EXPECT_EQ(s->markets.nodes[2].mechanism, "pay-as-bid");
  EXPECT_EQ(s->household_leaves(), (std::vector<uint32_t>{1, 1, 1, 2, 2, 2, 2}));
}

TEST(TreeMarket, ScenarioErrorsNameTheKey) {
  const std::string base(kScenario);
  struct Case {
    std::string from, to, message;
  };
  for (const Case& c : std::vector<Case>{
           {"market = \"street-b\"", "market = \"district\"", "'households[1].market'"},
           {"market = \"street-b\"", "market = \"nowhere\"", "not declared"},
           {"market = \"street-b\"\n", "\n", "several leaves"},
           {"parent = \"district\"\nmechanism", "parent = \"nowhere\"\nmechanism", "nowhere"},
           {"grid_fee = 1000", "grid_fee = -1", "'markets[1].grid_fee'"},
           {"k = 250000", "k = 2.5", "'markets[1].params.k'"},
           {"grid_fee = 1000", "grid_fees = 1000", "unknown key"},
       }) {
    std::string text = base;
    const size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    Result<Scenario> s = parse_scenario(text, "test", ".");
    ASSERT_FALSE(s) << c.to;
    EXPECT_NE(s.status().message().find(c.message), std::string::npos)
        << s.status().message() << " / wanted " << c.message;
  }
  // A group naming a market without [[markets]].
  Result<Scenario> flat =
      parse_scenario("[[households]]\nname = \"h\"\nmarket = \"street-a\"\n", "test", ".");
  ASSERT_FALSE(flat);
  EXPECT_NE(flat.status().message().find("no [[markets]]"), std::string::npos);
}

TEST(TreeMarket, ADayReportsTheEnergyThatStayedInEachLevel) {
  Result<Scenario> s = parse_scenario(kScenario, "test", ".");
  ASSERT_TRUE(s) << s.status().message();
  s->clouds = false;
  auto m = make_tree_market(s->markets, s->household_leaves(),
                            Tariffs{to_micro(s->grid_buy), to_micro(s->grid_sell)});
  ASSERT_TRUE(m) << m.status().message();
  Result<RunResult> r = run_scenario(*s, **m);
  ASSERT_TRUE(r) << r.status().message();
  ASSERT_EQ(r->level_traded_wh.size(), 3u);
  int64_t p2p = 0;
  for (const SlotRecord& slot : r->slots) p2p += slot.p2p_wh;
  int64_t levels = 0;
  for (int64_t v : r->level_traded_wh) levels += v;
  EXPECT_EQ(levels, p2p);  // every P2P Wh was matched at exactly one level
  EXPECT_GT(r->level_traded_wh[0],
            0);  // prosumers' surplus reaches street-b's consumers at the root
  EXPECT_EQ(r->level_traded_wh[2], 0);  // street-b has consumers only
}

}  // namespace
}  // namespace wattle::sim
