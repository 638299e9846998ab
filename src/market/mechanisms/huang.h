// `huang`: McAfee's trade reduction for multi-unit orders, as Huang,
// Scheller-Wolf and Sycara extend it ("Design of a multi-unit double auction
// e-market", Computational Intelligence 18(4), 2002).
//
// Rule: buys ranked by price descending, sells ascending, ties by id
// (sequence.h). The greedy walk of the welfare-maximal volume ends at the
// marginal buyer K and marginal seller L (the last pair that trades). Both are
// excluded; buyers ranked before K trade and each pays b_K per kWh, sellers
// ranked before L trade and each gets s_L per kWh (s_L <= b_K). The side with
// more energy (the long side) is cut to the other side's total equally: every
// order loses the same number of Wh, an order smaller than that cut leaves and
// the cut it could not absorb is shared by the rest; the integer remainder of
// the cut is taken 1 Wh each from the long side's orders in ascending id
// order (sequence.h: ration_equally). Trades pair the two sides in rank
// order. The price gap (b_K - s_L) x volume goes to `surplus`.
//
// Guarantees (tested in huang_test.cpp): no over-fill; individual
// rationality (each trading buyer's limit >= b_K, each trading seller's limit
// <= s_L); weak budget balance: buyers_pay = sellers_get + surplus exactly,
// surplus >= 0 (price gap plus rounding); truthful in price: no single order
// gains by reporting another limit (the prices it faces are set by others,
// and rationing depends on energies and ids only); output independent of line
// order and of `time`. No parameters. Ignores cancels. clearing_price is
// null (two prices). O(n log n).
#pragma once

#include "market/book/book.h"

namespace wattle::market {

// Book must be valid (validate()).
Result<Clearing> clear_huang(const Book& book, const Params& params);

}  // namespace wattle::market
