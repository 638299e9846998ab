// Turns a mechanism's trades into a complete Clearing: fills and totals.
//
// Every mechanism ends with make_clearing(), so the one rounding rule of
// book.h (per order: exact sum of energy x price, divided by 1000 once;
// buyers and the grid-as-buyer round up, sellers and the grid-as-seller round
// down) and the identity buyers_pay = sellers_get + grid_net + surplus hold
// for all of them by construction. Pure; O(orders + trades).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "market/book/book.h"
#include "market/clearing/owner_netting.h"

namespace wattle::market {

// Before anything else, self-trade prevention (Order::owner): a trade whose
// buyer and seller have the same non-empty owner is re-paired with another
// order-to-order trade u, swapping counterparties, (b, s) + (b2, s2) ->
// (b, s2) + (b2, s), when neither new pair is a self-trade and both new pairs
// cross at their limits (buy limit >= sell limit). Each order keeps its own
// price when both new pairs still pay the seller no more than the buyer pays
// (then fills, money and totals are unchanged by the swap); otherwise both
// new pairs trade at one price, the midpoint of the two trades' buyer prices
// kept within all four limits, so individual rationality and budget balance
// hold (a discriminatory mechanism's pairs change price). Volume no such
// swap can place is cancelled from both orders ("decrement both"): the owner
// would only have traded with itself, so its net position is unchanged (and
// the grid closing nets it). Swapped pairs are appended after the other trades.
// When every trade between orders is cancelled so, make_clearing reports no
// clearing price (nothing traded at it), as for a book that does not cross.
//
// kInvalidArgument if a trade names an order out of range, a buyer on the sell
// side (or vice versa), has energy <= 0, a negative price, or a sell price
// above its buy price; kInternal if an order trades more than its energy;
// kOverflow if a sum leaves int64.
// The self-trade prevention step alone; true if it changed `trades`.
bool prevent_self_trades(const Book& book, std::vector<Trade>& trades);

// The grid as counterparty: every order's energy left unfilled by `trades`
// trades with the grid, buyers at `grid_buy`, sellers at `grid_sell` (when
// given, i.e. >= 0), whatever their limit: households consume and produce the
// energy anyway, and limits only govern trades between orders. First each
// owner's unfilled buys and sells net (owner_netting.h): that energy stays at
// home, neither traded nor billed (e.g. volume cancelled as a self-trade).
// Appended in index order. `scratch` and `netting` (optional) are reused.
void close_with_grid(const Book& book, std::vector<Trade>& trades, int64_t grid_buy,
                     int64_t grid_sell, std::vector<int64_t>* scratch = nullptr,
                     NettingScratch* netting = nullptr);

Result<Clearing> make_clearing(std::string mechanism, const Book& book, std::vector<Trade> trades,
                               std::optional<Price> clearing_price);

// Reusable per-order accounts of make_clearing_into (32 bytes an order).
struct ClearingScratch {
  struct Account {
    __int128 milli = 0;     // exact money sum, Wh x micro-units/kWh
    int64_t energy = 0;     // energy traded
    uint8_t roles = 0;      // traded as buyer (1) and/or seller (2)
    bool overflow = false;  // energy sum left int64: over-filled for sure
  };
  std::vector<Account> accounts;
};

// make_clearing on the trades already in out.trades, writing out.fills and
// out.totals into their existing capacity: a caller that keeps `scratch` and
// `out` from slot to slot allocates nothing in steady state. On error `out`
// is unspecified.
Status make_clearing_into(std::string_view mechanism, const Book& book,
                          std::optional<Price> clearing_price, ClearingScratch& scratch,
                          Clearing& out);

}  // namespace wattle::market
