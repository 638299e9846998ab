// RapidCheck generators for market property tests, shared by every mechanism's
// tests so each property runs on the same distribution of books.
// RapidCheck prints its seed on failure; replay with RC_PARAMS="seed=N".
#pragma once

#include <rapidcheck.h>

#include <string>

#include "market/book.h"

namespace wattle::market::testing {

struct BookShape {
  int max_orders = 40;
  int64_t max_energy_wh = 5000;
  int64_t min_price = 50'000;   // micro-units per kWh
  int64_t max_price = 400'000;
  int64_t price_step = 5'000;   // coarse steps make ties (and marginal levels) common
  bool attributes = false;      // location and green_pct on sellers and buyers
};

inline rc::Gen<Order> gen_order(const BookShape& s) {
  return rc::gen::exec([s] {
    Order o;
    o.side = *rc::gen::element(Side::kBuy, Side::kSell);
    o.energy = Energy(*rc::gen::inRange<int64_t>(1, s.max_energy_wh + 1));
    int64_t steps = (s.max_price - s.min_price) / s.price_step;
    o.price = Price(s.min_price + s.price_step * *rc::gen::inRange<int64_t>(0, steps + 1));
    if (s.attributes) {
      o.location = Location{*rc::gen::inRange<int64_t>(0, 2000), *rc::gen::inRange<int64_t>(0, 2000)};
      o.green_pct = *rc::gen::inRange<int64_t>(0, 101);
    }
    return o;
  });
}

// A valid book: unique ids ("o0", "o1", ...), time = position.
inline rc::Gen<Book> gen_book(BookShape s = {}) {
  return rc::gen::exec([s] {
    Book b;
    int n = *rc::gen::inRange(0, s.max_orders + 1);
    for (int i = 0; i < n; ++i) {
      Order o = *gen_order(s);
      o.id = "o" + std::to_string(i);
      o.time = static_cast<uint64_t>(i);
      b.orders.push_back(std::move(o));
    }
    return b;
  });
}

}  // namespace wattle::market::testing
