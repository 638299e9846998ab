// `uniform`: uniform-price call auction (pay-as-clear) with k-pricing.
//
// Rule: orders in merit order (merit_order.h); the greedy walk trades the
// welfare-maximal volume (every unit whose buy limit >= sell limit). All
// trades clear at one price set by the k-rule on the marginal pair, the last
// buyer (limit b) and last seller (limit s) that trade:
//   price = s + floor(k * (b - s) / 1e6),  k in millionths, default 500000.
// At the marginal price level, earlier `time` (then earlier position) trades
// first. Brooklyn Microgrid; gsy-e "pay as clear".
//
// Guarantees (tested in uniform_test.cpp): no order trades more than its
// energy; individual rationality (every buyer's limit >= price >= every
// seller's limit); budget balance to the micro-unit with surplus >= 0 (only
// rounding remainders, < 1 micro-unit per order); the welfare-maximal volume;
// output independent of line order when times are distinct. Pure, integer-only,
// O(n) plus a radix sort of prices. Ignores cancels.
#pragma once

#include "market/book.h"

namespace wattle::market {

inline constexpr int64_t kDefaultK = 500'000;

// Book must be valid (validate()); param "k" in 0..1e6.
Result<Clearing> clear_uniform(const Book& book, const Params& params);

}  // namespace wattle::market
