#include "market/mechanisms/cda.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "clearing_checks.h"
#include "market/book/order_book.h"
#include "market/registry.h"
#include "random_book.h"
#include "test_books.h"

namespace wattle::market {
namespace {

using namespace testing;
using T = std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;

Book cancel_of(Book b, std::string id, std::string target) {
  Cancel c;
  c.id = std::move(id);
  c.target = std::move(target);
  c.orders_before = static_cast<uint32_t>(b.orders.size());
  c.time = b.orders.size() + b.cancels.size();
  b.cancels.push_back(std::move(c));
  return b;
}

// Entries (time = position): s1 sell 1000 @100k; s2 sell 1000 @90k; b1 buy
// 1500 @95k takes s2 at 90k and rests 500 (100k > 95k); s3 sell 800 @95k
// takes b1's 500 at the resting 95k and rests 300; c1 cancels s1; b2 buy 1000
// @200k takes s3's 300 at 95k (s1 is gone) and rests 700.
TEST(Cda, HandComputedBook) {
  Book b = book_of({sell("s1", 1000, 100000), sell("s2", 1000, 90000), buy("b1", 1500, 95000),
                    sell("s3", 800, 95000)});
  b = cancel_of(b, "c1", "s1");
  Order b2 = buy("b2", 1000, 200000);
  b2.time = 5;
  b.orders.push_back(b2);
  auto r = clear("cda", b, {});
  ASSERT_TRUE(r) << r.status().to_string();
  IdView v = id_view(b, *r);
  EXPECT_FALSE(v.price.has_value());
  EXPECT_EQ(v.trades, (std::vector<T>{{"b1", "s2", 1000, 90000, 90000},
                                      {"b1", "s3", 500, 95000, 95000},
                                      {"b2", "s3", 300, 95000, 95000}}));
  EXPECT_EQ(v.fills["b1"], std::make_pair(int64_t{1500}, int64_t{137500}));
  EXPECT_EQ(v.fills["b2"], std::make_pair(int64_t{300}, int64_t{28500}));
  EXPECT_EQ(v.fills["s2"], std::make_pair(int64_t{1000}, int64_t{90000}));
  EXPECT_EQ(v.fills["s3"], std::make_pair(int64_t{800}, int64_t{76000}));
  EXPECT_EQ(v.totals, (std::vector<int64_t>{1800, 166000, 166000, 0, 0}));
}

TEST(Cda, EarlierRestingOrderFirstAtOnePrice) {
  Book b = book_of({sell("first", 500, 100), sell("second", 500, 100), buy("b", 700, 100)});
  IdView v = id_view(b, *clear("cda", b, {}));
  EXPECT_EQ(v.trades,
            (std::vector<T>{{"b", "first", 500, 100, 100}, {"b", "second", 200, 100, 100}}));
}

TEST(Cda, TimeNotPositionDecidesArrival) {
  // b arrives first by time though it is listed last, so it rests and s trades at b's price.
  Book b = book_of({sell("s", 100, 100), buy("b", 100, 300)});
  b.orders[0].time = 9;
  b.orders[1].time = 1;
  IdView v = id_view(b, *clear("cda", b, {}));
  EXPECT_EQ(v.trades, (std::vector<T>{{"b", "s", 100, 300, 300}}));
}

TEST(Cda, CancelBeforeItsOrderInTheFileDoesNothing) {
  Book b = book_of({sell("s", 100, 100)});
  Cancel c;
  c.id = "c";
  c.target = "b";
  c.orders_before = 1;  // after s, before b; same time as b
  c.time = 1;
  b.cancels.push_back(c);
  Order o = buy("b", 100, 50);
  o.time = 1;
  b.orders.push_back(o);
  b.orders.push_back(sell("s2", 100, 40));
  b.orders.back().time = 2;
  IdView v = id_view(b, *clear("cda", b, {}));
  EXPECT_EQ(v.trades, (std::vector<T>{{"b", "s2", 100, 50, 50}}));
}

TEST(OrderBook, RejectsBadInput) {
  OrderBook ob(PriceLadder::arithmetic(Price(100), 10, 5));  // 100..140
  std::vector<Trade> t;
  EXPECT_EQ(ob.add(0, Side::kBuy, Price(105), Energy(1), &t).code(), Code::kInvalidArgument);
  EXPECT_EQ(ob.add(0, Side::kBuy, Price(150), Energy(1), &t).code(), Code::kInvalidArgument);
  EXPECT_EQ(ob.add(0, Side::kBuy, Price(110), Energy(0), &t).code(), Code::kInvalidArgument);
  EXPECT_TRUE(ob.add(0, Side::kBuy, Price(110), Energy(5), &t));
  EXPECT_EQ(ob.add(0, Side::kBuy, Price(110), Energy(5), &t).code(), Code::kDuplicate);
  EXPECT_EQ(ob.cancel(1).code(), Code::kNotFound);
  EXPECT_TRUE(ob.cancel(0));
  EXPECT_EQ(ob.cancel(0).code(), Code::kNotFound);
  EXPECT_TRUE(ob.add(0, Side::kSell, Price(110), Energy(5), &t));  // ref reused once gone
  EXPECT_EQ(ob.resting_count(), 1u);
  EXPECT_EQ(ob.best_ask(), Price(110));
  EXPECT_FALSE(ob.best_bid().has_value());
}

// A plain reference book: linear scans, obviously price-time priority.
struct NaiveBook {
  struct R {
    uint32_t ref;
    Side side;
    int64_t price;
    int64_t left;
    uint64_t seq;
  };
  std::vector<R> resting;
  uint64_t seq = 0;

