// Owners (no self-trade in any mechanism), the grid as counterparty (every
// unfilled order closed at the tariffs), and the validation of owners,
// partners, require_green and the book's totals: hand-computed books and
// properties over every registered mechanism.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <map>

#include "clearing_checks.h"
#include "market/clearing/clearing_builder.h"
#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;
using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;

bool community(const std::string& name) {
  return name == "mmr" || name == "sdr" || name == "bill-sharing";
}

// Every mechanism with its required parameters (tariffs for community pricing).
Params base_params(const std::string& name) {
  Params p;
  if (community(name)) p.values = {{"grid_buy", 300000}, {"grid_sell", 50000}};
  return p;
}

// alice buys 1000 @200k and sells 1000 @100k; bob buys 1000 @190k, carol sells
// 1000 @110k. The walk pairs b1-s1 (alice with herself) and b2-s2; range
// [110000, 190000], k = 0.5: 150000. Self-trade prevention swaps partners:
// b1-s2 and b2-s1, each order keeping its price, so the fills are unchanged.
TEST(Owners, UniformSwapsTheSelfTradeAway) {
  Book b =
      book_of({owned(buy("b1", 1000, 200000), "alice"), owned(sell("s1", 1000, 100000), "alice"),
               owned(buy("b2", 1000, 190000), "bob"), owned(sell("s2", 1000, 110000), "carol")});
  auto r = clear("uniform", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.price, 150000);
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s2", 1000, 150000, 150000},
                                      {"b2", "s1", 1000, 150000, 150000}}));
  EXPECT_EQ(v.totals, (std::vector<int64_t>{2000, 300000, 300000, 0, 0}));
}

// Only alice crosses with herself: nothing to swap with, the volume is
// cancelled from both of her orders (her net position is unchanged).
TEST(Owners, SelfOnlyVolumeIsCancelledFromBoth) {
  Book b = book_of({owned(buy("b1", 1000, 200000), "alice"),
                    owned(sell("s1", 600, 100000), "alice"), sell("s2", 1000, 300000)});
  for (const char* m : {"uniform", "pay-as-bid", "cda", "huang", "average", "stable"}) {
    auto r = clear(m, b, {});
    ASSERT_TRUE(r) << m << ": " << r.status().to_string();
    EXPECT_TRUE(r->trades.empty()) << m;
  }
}

// alice buys and sells 1000 Wh; with the tariffs her crossing self-trade is
// cancelled and what is left on both of her sides nets at home: neither
// traded nor billed. The first pass closed both with the grid, charging her
// 300000 and paying her 50000 for energy that never left her house. The same
// when her limits do not cross (nothing would trade at all).
TEST(Owners, NettedEnergyIsNeitherTradedNorBilledWithTheGrid) {
  Params p;
  p.values = {{"grid_buy", 300000}, {"grid_sell", 50000}};
  for (int64_t ask : {100000, 250000}) {
    Book b =
        book_of({owned(buy("b1", 1000, 200000), "alice"), owned(sell("s1", 1000, ask), "alice")});
    for (const MechanismInfo& m : mechanisms()) {
      auto r = clear(m.name, b, community(m.name) ? base_params(m.name) : p);
      ASSERT_TRUE(r) << m.name << ": " << r.status().to_string();
      EXPECT_TRUE(r->trades.empty()) << m.name << " ask " << ask;
      EXPECT_TRUE(r->fills.empty()) << m.name << " ask " << ask;
      EXPECT_EQ(r->totals.grid_net.value(), 0) << m.name << " ask " << ask;
    }
  }
  // Partly netted: alice buys 1000 and sells 400 (no one else): 400 stays at
  // home, only her 600 Wh of net demand is bought from the grid.
  Book b = book_of({owned(buy("b1", 1000, 200000), "alice"),
                    owned(sell("s1", 400, 100000), "alice"), buy("b2", 500, 10000)});
  auto r = clear("uniform", b, p);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(id_view(b, *r).trades, (std::vector<T>{{"b1", "grid", 600, 300000, 300000},
                                                   {"b2", "grid", 500, 300000, 300000}}));
  EXPECT_EQ(r->totals.grid_net.value(), 330000);
}

