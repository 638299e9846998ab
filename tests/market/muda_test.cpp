// MUDA (Segal-Halevi, Hassidim, Aumann 2018): a hand-computed book with a
// known split, reproducibility from the seed, and properties on random books.
#include "market/mechanisms/muda.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "market/registry.h"
#include "mechanism_checks.h"
#include "random_book.h"

namespace wattle::market {
namespace {

using testing::BookShape;
using testing::limit_order;

Params seed(int64_t s) {
  Params p;
  p.values = {{"seed", s}};
  return p;
}

TEST(Muda, SplitOfTheSampleForSeed2) {
  // The draws the hand computation below relies on.
  for (const char* id : {"b1", "b3", "s1"}) EXPECT_FALSE(muda_draw(2, id).right) << id;
  for (const char* id : {"b2", "b4", "s2", "s3", "s4"}) EXPECT_TRUE(muda_draw(2, id).right) << id;
  EXPECT_LT(muda_draw(2, "b3").lottery, muda_draw(2, "b1").lottery);
  EXPECT_LT(muda_draw(2, "s3").lottery, muda_draw(2, "s2").lottery);
}

TEST(Muda, HandComputedBook) {
  // Left {b1 1000@300000, b3 1000@200000, s1 1500@80000}: b1-s1 1000, b3-s1
  // 500, b3 keeps 500 at 200000, so its competitive price is 200000.
  // Right {b2 2000@250000, b4 1000@100000, s2 1000@120000, s3 2000@180000,
  // s4 1000@260000}: b2-s2 1000, b2-s3 1000, s3 keeps 1000 at 180000, b4 is
  // below it: price 180000.
  // Left trades at 180000: b1, b3 (2000 Wh) want, s1 (1500) sells; buyers
  // are long, lottery order b3, b1: b3 1000, b1 500.
  // Right trades at 200000: b2 (2000) wants, s2 and s3 (3000) sell; sellers
  // are long, lottery order s3, s2: s3 takes all 2000.
  const Book book = testing::eight_order_book();
  auto c = clear_muda(book, seed(2));
  ASSERT_TRUE(c) << c.status().to_string();
  const std::vector<testing::TradeKey> want = {{"b3", "s1", 1000, 180000, 180000},
                                               {"b1", "s1", 500, 180000, 180000},
                                               {"b2", "s3", 2000, 200000, 200000}};
  EXPECT_EQ(testing::trade_keys(book, *c), want);
  EXPECT_EQ(c->totals.buyers_pay.value(), 670000);
  EXPECT_EQ(c->totals.sellers_get.value(), 670000);
  EXPECT_EQ(c->totals.surplus.value(), 0);
  EXPECT_FALSE(c->clearing_price.has_value());
}

TEST(Muda, ReproducibleFromTheSeed) {
  const Book book = testing::eight_order_book();
  auto a = clear_muda(book, seed(2));
  auto b = clear_muda(book, seed(2));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(testing::trade_keys(book, *a), testing::trade_keys(book, *b));
  // Some other seed splits differently and so trades differently.
  bool differs = false;
  for (int64_t s = 0; s < 16 && !differs; ++s) {
    auto o = clear_muda(book, seed(s));
    ASSERT_TRUE(o);
    differs = testing::trade_keys(book, *o) != testing::trade_keys(book, *a);
  }
  EXPECT_TRUE(differs);
}

TEST(Muda, ThroughTheRegistry) {
  const MechanismInfo* m = find_mechanism("muda");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(testing::own_param_names(*m), std::vector<std::string>{"seed"});
  EXPECT_TRUE(clear("muda", testing::eight_order_book(), Params{}));  // seed defaults to 0
  EXPECT_FALSE(clear("muda", testing::eight_order_book(), seed(-1)));
  Params unknown = seed(1);
  unknown.values["k"] = 1;
  EXPECT_FALSE(clear("muda", testing::eight_order_book(), unknown));
}

RC_GTEST_PROP(Muda, NoOverfillRationalStronglyBalanced, ()) {
  const Book book = testing::full_size_book();
  const Params p = seed(*rc::gen::inRange<int64_t>(0, 1'000'000));
  auto c = clear_muda(book, p);
  RC_ASSERT(c.is_ok());
  RC_ASSERT(testing::check_no_overfill(book, *c) == "");
  RC_ASSERT(testing::check_rational(book, *c) == "");
  RC_ASSERT(testing::check_budget(book, *c) == "");
  // One price per trade for both sides: surplus is rounding only, under one
  // micro-unit per buyer fill.
  for (const Trade& t : c->trades) RC_ASSERT(t.buy_price == t.sell_price);
  RC_ASSERT(c->totals.surplus.value() <= static_cast<int64_t>(c->fills.size()));
}

// A half whose buyers and sellers do not cross has no price: the other half
// trades nothing (the first pass gave it an arbitrary price, or 0).
RC_GTEST_PROP(Muda, HalfWithoutCrossingGivesTheOtherHalfNoTrades, ()) {
  const Book book = testing::full_size_book();
  const int64_t s = *rc::gen::inRange<int64_t>(0, 1000);
  auto c = clear_muda(book, seed(s));
  RC_ASSERT(c.is_ok());
  for (const bool right : {false, true}) {
    // Best bid and best ask of this half (reference: a linear scan).
    int64_t best_bid = -1, best_ask = -1;
    for (const Order& o : book.orders) {
      if (muda_draw(static_cast<uint64_t>(s), o.id).right != right) continue;
      if (o.side == Side::kBuy) best_bid = std::max(best_bid, o.price.value());
      if (o.side == Side::kSell && (best_ask < 0 || o.price.value() < best_ask))
        best_ask = o.price.value();
    }
    if (best_bid >= 0 && best_ask >= 0 && best_bid >= best_ask) continue;  // crosses
    for (const Trade& t : c->trades)
      RC_ASSERT(muda_draw(static_cast<uint64_t>(s), book.orders[t.buy].id).right == right);
  }
}

TEST(Muda, OneSidedHalfLeavesTheOtherUntraded) {
  // Find ids that land in different halves for seed 0, then put only a buyer
  // in one half: that half has no price, so the other half's crossing pair
  // must not trade.
  std::string left_id, right_id1, right_id2;
  for (int i = 0; left_id.empty() || right_id2.empty(); ++i) {
    const std::string id = "o" + std::to_string(i);
    if (!muda_draw(0, id).right) {
      if (left_id.empty()) left_id = id;
    } else if (right_id1.empty()) {
      right_id1 = id;
    } else if (right_id2.empty()) {
      right_id2 = id;
    }
  }
  Book b;
  b.orders = {limit_order(left_id, Side::kBuy, 1000, 300000),
              limit_order(right_id1, Side::kBuy, 1000, 200000),
              limit_order(right_id2, Side::kSell, 1000, 100000)};
  auto c = clear_muda(b, seed(0));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->trades.empty());
}

RC_GTEST_PROP(Muda, SameOutputWhateverTheLineOrder, ()) {
  const Book book = testing::full_size_book();
  const Book other = testing::shuffled(book);
  const Params p = seed(*rc::gen::inRange<int64_t>(0, 1'000'000));
  auto a = clear_muda(book, p);
  auto b = clear_muda(other, p);
  RC_ASSERT(a.is_ok() && b.is_ok());
  RC_ASSERT(testing::trade_keys(book, *a) == testing::trade_keys(other, *b));
}

RC_GTEST_PROP(Muda, NoSingleOrderGainsByMisreportingItsPrice, ()) {
  BookShape shape;
  shape.max_orders = 10;
  shape.max_energy_wh = 3000;
  const Book book = testing::full_size_book(shape);
  const Params p = seed(*rc::gen::inRange<int64_t>(0, 1'000'000));
  RC_ASSERT(testing::check_truthful_in_price(book, p, clear_muda) == "");
}

}  // namespace
}  // namespace wattle::market
