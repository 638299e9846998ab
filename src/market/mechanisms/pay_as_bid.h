// `pay-as-bid`: discriminatory call auction on the welfare-maximal volume.
//
// Rule: the same merit-order walk and volume as `uniform` (merit_order.h);
// each matched pair (best remaining buyer with best remaining seller) trades at
// its own k-price: sell_limit + floor(k * (buy_limit - sell_limit) / 1e6).
// Default k = 1000000: the pair trades at the bid, as gsy-e's two-sided
// pay-as-bid market does; k = 0 trades at the ask. Both sides of a trade use
// the same price, so no clearing_price is reported.
//
// Guarantees (tested in pay_as_bid_test.cpp): no over-fill; individual
// rationality per trade (sell limit <= price <= buy limit); budget balance to
// the micro-unit, surplus >= 0 (rounding only); the welfare-maximal volume;
// output independent of line order when times are distinct. Pure, integer-only.
#pragma once

#include "market/book/book.h"

namespace wattle::market {

inline constexpr int64_t kPayAsBidDefaultK = 1'000'000;

Result<Clearing> clear_pay_as_bid(const Book& book, const Params& params);

}  // namespace wattle::market