// The walk pairs b1-s1 (alice with herself, 300000 at the bid) and b2-s2
// (200000). Swapping with kept prices would pay s1 300000 from b2's 200000,
// so the first pass cancelled alice's 1000 Wh and pay-as-bid traded half of
// uniform's volume. Both new pairs cross at their limits, so they are
// re-paired as `uniform` re-pairs them, each at its own k-price: b1-s2 at
// b1's bid 300000, b2-s1 at b2's bid 200000.
TEST(Owners, PayAsBidRepairsASelfTradeLikeUniform) {
  Book b =
      book_of({owned(buy("b1", 1000, 300000), "alice"), owned(sell("s1", 1000, 100000), "alice"),
               owned(buy("b2", 1000, 200000), "bob"), owned(sell("s2", 1000, 150000), "carol")});
  auto u = clear("uniform", b, {});
  auto r = clear("pay-as-bid", b, {});
  ASSERT_TRUE(u && r) << r.status().to_string();
  EXPECT_EQ(u->totals.energy, Energy(2000));
  EXPECT_EQ(id_view(b, *r).trades, (std::vector<T>{{"b1", "s2", 1000, 300000, 300000},
                                                   {"b2", "s1", 1000, 200000, 200000}}));
  EXPECT_EQ(r->totals.energy, Energy(2000));
}

