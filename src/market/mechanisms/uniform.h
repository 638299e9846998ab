// `uniform`: uniform-price call auction (pay-as-clear) with k-pricing.
//
// Rule: orders in merit order (merit_order.h); the greedy walk trades the
// welfare-maximal volume (every unit whose buy limit >= sell limit). All
// trades clear at one market-clearing price chosen by k inside the clearing
// range [lo, hi] (merit_order.h, Allocation::range_lo/hi):
//   lo = max(last trading ask, first bid left with energy),
//   hi = min(last trading bid, first ask left with energy),
//   price = lo + floor(k * (hi - lo) / 1e6),  k in millionths, default 500000.
// At that price every order whose limit is strictly better is filled in full,
// every order strictly worse gets nothing, and only orders at exactly the
// price may be partly filled. (The first pass applied k to the last trading
// pair alone, which could leave an unfilled seller asking less than the price.)
// At the marginal price level, earlier `time` (then earlier position) trades
// first. Brooklyn Microgrid; gsy-e "pay as clear".
//
// Guarantees (tested in uniform_test.cpp): no order trades more than its
// energy; the price clears the market (property vs a reference range);
// individual rationality (every buyer's limit >= price >= every
// seller's limit); budget balance to the micro-unit with surplus >= 0 (only
// rounding remainders, < 1 micro-unit per order); the welfare-maximal volume;
// output independent of line order when times are distinct. Pure, integer-only,
// O(n) plus a radix sort of prices. Ignores cancels.
#pragma once

#include "market/book/book.h"
#include "market/clearing/workspace.h"

namespace wattle::market {

inline constexpr int64_t kDefaultK = 500'000;

// Book must be valid (validate()); param "k" in 0..1e6.
Result<Clearing> clear_uniform(const Book& book, const Params& params);

// The same into caller-owned buffers (workspace.h): the chain's and the
// simulator's hot path, allocation-free in steady state. The book must be
// valid (validate() at admission); params are not range-checked here.
Status clear_uniform_into(const Book& book, const Params& params, ClearingWorkspace& ws,
                          Clearing& out);

}  // namespace wattle::market