  void add(uint32_t ref, Side side, int64_t price, int64_t energy, std::vector<Trade>* out) {
    while (energy > 0) {
      int best = -1;
      for (size_t i = 0; i < resting.size(); ++i) {
        const R& r = resting[i];
        if (r.side == side) continue;
        bool crosses = side == Side::kBuy ? r.price <= price : r.price >= price;
        if (!crosses) continue;
        if (best < 0) {
          best = static_cast<int>(i);
          continue;
        }
        const R& b = resting[static_cast<size_t>(best)];
        bool better = r.price != b.price
                          ? (side == Side::kBuy ? r.price < b.price : r.price > b.price)
                          : r.seq < b.seq;
        if (better) best = static_cast<int>(i);
      }
      if (best < 0) break;
      R& r = resting[static_cast<size_t>(best)];
      int64_t q = std::min(energy, r.left);
      Trade t{side == Side::kBuy ? ref : r.ref, side == Side::kBuy ? r.ref : ref, Energy(q),
              Price(r.price), Price(r.price)};
      out->push_back(t);
      energy -= q;
      r.left -= q;
      if (r.left == 0) resting.erase(resting.begin() + best);
    }
    if (energy > 0) resting.push_back(R{ref, side, price, energy, seq++});
  }
  bool cancel(uint32_t ref) {
    for (size_t i = 0; i < resting.size(); ++i)
      if (resting[i].ref == ref) {
        resting.erase(resting.begin() + static_cast<ptrdiff_t>(i));
        return true;
      }
    return false;
  }
};

bool same_trades(const std::vector<Trade>& a, const std::vector<Trade>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].buy != b[i].buy || a[i].sell != b[i].sell || a[i].energy != b[i].energy ||
        a[i].buy_price != b[i].buy_price || a[i].sell_price != b[i].sell_price)
      return false;
  return true;
}

// Random add/cancel streams on a small ladder: the OrderBook's trades equal the
// naive book's, step by step; the book is never crossed; resting orders are in
// price-time order.
RC_GTEST_PROP(OrderBook, MatchesNaivePriceTimeBookStepByStep, ()) {
  const uint32_t levels = *rc::gen::inRange<uint32_t>(1, 300);
  OrderBook ob(PriceLadder::arithmetic(Price(1000), 7, levels));
  NaiveBook naive;
  const int ops = *rc::gen::inRange(0, 300);
  uint32_t next_ref = 0;
  for (int i = 0; i < ops; ++i) {
    const bool do_cancel = next_ref > 0 && *rc::gen::inRange(0, 4) == 0;
    if (do_cancel) {
      uint32_t ref = *rc::gen::inRange<uint32_t>(0, next_ref);
      bool naive_had = naive.cancel(ref);
      RC_ASSERT(ob.cancel(ref).is_ok() == naive_had);
    } else {
      Side side = *rc::gen::element(Side::kBuy, Side::kSell);
      int64_t price = 1000 + 7 * *rc::gen::inRange<int64_t>(0, levels);
      int64_t energy = *rc::gen::inRange<int64_t>(1, 50);
      std::vector<Trade> a, b;
      RC_ASSERT(ob.add(next_ref, side, Price(price), Energy(energy), &a).is_ok());
      naive.add(next_ref, side, price, energy, &b);
      ++next_ref;
      RC_ASSERT(same_trades(a, b));
    }
    RC_ASSERT(ob.resting_count() == naive.resting.size());
    auto bid = ob.best_bid();
    auto ask = ob.best_ask();
    if (bid && ask) RC_ASSERT(*bid < *ask);  // never crossed
    for (Side side : {Side::kBuy, Side::kSell}) {
      auto snap = ob.snapshot(side);
      for (size_t k = 1; k < snap.size(); ++k) {
        bool ordered = side == Side::kBuy ? snap[k - 1].price >= snap[k].price
                                          : snap[k - 1].price <= snap[k].price;
        RC_ASSERT(ordered);
      }
    }
  }
}

RC_GTEST_PROP(Cda, InvariantsOnRandomBooks, ()) {
  BookShape s;
  s.max_cancels = 10;
  s.tied_times = *rc::gen::arbitrary<bool>();
  Book b = *gen_book(s);
  auto r = clear("cda", b, {});
  RC_ASSERT(r.is_ok());
  rc_check_invariants(b, *r);
  // Each trade is at a limit of one of its orders (the resting one).
  for (const Trade& t : r->trades)
    RC_ASSERT(t.buy_price == b.orders[t.buy].price || t.buy_price == b.orders[t.sell].price);
}

}  // namespace
}  // namespace wattle::market