// cda: s3 (alice, 120000) rests; b3 (alice, 300000) takes it at 120000;
// s4 (carol, 180000) rests; b4 (bob, 250000) takes it at 180000. Kept prices
// would pay carol 180000 from alice's 120000, so the first pass cancelled
// alice's 1000 Wh. Both new pairs cross at their limits (300000 >= 180000,
// 250000 >= 120000), so they are re-paired at one price: the midpoint of
// 120000 and 180000, 150000, kept within [max ask 180000, min bid 250000]:
// 180000 for both, budget balanced.
TEST(Owners, CdaRepairsASelfTradeWhenBothNewPairsCross) {
  Book b =
      book_of({owned(sell("s3", 1000, 120000), "alice"), owned(buy("b3", 1000, 300000), "alice"),
               owned(sell("s4", 1000, 180000), "carol"), owned(buy("b4", 1000, 250000), "bob")});
  auto r = clear("cda", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(id_view(b, *r).trades, (std::vector<T>{{"b3", "s4", 1000, 180000, 180000},
                                                   {"b4", "s3", 1000, 180000, 180000}}));
  EXPECT_EQ(r->totals.energy, Energy(2000));
  EXPECT_EQ(r->totals.surplus, Money(0));
}

// Every trade of this book is alice's with herself and cancelled: nothing
// trades, so no mechanism states a price (null, as for a book that does not
// cross); the first pass reported the walk's 200000 beside no trade at all.
// Without owners the same book trades at that price.
TEST(Owners, ClearingPriceIsNullWhenEveryTradeIsCancelled) {
  Book owned_book = book_of({owned(buy("b1", 1000, 200000), "alice"),
                             owned(sell("s1", 600, 100000), "alice"), sell("s2", 1000, 300000)});
  Book plain = owned_book;
  for (Order& o : plain.orders) o.owner.clear();
  Params grid;
  grid.values = {{"grid_buy", 300000}, {"grid_sell", 50000}};
  for (const char* m : {"uniform", "pro-rata", "two-stage", "average", "pay-as-clear-gsy"}) {
    for (const Params& p : {Params{}, grid}) {
      auto a = clear(m, owned_book, p);
      auto b = clear(m, plain, p);
      ASSERT_TRUE(a && b) << m;
      EXPECT_EQ(a->totals.energy, Energy(0)) << m;
      EXPECT_FALSE(a->clearing_price.has_value()) << m;
      EXPECT_EQ(b->clearing_price, Price(200000)) << m;
    }
  }
}

TEST(Owners, StableNeverListsOwnOrders) {
  Book b = book_of({owned(buy("b1", 1000, 200000), "alice"),
                    owned(sell("s1", 1000, 100000), "alice"), sell("s2", 1000, 150000)});
  auto r = clear("stable", b, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->trades.size(), 1u);
  EXPECT_EQ(b.orders[r->trades[0].sell].id, "s2");
}

RC_GTEST_PROP(Owners, NoMechanismEverTradesAnOwnerWithItself, ()) {
  BookShape shape;
  shape.owners = 3;
  shape.attributes = true;
  const Book book = full_size_book(shape);
  for (const MechanismInfo& m : mechanisms()) {
    auto r = clear(m.name, book, base_params(m.name));
    RC_ASSERT(r.is_ok());
    for (const Trade& t : r->trades) {
      if (t.buy == kGrid || t.sell == kGrid) continue;
      const std::string& owner = book.orders[t.buy].owner;
      if (!owner.empty() && owner == book.orders[t.sell].owner) {
        RC_FAIL(m.name + ": " + book.orders[t.buy].id + " trades with " + book.orders[t.sell].id);
      }
    }
    RC_ASSERT(check_no_overfill(book, *r) == "");
    if (!community(m.name)) RC_ASSERT(check_budget(book, *r) == "");
  }
}

// With owners, `pay-as-bid` (whose docs promise uniform's pairs and volume)
// trades at least the volume of uniform's no-self-trade allocation (uniform
// with owners): it re-pairs self-trades on the same walk. Not `cda` (its docs
// promise no volume: a self-trade in the stream uses up liquidity a later
// order could have taken), nor `pro-rata` and `average`, whose marginal-level
// rules (shares, id order) can give an owner's orders energy only the owner
// could take (docs/market.md, Owners).
RC_GTEST_PROP(Owners, VolumeAtLeastUniformsNoSelfTradeAllocation, ()) {
  BookShape shape;
  shape.owners = *rc::gen::inRange(1, 5);
  const Book book = full_size_book(shape);
  auto u = clear("uniform", book, {});
  RC_ASSERT(u.is_ok());
  for (const char* m : {"pay-as-bid"}) {
    auto r = clear(m, book, {});
    RC_ASSERT(r.is_ok());
    RC_ASSERT(check_no_overfill(book, *r) == "");
    RC_ASSERT(check_budget(book, *r) == "");
    if (r->totals.energy < u->totals.energy) {
      std::string orders;
      for (const Order& o : book.orders)
        orders += " " + o.id + (o.side == Side::kBuy ? ":b" : ":s") +
                  std::to_string(o.energy.value()) + "@" + std::to_string(o.price.value()) + "/" +
                  o.owner;
      RC_FAIL(std::string(m) + " trades " + std::to_string(r->totals.energy.value()) +
              " Wh, uniform " + std::to_string(u->totals.energy.value()) + ";" + orders);
    }
  }
}

// A stated clearing price is the book's, with or without owners, while any
// order-to-order trade remains; when self-trade prevention cancels every
// trade, the price is null. Tariffs or not.
RC_GTEST_PROP(Owners, ClearingPriceIsTheBooksOrNullWhenNothingTrades, ()) {
  BookShape shape;
  shape.owners = *rc::gen::inRange(1, 4);
  shape.max_orders = *rc::gen::inRange(2, 8);  // small books: all-self-trade books are common
  const Book book = full_size_book(shape);
  Book plain = book;
  for (Order& o : plain.orders) o.owner.clear();
  Params p;
  if (*rc::gen::arbitrary<bool>()) p.values = {{"grid_buy", 300000}, {"grid_sell", 50000}};
  for (const MechanismInfo& m : mechanisms()) {
    if (community(m.name)) continue;
    auto a = clear(m.name, book, p);
    auto b = clear(m.name, plain, p);
    RC_ASSERT(a.is_ok() && b.is_ok());
    const std::optional<Price> want =
        a->totals.energy.value() > 0 ? b->clearing_price : std::nullopt;
    if (a->clearing_price != want)
      RC_FAIL(m.name + ": " +
              (a->clearing_price ? std::to_string(a->clearing_price->value()) : "null") +
              " with owners, want " + (want ? std::to_string(want->value()) : "null"));
  }
}

// With both tariffs every order ends fully settled: what the mechanism left
// unfilled trades with the grid at its side's tariff.
RC_GTEST_PROP(Grid, ClosesEveryUnfilledOrderAtTheTariffs, ()) {
  BookShape shape;
  shape.owners = *rc::gen::inRange(0, 3);
  const Book book = full_size_book(shape);
  const int64_t grid_sell = *rc::gen::inRange<int64_t>(0, 200'000);
  const int64_t grid_buy = grid_sell + *rc::gen::inRange<int64_t>(0, 300'000);
  for (const MechanismInfo& m : mechanisms()) {
    Params p = base_params(m.name);
    p.values["grid_buy"] = grid_buy;
    p.values["grid_sell"] = grid_sell;
    auto r = clear(m.name, book, p);
    RC_ASSERT(r.is_ok());
    std::vector<int64_t> traded(book.orders.size(), 0);
    int64_t grid_energy = 0;
    for (const Trade& t : r->trades) {
      if (t.buy != kGrid) traded[t.buy] += t.energy.value();
      if (t.sell != kGrid) traded[t.sell] += t.energy.value();
      if (t.sell == kGrid)
        RC_ASSERT(t.buy_price.value() == grid_buy && t.sell_price.value() == grid_buy);
      if (t.buy == kGrid)
        RC_ASSERT(t.buy_price.value() == grid_sell && t.sell_price.value() == grid_sell);
      if (t.buy == kGrid || t.sell == kGrid) grid_energy += t.energy.value();
    }
    // What is not traded is an owner's netted energy, equal on both of its
    // sides (it stays at home); an order without an owner trades in full.
    std::map<std::string, std::pair<int64_t, int64_t>> home;  // owner -> (buys, sells) left
    for (size_t i = 0; i < book.orders.size(); ++i) {
      const Order& o = book.orders[i];
      const int64_t left = o.energy.value() - traded[i];
      if (o.owner.empty()) RC_ASSERT(left == 0);
      auto& h = home[o.owner];
      (o.side == Side::kBuy ? h.first : h.second) += left;
    }
    for (const auto& [owner, h] : home) RC_ASSERT(h.first == h.second);
    RC_ASSERT(r->totals.grid_energy.value() == grid_energy);
    if (!community(m.name)) RC_ASSERT(check_budget(book, *r) == "");
  }
}

// b 1000 @200k, s 400 @100k: uniform trades 400; b keeps energy, so the range
// is [max(100000, 200000), 200000]: price 200000. b's 600 left buys from the
// grid at 250000: b pays 80000 + 150000.
TEST(Grid, UniformHandComputed) {
  Book b = book_of({buy("b", 1000, 200000), sell("s", 400, 100000)});
  Params p;
  p.values = {{"grid_buy", 250000}, {"grid_sell", 40000}};
  auto r = clear("uniform", b, p);
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  EXPECT_EQ(v.trades,
            (std::vector<T>{{"b", "s", 400, 200000, 200000}, {"b", "grid", 600, 250000, 250000}}));
  EXPECT_EQ(v.fills["b"], std::make_pair(int64_t{1000}, int64_t{80000 + 150000}));
  EXPECT_EQ(r->totals.grid_energy, Energy(600));
  EXPECT_EQ(r->totals.grid_net, Money(150000));
}

TEST(Validate, OwnersPartnersRequireGreen) {
  auto msg = [](Book b) { return validate(b).message(); };
  Book b = book_of({buy("b1", 10, 100)});
  b.orders[0].owner = std::string(65, 'x');
  EXPECT_NE(msg(b).find("order \"b1\": owner longer than 64"), std::string::npos) << msg(b);
  b.orders[0].owner = "alice";
  b.orders[0].partners = {"bob", "alice"};
  EXPECT_NE(msg(b).find("order \"b1\": partners[1] names the order's own owner"), std::string::npos)
      << msg(b);
  b.orders[0].partners = std::vector<std::string>(kMaxPartners + 1, "bob");
  EXPECT_NE(msg(b).find("partners has 17 owners"), std::string::npos) << msg(b);
  b.orders[0].partners = {""};
  EXPECT_NE(msg(b).find("partners[0] must be an owner"), std::string::npos) << msg(b);
  Book s = book_of({sell("s1", 10, 100)});
  s.orders[0].require_green = true;
  EXPECT_NE(msg(s).find("order \"s1\": require_green is for buy orders only"), std::string::npos);
}

// Two orders at the per-order maxima pass each side's money bound: refused by
// validate, so no valid book can overflow a clearing's totals.
TEST(Validate, SideTotalsAreBounded) {
  BookLimits limits;
  Book b;
  for (int i = 0; i < 5; ++i)
    b.orders.push_back(buy("b" + std::to_string(i), limits.max_energy_wh, limits.max_price));
  const Status st = validate(b);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.code(), Code::kTooLarge);
  EXPECT_NE(st.message().find("order \"b1\": the book's total bids"), std::string::npos)
      << st.message();
  // Just under the bound, every mechanism clears (no "totals overflow").
  Book ok;
  ok.orders = {buy("b", limits.max_energy_wh, limits.max_price),
               sell("s", limits.max_energy_wh, limits.max_price)};
  for (const MechanismInfo& m : mechanisms()) {
    Params p = base_params(m.name);
    p.values["grid_buy"] = kMaxTariff;
    p.values["grid_sell"] = 0;
    auto r = clear(m.name, ok, p);
    EXPECT_TRUE(r) << m.name << ": " << r.status().to_string();
  }
}

}  // namespace
}  // namespace wattle::market
