// `muda`: MUDA, the multi-unit double auction of Segal-Halevi, Hassidim and
// Aumann ("MUDA: a truthful multi-unit double-auction mechanism", AAAI 2018),
// lottery variant.
//
// Rule: every order is put in the left or right half by a draw from
// splitmix64 seeded with (seed, FNV-1a hash of its id), so the split is
// reproducible from the `seed` parameter and independent of the book's line
// order. Each half's competitive price is computed (sequence.h:
// competitive_price, the midpoint of the interval where its supply meets its
// demand); a half with no buyers, no sellers or no crossing has no price, and
// the other half then trades nothing. Each half then trades at the OTHER half's price p: its buyers
// with limit >= p and sellers with limit <= p take part; the side with less energy trades in full;
// the long side is served in a lottery order (a second draw of the same generator, ties by id),
// each order taking what is left up to its energy. Trades pair the two sides in that order, at p
// for both.
//
// Guarantees (tested in muda_test.cpp): no over-fill; individual rationality;
// strong budget balance inside each half (buyers and sellers face one price),
// so surplus is only the rounding of make_clearing; truthful in price: an
// order's price and its lottery rank do not depend on its own report, which
// only decides whether it takes part; output independent of line order and of
// `time` for a given seed. Parameter `seed` (0..2^63-1, default 0).
// clearing_price is null (one price per half). O(n log n). Ignores cancels.
#pragma once

#include <cstdint>
#include <string>

#include "market/book/book.h"

namespace wattle::market {

// The deterministic generator behind the split: splitmix64 (Steele, Lea,
// Flood 2014), one step from `state`.
uint64_t splitmix64_next(uint64_t& state);

// The two draws of one order: its half and its lottery rank (lower first).
// Exposed so a participant (or a test) can check where an order went.
struct MudaDraw {
  bool right = false;
  uint64_t lottery = 0;
};
MudaDraw muda_draw(uint64_t seed, const std::string& id);

// Book must be valid (validate()).
Result<Clearing> clear_muda(const Book& book, const Params& params);

}  // namespace wattle::market
