// Merit order and the welfare-maximal allocation every call auction starts from.
//
// Promise: buys sorted by price descending, sells ascending, ties by `time`
// then index in Book::orders (the book's priority rule). The greedy walk down
// both lists trades every unit whose buy limit is >= its sell limit, which is
// the largest volume among the allocations of maximal welfare
// (sum of energy x (buy limit - sell limit)); any unit left out would have a
// buy limit below its seller's limit. Pure, integer-only; O(n) passes of a
// radix sort on prices (bounded integers), so clearing 1M orders costs less
// than one comparison sort of their prices.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "market/book/book.h"

namespace wattle::market {

// An order's place in the merit order, with the fields the walk needs, so
// clearing streams through compact arrays instead of the book.
struct Ranked {
  uint32_t order = 0;  // index into Book::orders
  Price price;
  Energy energy;
};

struct MeritOrder {
  std::vector<Ranked> buys;   // best (highest) price first
  std::vector<Ranked> sells;  // best (lowest) price first
};

// Reusable buffers of merit_order_into's radix sort: a caller clearing slot
// after slot keeps one, so steady state allocates nothing.
struct MeritScratch {
  struct Packed {
    uint64_t key_index;  // price key << 21 | index
    int64_t energy;
  };
  std::vector<Packed> buys, sells, tmp;
};

// All orders of the book, or only `candidates` (indices, any order).
MeritOrder merit_order(const Book& book);
// The same into `out`, reusing its capacity and the scratch's.
void merit_order_into(const Book& book, MeritScratch& scratch, MeritOrder& out);
MeritOrder merit_order(const Book& book, std::span<const uint32_t> candidates);

struct Match {
  uint32_t buy = 0;
  uint32_t sell = 0;
  Energy energy;
  Price buy_limit;
  Price sell_limit;
};

struct Allocation {
  std::vector<Match> matches;  // in merit order: best pair first
  Energy volume;
  // Limits of the last buyer and seller that trade (the marginal pair); empty
  // when nothing trades. marginal_sell <= marginal_buy.
  std::optional<Price> marginal_buy;
  std::optional<Price> marginal_sell;
  // The market-clearing range [range_lo, range_hi] (set when something
  // trades): the prices at which every order with a limit strictly better
  // than the price is filled in full and every order strictly worse gets
  // nothing, given this allocation. lo = max(marginal ask, first bid left
  // with energy), hi = min(marginal bid, first ask left with energy); an order
  // partly filled is itself "left with energy", which pins the price to its
  // limit. range_lo <= range_hi.
  Price range_lo;
  Price range_hi;
};

// The greedy walk of the header comment.
Allocation welfare_max(const MeritOrder& mo);
// The same into `out`, reusing out.matches' capacity.
void welfare_max_into(const MeritOrder& mo, Allocation& out);

// The uniform market-clearing price: range_lo + floor(k * (range_hi -
// range_lo) / 1e6). Requires a non-empty allocation.
Price clearing_price(const Allocation& a, int64_t k_millionths);

// The k-rule: sell + floor(k * (buy - sell) / 1e6), k in millionths (0..1e6),
// so sell <= price <= buy. Requires sell <= buy.
Price k_price(Price buy, Price sell, int64_t k_millionths);

inline constexpr int64_t kMillion = 1'000'000;

}  // namespace wattle::market
