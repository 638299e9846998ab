// Turns a mechanism's trades into a complete Clearing: fills and totals.
//
// Every mechanism ends with make_clearing(), so the one rounding rule of
// book.h (per order: exact sum of energy x price, divided by 1000 once;
// buyers and the grid-as-buyer round up, sellers and the grid-as-seller round
// down) and the identity buyers_pay = sellers_get + grid_net + surplus hold
// for all of them by construction. Pure; O(orders + trades).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "market/book.h"

namespace wattle::market {

// kInvalidArgument if a trade names an order out of range, a buyer on the sell
// side (or vice versa), has energy <= 0, a negative price, or a sell price
// above its buy price; kInternal if an order trades more than its energy;
// kOverflow if a sum leaves int64.
Result<Clearing> make_clearing(std::string mechanism, const Book& book, std::vector<Trade> trades,
                               std::optional<Price> clearing_price);

}  // namespace wattle::market
