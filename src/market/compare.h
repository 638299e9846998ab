// The `wattle market compare` table: one book cleared by every mechanism.
//
// Promise: text only, integer arithmetic (welfare shares in tenths of a
// percent, money and energy printed from exact micro-units and Wh, truncated
// to the shown decimals). A mechanism that fails on the book gets a row with
// its error instead of figures; the table itself never fails.
//
// Welfare of a clearing = gains from trade between orders at their limits,
// sum of energy x (buyer's limit - seller's limit) over order-to-order trades
// (grid trades add nothing). The maximum is that of the welfare-maximal
// allocation (merit_order.h), so call auctions on the maximal volume show
// 100.0% and mechanisms that ignore prices can show less, even below zero.
#pragma once

#include <string>

#include "market/book/book.h"

namespace wattle::market {

// Each mechanism gets only the keys of `params` it declares.
std::string compare_table(const Book& book, const Params& params);

}  // namespace wattle::market
