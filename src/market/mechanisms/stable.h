// `stable`: stable matching of buyers and sellers (Gale–Shapley deferred
// acceptance) on preferences that combine price, distance and green share,
// as in the energy-trading matching of Yucel, Bulut and Akkaya (survey [82]).
//
// Orders have energies, so this is the stable *allocation* form of
// Gale–Shapley (Baïou and Balinski 2002): a proposer offers all the energy it
// still needs to the best receiver on its list that has not rejected it; a
// receiver holds the offers it likes best up to its own energy and rejects the
// rest, Wh by Wh from its least preferred; a rejected proposer moves down its
// list. Proposers are buyers (`proposer`=0, default, buyer-optimal) or sellers
// (`proposer`=1, seller-optimal). A pair is acceptable only if the buy limit
// >= the sell limit; it trades at the pair's k-rule price
// sell + floor(k·(buy − sell)/1e6), k in millionths (default 500000).
//
// Preferences, as integer scores (lower is better; ties by id ascending):
//   buyer b ranks seller s: w_price·price_s + w_distance·d(b,s)
//                           + w_green·(100 − green_pct_s)
//   seller s ranks buyer b: −w_price·price_b + w_distance·d(b,s)
// d = floor(Euclidean distance in metres), 0 when either order has no
// location; an absent green_pct counts as 0. Defaults: w_price 1 (per
// micro-unit/kWh), w_distance 100 (per metre), w_green 1000 (per percentage
// point), so 1 m costs as much as 100 micro-units/kWh and full green is worth
// 0.1 token/kWh. Buyers' green_pct is not used.
//
// Bounded lists: each proposer's list holds at most `list_len` (default 64)
// acceptable receivers: the best by its full score among the candidates made
// of its `list_len` best by score without distance (a sweep over a set
// ordered by that score) and, when distance counts, its `list_len` nearest
// (a uniform grid searched ring by ring, at most 8·list_len receivers
// examined). A proposer still short of energy at the end of its list fetches
// further candidates: it walks the receivers in base-score order from where
// its last candidate's base score lies, in chunks of 16 x list_len receivers
// (at most `refills` chunks over the run, default 4), and takes the next
// list_len acceptable ones, best first by full score; they replace the list,
// so memory stays bounded by list_len x proposers (kMaxListEntries; a larger
// list_len is refused). With w_distance = 0 this continues the exact
// preference order, so with enough refills every list is exact and complete;
// when the receiving side has at most `list_len` orders the first list is.
//
// Guarantees (tested in stable_test.cpp): no over-fill; individual
// rationality; budget balance (one k-price per pair, surplus = rounding);
// no blocking pair among the pairs on the lists (on complete lists: none at
// all): no buyer and seller who would both rather trade more with each other,
// each having unfilled energy or energy placed with a partner it likes less;
// output independent of line order and `time`. O(n·list_len·log n).
// clearing_price null. Ignores cancels.
#pragma once

#include <cstdint>

#include "market/book/book.h"

namespace wattle::market {

// Bound on list_len x proposers (4 bytes each: 256 MiB).
inline constexpr int64_t kMaxListEntries = int64_t{1} << 26;

struct StableWeights {
  int64_t price = 1;
  int64_t distance = 100;
  int64_t green = 1000;
};

// floor(sqrt(dx² + dy²)) in metres; 0 if either has no location.
int64_t distance_m(const Order& a, const Order& b);

// Score of `other` in the eyes of `self` (lower is better), as above.
__int128 preference_score(const Order& self, const Order& other, const StableWeights& w);

// Book must be valid (validate()); params proposer (0..1), w_price,
// w_distance, w_green (0..1e6), list_len (1..1e5), k (0..1e6).
Result<Clearing> clear_stable(const Book& book, const Params& params);

}  // namespace wattle::market
