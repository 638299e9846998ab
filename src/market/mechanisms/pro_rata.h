// `pro-rata`: "fair share" call auction (Power Ledger style) on the uniform volume.
//
// Rule: the volume Q and the marginal buy and sell limits of `uniform`
// (merit_order.h). Every order strictly better than its side's marginal limit
// trades in full; the orders AT the marginal limit share what is left of Q on
// their side in proportion to their energy, to the Wh:
//   share_i = floor(V * e_i / E)   (V left for the level, E its total energy)
// Remainder rule: the V - sum(share_i) < n leftover Wh go one each to the
// orders with the largest fractional part (V * e_i mod E), ties to the larger
// order, then to the smaller id (byte order). Time plays no part, so the fills
// are the same whatever the order or times of the book's lines. Buyers and
// sellers are then paired in merit order; every trade clears at the uniform
// k-price of the marginal pair (param k, default 500000).
//
// Guarantees (tested in pro_rata_test.cpp): no over-fill; individual
// rationality; budget balance to the micro-unit, surplus >= 0 (rounding only);
// the welfare-maximal volume (equal to uniform's); marginal shares within 1 Wh
// of exact proportionality. Pure, integer-only.
#pragma once

#include "market/book/book.h"

namespace wattle::market {

Result<Clearing> clear_pro_rata(const Book& book, const Params& params);

}  // namespace wattle::market
