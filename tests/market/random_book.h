// RapidCheck generators for market property tests, shared by every mechanism's
// tests so each property runs on the same distribution of books.
// RapidCheck prints its seed on failure; replay with RC_PARAMS="seed=N".
#pragma once

#include <rapidcheck.h>

#include <string>

#include "market/book/book.h"

namespace wattle::market::testing {

struct BookShape {
  int max_orders = 40;
  int64_t max_energy_wh = 5000;
  int64_t min_price = 50'000;  // micro-units per kWh
  int64_t max_price = 400'000;
  int64_t price_step = 5'000;  // coarse steps make ties (and marginal levels) common
  bool attributes = false;     // location and green_pct on sellers and buyers
  int max_cancels = 0;         // cancels of random orders (continuous mechanisms)
  bool tied_times = false;     // times from a small range: ties broken by position
  int owners = 0;              // > 0: each order owned by one of "h0".."h<owners-1>" or by none
};

inline rc::Gen<Order> gen_order(const BookShape& s) {
  return rc::gen::exec([s] {
    Order o;
    o.side = *rc::gen::element(Side::kBuy, Side::kSell);
    o.energy = Energy(*rc::gen::inRange<int64_t>(1, s.max_energy_wh + 1));
    int64_t steps = (s.max_price - s.min_price) / s.price_step;
    o.price = Price(s.min_price + s.price_step * *rc::gen::inRange<int64_t>(0, steps + 1));
    if (s.attributes) {
      o.location =
          Location{*rc::gen::inRange<int64_t>(0, 2000), *rc::gen::inRange<int64_t>(0, 2000)};
      o.green_pct = *rc::gen::inRange<int64_t>(0, 101);
    }
    if (s.owners > 0) {
      const int k = *rc::gen::inRange(0, s.owners + 1);  // == owners: no owner
      if (k < s.owners) o.owner = "h" + std::to_string(k);
    }
    return o;
  });
}

// A valid book: unique ids ("o0", "o1", ...; cancels "c0", ...), time = position
// (or small random times with tied_times).
// "o" + number, written so g++ 12 does not raise a false -Wrestrict on operator+.
inline std::string numbered(char prefix, int i) {
  std::string s(1, prefix);
  s += std::to_string(i);
  return s;
}

inline rc::Gen<Book> gen_book(BookShape s = {}) {
  return rc::gen::exec([s] {
    Book b;
    int n = *rc::gen::inRange(0, s.max_orders + 1);
    for (int i = 0; i < n; ++i) {
      Order o = *gen_order(s);
      o.id = numbered('o', i);
      o.time = s.tied_times ? *rc::gen::inRange<uint64_t>(0, 8) : static_cast<uint64_t>(i);
      b.orders.push_back(std::move(o));
    }
    int nc = n == 0 ? 0 : *rc::gen::inRange(0, s.max_cancels + 1);
    for (int i = 0; i < nc; ++i) {
      Cancel c;
      c.id = numbered('c', i);
      c.target = numbered('o', *rc::gen::inRange(0, n));
      c.orders_before = static_cast<uint32_t>(*rc::gen::inRange(0, n + 1));
      c.time = s.tied_times ? *rc::gen::inRange<uint64_t>(0, 8) : c.orders_before;
      b.cancels.push_back(std::move(c));
    }
    return b;
  });
}

}  // namespace wattle::market::testing
