// `two-stage`: a call auction at slot open, then continuous trading [91].
//
// Rule (Zhao et al. 2018, "Integrated Energy Transaction Mechanisms Based on
// Blockchain Technology"): stage 1 is a uniform-price call auction (the
// `uniform` rule, param k) on the orders that arrived with time <= `open` and
// were not cancelled by then; its price is the period's guiding price and is
// reported as clearing_price (null if the call trades nothing). Stage 2: what
// the call left of its orders rests in a continuous order book (it does not
// cross, the call having traded every crossing unit), in price-time priority;
// the later orders and cancels are then applied in time order exactly as in
// `cda`. Trades: the call's, then the continuous ones in the order they happen.
// Param `open`: -1 (default) = the median `time` of the book's orders.
//
// Guarantees (tested in two_stage_test.cpp): no over-fill; individual
// rationality; budget balance to the micro-unit, surplus >= 0; the call stage
// trades the welfare-maximal volume of its orders; the book is uncrossed after
// the call and after every later step. Pure, integer-only.
#pragma once

#include "market/book/book.h"

namespace wattle::market {

Result<Clearing> clear_two_stage(const Book& book, const Params& params);

}  // namespace wattle::market
