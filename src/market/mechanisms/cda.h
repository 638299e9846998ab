// `cda`: continuous double auction with price-time priority (NRGcoin [73]).
//
// Rule: the book's orders and cancels are applied to an OrderBook
// (order_book.h) in `time` order (ties by position, book_events.h): an
// incoming order trades against the best resting orders (best price, then
// earliest) at the resting order's price while they cross; the rest rests; a
// cancel removes what is left of its target if it is resting (a cancel of an
// order that already traded in full, or has not arrived yet, does nothing).
// Trades are listed in the order they happen. No clearing price. No params.
//
// Guarantees (tested in cda_test.cpp): no over-fill; individual rationality
// (the resting price lies between both limits); budget balance to the
// micro-unit (surplus only from rounding); price-time priority; the book is
// never crossed after a step. Pure, integer-only, O(n log n).
#pragma once

#include "market/book/book.h"

namespace wattle::market {

Result<Clearing> clear_cda(const Book& book, const Params& params);

}  // namespace wattle::market
