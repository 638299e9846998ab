// Small helpers to write hand-computed books in tests.
#pragma once

#include <string>

#include "market/book/book.h"

namespace wattle::market::testing {

inline Order buy(std::string id, int64_t wh, int64_t price) {
  Order o;
  o.id = std::move(id);
  o.side = Side::kBuy;
  o.energy = Energy(wh);
  o.price = Price(price);
  return o;
}

inline Order sell(std::string id, int64_t wh, int64_t price) {
  Order o = buy(std::move(id), wh, price);
  o.side = Side::kSell;
  return o;
}

// The order with an owner (book.h: Order::owner).
inline Order owned(Order o, std::string owner) {
  o.owner = std::move(owner);
  return o;
}

// Orders in the given sequence, time = position.
inline Book book_of(std::initializer_list<Order> orders) {
  Book b;
  for (Order o : orders) {
    o.time = b.orders.size();
    b.orders.push_back(std::move(o));
  }
  return b;
}

}  // namespace wattle::market::testing
