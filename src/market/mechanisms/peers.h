// The peers' mechanisms, so one book can be compared across them all:
//
// `pay-as-offer` — gsy-e's one-sided market (gsy-framework
//   matching_algorithms/pay_as_bid_matching_algorithm.py is its two-sided
//   sibling): buyers in time order (ties by position) take the cheapest
//   offers whose price is at or below their limit (ties: earlier time, then
//   position) and pay the offer's price; the seller gets it.
//
// `preferred` — gsy-e's attributed ("DOF") matching
//   (matching_algorithms/preferred_partners_algorithm.py,
//   attributed_matching_algorithm.py): first, every order with a `partners`
//   list (in time order) trades with the crossing orders of those owners,
//   best price first; then buy orders with `require_green` (in time order)
//   trade only with sell orders whose green_pct is 100, cheapest first;
//   then everything left trades pay-as-bid (merit-order walk). Every trade at
//   the bid, as gsy-e's pay-as-bid does.
//
// `pay-as-clear-gsy` — gsy-e's pay-as-clear exactly as its code does it
//   (gsy-framework matching_algorithms/pay_as_clear_matching_algorithm.py,
//   aggregation algorithm 1): bids sorted by price descending, equal prices
//   the later arrival first (gsy sorts bids with reversed(sorted(...)):
//   gsy_framework/utils.py, sort_list_of_dicts_by_attribute), offers
//   ascending, equal prices the earlier first; D(r) = energy of bids at rate >= r, S(r) = energy of
//   offers at rate <= r. The clearing rate is the lowest bid rate r with S(r) >= D(r), volume D(r);
//   if there is none, the highest bid rate r that some offer meets, volume S(r). Then bids
//   (descending) are matched with offers (ascending) in sequence until that volume is reached, all
//   at the rate. gsy's 1e-8 float tolerance is exact equality with integer prices. Unlike
//   `uniform`, the rate is always a bid rate and the volume the sweep's, so
//   it need not clear the market (docs/market.md compares them).
//
// `random-pairs` — pymarket's random bilateral trading (Blouin & Serrano
//   2001 style): in each of `rounds` rounds, the buyers and sellers with
//   energy left are shuffled (splitmix64 seeded with `seed` and the round)
//   and paired in order; a pair whose bid >= ask (and whose owners differ)
//   trades the smaller remaining energy at the midpoint, buyers paying it
//   rounded up, sellers getting it rounded down.
//
// Guarantees (tested in peers_test.cpp): no over-fill; individual
// rationality; budget balance to the micro-unit (surplus = rounding, and the
// midpoint's half micro-unit); no self-trade (book.h owners). Pure,
// integer-only. All ignore cancels.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "market/book/book.h"

namespace wattle::market {

inline constexpr int64_t kMaxRounds = 10'000;

Result<Clearing> clear_pay_as_offer(const Book& book, const Params& params);
Result<Clearing> clear_preferred(const Book& book, const Params& params);
Result<Clearing> clear_pay_as_clear_gsy(const Book& book, const Params& params);
Result<Clearing> clear_random_pairs(const Book& book, const Params& params);

// gsy-e's clearing point (rate, volume) of the book, or none (no bid or no
// offer, or no offer at or below any bid).
struct GsyClearing {
  Price rate;
  Energy energy;
};
std::optional<GsyClearing> gsy_clearing_point(const Book& book);

// gsy-e's matching sweep alone (_create_bid_offer_matches): `bids` and
// `offers` (indices, in the order given: the mechanism passes them sorted)
// matched in sequence, each match the smaller remaining energy, until the
// matched total reaches `energy`, all at `rate`. Like gsy's, the sweep does
// not look at prices. Exposed so gsy's published test vectors, which force
// the clearing point and the list order, can be reproduced.
std::vector<Trade> gsy_sweep(const Book& book, std::span<const uint32_t> bids,
                             std::span<const uint32_t> offers, Energy energy, Price rate);

}  // namespace wattle::market
