// A hierarchy of markets (market/hierarchy/market_tree.h): a hand-made
// three-level tree with its trades, prices and fees per level computed by
// hand; every malformed tree refused naming the market and key; and, on
// random books, a one-level tree clears bit for bit as the flat market, and
// on random two-level trees energy and money balance (every order's fill
// within its energy; each trade's fees are those of its levels crossed).
// Replay a failure with RC_PARAMS="seed=<n>".
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "market/hierarchy/market_tree.h"
#include "market/registry.h"
#include "random_book.h"

namespace wattle::market {
namespace {

MarketNode node(std::string name, std::string parent, int64_t fee) {
  MarketNode n;
  n.name = std::move(name);
  n.parent = std::move(parent);
  n.mechanism = "uniform";
  n.params.values["k"] = 500'000;
  n.grid_fee = fee;
  n.fee_account = n.name + "-operator";
  return n;
}

Order order(const std::string& id, Side side, int64_t e, int64_t p, uint64_t time) {
  Order o;
  o.id = id;
  o.side = side;
  o.energy = Energy(e);
  o.price = Price(p);
  o.time = time;
  o.owner = id;
  return o;
}

// district (fee 1000) <- street-a (5000) <- house-a1 (2000), house-a2 (3000)
//                     <- street-b (7000), a leaf
MarketTree three_levels() {
  return MarketTree{{node("district", "", 1000), node("street-a", "district", 5000),
                     node("street-b", "district", 7000), node("house-a1", "street-a", 2000),
                     node("house-a2", "street-a", 3000)}};
}

TEST(MarketTree, ThreeLevelsClearLeavesFirstAndChargeEveryLevelCrossed) {
  const MarketTree t = three_levels();
  ASSERT_TRUE(validate(t).is_ok());
  Book b;
  b.orders = {
      order("a1-buy-hi", Side::kBuy, 400, 100'000, 0),
      order("a1-buy-lo", Side::kBuy, 600, 80'000, 1), order("a1-sell", Side::kSell, 400, 50'000, 2),
      order("a2-sell", Side::kSell, 300, 60'000, 3), order("b-sell", Side::kSell, 500, 70'000, 4)};
  const std::vector<uint32_t> leaf = {3, 3, 3, 4, 2};
  auto c = clear_tree(t, b, leaf);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  // house-a1: 400 Wh; range [max(50000, first bid left 80000), min(100000, no ask left)]
  // = [80000, 100000], k = 0.5: 90000. No boundary crossed: no fee.
  ASSERT_EQ(c->trades.size(), 3u);
  EXPECT_EQ(c->markets[3].clearing_price, Price(90'000));
  EXPECT_EQ(c->trades[0].market, 3u);
  EXPECT_EQ(c->trades[0].trade.buy, 0u);
  EXPECT_EQ(c->trades[0].trade.sell, 2u);
  EXPECT_EQ(c->trades[0].trade.energy, Energy(400));
  EXPECT_TRUE(c->trades[0].fees.empty());
  // house-a2 has no buyer and street-b no buyer: both pass everything up.
  EXPECT_EQ(c->markets[4].passed_up, Energy(300));
  EXPECT_EQ(c->markets[2].passed_up, Energy(500));
  // street-a: a1-buy-lo's 600 at 80000 vs a2-sell 300 at 60000; the buy is
  // partly filled, so it pins the price: 80000. Crossed: house-a1 (2000/kWh,
  // 300 Wh: 600) and house-a2 (3000/kWh: 900).
  EXPECT_EQ(c->markets[1].clearing_price, Price(80'000));
  EXPECT_EQ(c->trades[1].market, 1u);
  EXPECT_EQ(c->trades[1].trade.buy, 1u);
  EXPECT_EQ(c->trades[1].trade.sell, 3u);
  EXPECT_EQ(c->trades[1].trade.energy, Energy(300));
  EXPECT_EQ(c->trades[1].fees, (std::vector<LevelFee>{{3, Money(600)}, {4, Money(900)}}));
  EXPECT_EQ(c->markets[1].passed_up, Energy(300));
  // district: a1-buy-lo's last 300 at 80000 vs b-sell 500 at 70000; the sell
  // is partly filled: 70000. Crossed: house-a1 600, street-a 1500 (buyer's
  // path), street-b 2100 (seller's); not the district itself.
  EXPECT_EQ(c->markets[0].clearing_price, Price(70'000));
  EXPECT_EQ(c->trades[2].market, 0u);
  EXPECT_EQ(c->trades[2].trade.buy, 1u);
  EXPECT_EQ(c->trades[2].trade.sell, 4u);
  EXPECT_EQ(c->trades[2].trade.energy, Energy(300));
  EXPECT_EQ(c->trades[2].fees,
            (std::vector<LevelFee>{{3, Money(600)}, {1, Money(1500)}, {2, Money(2100)}}));
  EXPECT_EQ(c->markets[0].passed_up, Energy(0));  // the root's remainder meets the grid
  EXPECT_EQ(c->fees_total, Money(600 + 900 + 600 + 1500 + 2100));
  // Fills, summed over levels: a1-buy-lo 300 at 80000 + 300 at 70000.
  ASSERT_EQ(c->fills.size(), 5u);
  EXPECT_EQ(c->fills[0].amount, Money(36'000));
  EXPECT_EQ(c->fills[1].energy, Energy(600));
  EXPECT_EQ(c->fills[1].amount, Money(24'000 + 21'000));
  EXPECT_EQ(c->fills[2].amount, Money(36'000));
  EXPECT_EQ(c->fills[3].amount, Money(24'000));
  EXPECT_EQ(c->fills[4].energy, Energy(300));
  EXPECT_EQ(c->fills[4].amount, Money(21'000));
  // What each level saw and kept.
  EXPECT_EQ(c->markets[3].offered, Energy(1400));
  EXPECT_EQ(c->markets[1].offered, Energy(900));
  EXPECT_EQ(c->markets[0].offered, Energy(800));
  EXPECT_EQ(c->markets[0].traded, Energy(300));
}

TEST(MarketTree, MalformedTreesAreRefusedNamingMarketAndKey) {
  auto refused = [](MarketTree t, const std::string& needle) {
    Status st = validate(t);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << needle;
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
  };
  MarketTree t = three_levels();
  t.nodes[0].parent = "house-a1";  // district -> house-a1 -> street-a -> district
  refused(t, "no root");
  t = three_levels();
  t.nodes[2].parent = "";
  refused(t, "markets[street-b]: \"parent\"");
  t = three_levels();
  t.nodes[1].parent = "nowhere";
  refused(t, "markets[street-a]: \"parent\" names an unknown market");
  t = three_levels();
  t.nodes[4].grid_fee = -1;
  refused(t, "markets[house-a2]: \"grid_fee\"");
  t = three_levels();
  t.nodes[3].name = "house-a2";
  refused(t, "declared twice");
  t = three_levels();
  t.nodes.push_back(node("loop-a", "loop-b", 0));
  t.nodes.push_back(node("loop-b", "loop-a", 0));
  refused(t, "forms a cycle");
  t = three_levels();
  t.nodes[1].mechanism = "nope";
  refused(t, "markets[street-a]: \"mechanism\"");
  refused(MarketTree{}, "none declared");
  // An order at a market that is not a leaf.
  Book b;
  b.orders = {order("x", Side::kBuy, 1, 1, 0)};
  EXPECT_EQ(clear_tree(three_levels(), b, {1}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(clear_tree(three_levels(), b, {9}).status().code(), Code::kInvalidArgument);
}

RC_GTEST_PROP(MarketTree, OneLevelTreeIsTheFlatMarketBitForBit, ()) {
  const Book b = *testing::gen_book(testing::BookShape{.owners = 5});
  const std::string mech =
      *rc::gen::element<std::string>("uniform", "pay-as-bid", "pro-rata", "huang");
  MarketTree t{{node("only", "", *rc::gen::inRange<int64_t>(0, 100'000))}};
  t.nodes[0].mechanism = mech;
  t.nodes[0].params = Params{};
  const auto flat = clear(mech, b, Params{});
  const auto tree = clear_tree(t, b, std::vector<uint32_t>(b.orders.size(), 0));
  RC_ASSERT(flat.is_ok());
  RC_ASSERT(tree.is_ok());
  RC_ASSERT(tree->markets[0].clearing_price == flat->clearing_price);
  RC_ASSERT(tree->trades.size() == flat->trades.size());
  for (size_t i = 0; i < flat->trades.size(); ++i) {
    const Trade& a = tree->trades[i].trade;
    const Trade& f = flat->trades[i];
    RC_ASSERT(a.buy == f.buy && a.sell == f.sell && a.energy == f.energy &&
              a.buy_price == f.buy_price && a.sell_price == f.sell_price);
    // Inside the one market nothing crosses a boundary.
    RC_ASSERT(tree->trades[i].fees.empty() || f.buy == kGrid || f.sell == kGrid);
  }
  std::vector<Fill> nonzero;
  for (const Fill& f : flat->fills)
    if (f.energy.value() > 0) nonzero.push_back(f);
  RC_ASSERT(tree->fills.size() == nonzero.size());
  for (size_t i = 0; i < nonzero.size(); ++i)
    RC_ASSERT(tree->fills[i].order == nonzero[i].order &&
              tree->fills[i].energy == nonzero[i].energy &&
              tree->fills[i].amount == nonzero[i].amount);
  RC_ASSERT(tree->markets[0].surplus == flat->totals.surplus);
}

RC_GTEST_PROP(MarketTree, TwoLevelsNeverOverfillAndChargeTheLevelsCrossed, ()) {
  const Book b = *testing::gen_book(testing::BookShape{.owners = 6});
  const int64_t fee_a = *rc::gen::inRange<int64_t>(0, 50'000);
  const int64_t fee_b = *rc::gen::inRange<int64_t>(0, 50'000);
  const MarketTree t{{node("root", "", 0), node("a", "root", fee_a), node("b", "root", fee_b)}};
  std::vector<uint32_t> leaf;
  for (size_t i = 0; i < b.orders.size(); ++i) leaf.push_back(*rc::gen::element(1u, 2u));
  const auto c = clear_tree(t, b, leaf);
  RC_ASSERT(c.is_ok());
  std::vector<int64_t> traded(b.orders.size(), 0);
  __int128 fees = 0;
  for (const TreeTrade& tt : c->trades) {
    traded[tt.trade.buy] += tt.trade.energy.value();
    traded[tt.trade.sell] += tt.trade.energy.value();
    const auto ceil_fee = [&](int64_t fee) {
      return Money((tt.trade.energy.value() * fee + 999) / 1000);
    };
    std::vector<LevelFee> expect;
    if (tt.market == 0) {  // matched at the root: each side crosses its street
      if (ceil_fee(t.nodes[leaf[tt.trade.buy]].grid_fee).value() > 0)
        expect.push_back({leaf[tt.trade.buy], ceil_fee(t.nodes[leaf[tt.trade.buy]].grid_fee)});
      if (ceil_fee(t.nodes[leaf[tt.trade.sell]].grid_fee).value() > 0)
        expect.push_back({leaf[tt.trade.sell], ceil_fee(t.nodes[leaf[tt.trade.sell]].grid_fee)});
    } else {
      RC_ASSERT(leaf[tt.trade.buy] == tt.market && leaf[tt.trade.sell] == tt.market);
    }
    RC_ASSERT(tt.fees == expect);
    for (const LevelFee& f : tt.fees) fees += f.amount.value();
  }
  for (size_t i = 0; i < b.orders.size(); ++i) RC_ASSERT(traded[i] <= b.orders[i].energy.value());
  for (const Fill& f : c->fills) RC_ASSERT(f.energy.value() == traded[f.order]);
  RC_ASSERT(c->fees_total.value() == fees);
}

}  // namespace
}  // namespace wattle::market
