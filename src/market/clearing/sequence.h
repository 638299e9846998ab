// Shared steps of the mechanisms that must not depend on the order of a book's
// lines: a ranking by (price, id), the crossing of the two ranked lists, and
// pairing two lists of energy quotas into trades in sequence.
//
// Promise: every result depends on the orders' contents (price, energy, id),
// never on their position in Book::orders or on `time`, so a permuted book
// gives the same trades up to the mapping of indices. Ids are unique in a
// valid book, so (price, id) is a strict order. Pure, integer-only.
// Used by mcafee.h, huang.h, muda.h, community.h and average.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "market/book/book.h"

namespace wattle::market {

// Indices of the orders of `side` among `candidates` (or all orders), best
// first: buys by price descending, sells ascending, ties by id ascending.
std::vector<uint32_t> rank_by_price_id(const Book& book, Side side);
std::vector<uint32_t> rank_by_price_id(const Book& book, Side side,
                                       std::span<const uint32_t> candidates);

// The greedy walk down ranked buys and sells that trades every Wh whose buy
// limit >= sell limit (the welfare-maximal volume).
struct Crossing {
  bool traded = false;
  size_t last_buy = 0;   // rank of the last buyer that trades (the marginal buyer)
  size_t last_sell = 0;  // rank of the last seller that trades
  int64_t volume = 0;    // Wh traded by the walk
  // Limits of the first buyer / seller with energy left after the walk (the
  // marginal order itself if it kept some); empty if none is left.
  std::optional<Price> next_buy;
  std::optional<Price> next_sell;
};
Crossing cross(const Book& book, std::span<const uint32_t> buys, std::span<const uint32_t> sells);

// A competitive (Walrasian) price of the ranked lists: the crossing gives the
// interval [lo, hi] of prices at which supply meets demand; the result is
// floor((lo + hi) / 2). With no trade, lo = best bid (or 0) and hi = best ask
// (or lo). No orders: 0.
Price competitive_price(const Book& book, std::span<const uint32_t> buys,
                        std::span<const uint32_t> sells);

struct Quota {
  uint32_t order = 0;  // index into Book::orders, or kGrid
  int64_t wh = 0;      // energy this order trades
};

// Pairs the two lists in sequence ("north-west corner"): the first buy quota
// is filled from the first sell quotas, and so on, every trade at
// (buy_price, sell_price). Stops when either list runs out; zero quotas are
// skipped. O(len(buys) + len(sells)) trades.
void pair_in_sequence(std::span<const Quota> buys, std::span<const Quota> sells, Price buy_price,
                      Price sell_price, std::vector<Trade>& out);

// Cuts the quotas to `target` Wh in total, equally: every quota loses the same
// c Wh (a quota smaller than c leaves, and its unused cut is shared again by
// the rest), c the largest integer that leaves >= target. The excess of that
// integer cut (fewer Wh than quotas still positive) is taken 1 Wh each from
// the positive quotas in ascending id order. Requires 0 <= target <= sum.
void ration_equally(const Book& book, std::vector<Quota>& quotas, int64_t target);

// Sum of the quotas' Wh.
int64_t total_wh(std::span<const Quota> quotas);

}  // namespace wattle::market
