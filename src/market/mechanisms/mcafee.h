// `mcafee`: McAfee's dominant-strategy double auction as published (R. P.
// McAfee, "A dominant strategy double auction", J. Economic Theory 56(2),
// 1992, 434-450), with every Wh a unit.
//
// Rule: buys ranked by price descending, sells ascending, ties by id
// ascending (sequence.h: the one tie rule at the margin: the smaller id is
// ranked first). Read as unit lists (each order = energy_wh units at its
// limit), b_1 >= b_2 >= ... and s_1 <= s_2 <= ...; k = the largest index with
// b_k >= s_k (the welfare-maximal volume Q in Wh). With b_{k+1}, s_{k+1} the
// limits of the (k+1)-th units (both must exist), p0 = (b_{k+1} + s_{k+1})/2:
//   - if s_k <= p0 <= b_k: all k units trade at p0 (buyers pay p0 rounded up,
//     sellers get it rounded down: a half micro-unit per kWh at most, to
//     surplus);
//   - otherwise (or when b_{k+1} or s_{k+1} does not exist) the k-1 best units
//     of each side trade; buyers pay b_k, sellers get s_k (trade reduction:
//     the k-th unit, i.e. 1 Wh of the marginal orders, is left out), and the
//     gap (b_k - s_k) x (k - 1) goes to surplus.
// Units are taken in rank order, so every order but the marginal ones trades
// all or nothing. Trades pair the two sides in rank order.
//
// Huang, Scheller-Wolf and Sycara's multi-unit reduction, which excludes the
// whole marginal orders, is `huang` (huang.h).
//
// Guarantees (tested in mcafee_test.cpp): no over-fill; individual
// rationality; weak budget balance, surplus >= 0; dominant-strategy truthful
// for single-unit traders (property test on books of 1 Wh orders: no buyer or
// seller gains by reporting another limit); volume Q or Q - 1 Wh. Output
// independent of line order and `time`. No parameters of its own. O(n log n).
#pragma once

#include "market/book/book.h"

namespace wattle::market {

// Book must be valid (validate()).
Result<Clearing> clear_mcafee(const Book& book, const Params& params);

}  // namespace wattle::market
