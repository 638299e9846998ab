// `average`: the double auction with the average mechanism of Khorasany,
// Mishra and Ledwich (AUPEC 2017, survey [90]), priced where the iterative
// double auction of Majumder et al. (CIASG 2014, survey [85]) settles.
//
// Rule: sells with the lowest asks are allocated to buys with the highest bids
// greedily (ranked by price, ties by id: sequence.h), which trades the
// welfare-maximal volume. Every trade clears at one price: the average
// (midpoint, rounded down) of the interval of competitive prices [lo, hi],
// lo = max(last trading ask, first bid left out), hi = min(last trading bid,
// first ask left out). With limit orders, an iterative auction that raises
// the price while demand exceeds supply and lowers it while supply exceeds
// demand stops anywhere in [lo, hi]; the average of the ends is the reserve
// price "calculated on an average basis". Unlike `uniform`'s k-rule on the
// marginal pair alone, the price also respects the first orders left out, so
// at it no order with a better limit is left unfilled (a competitive
// equilibrium).
//
// Guarantees (tested in average_test.cpp): no over-fill; individual
// rationality; the welfare-maximal volume; competitive: every buy with bid >
// price and every sell with ask < price trades its whole energy; strong budget
// balance (surplus = rounding only); output independent of line order and
// `time`. No parameters. Ignores cancels. O(n log n).
#pragma once

#include "market/book/book.h"

namespace wattle::market {

// Book must be valid (validate()).
Result<Clearing> clear_average(const Book& book, const Params& params);

}  // namespace wattle::market
