// Gode and Sunder's (1993) double-auction experiment with zero-intelligence
// traders, for checking agents against the literature (`wattle sim auction`).
//
// Rules as in the paper: single-unit orders; each buyer holds a list of
// redemption values and each seller a list of costs, traded in order (either
// the same list for every trader of a side, or one list per trader);
// a trader picked at random submits a price for its next unit (ZI-C: bid
// uniform on [1, value], ask uniform on [cost, 200]; ZI-U: uniform on
// [1, 200]); a bid enters only if it beats the standing bid, an ask only if it
// beats the standing ask; when the standing bid >= the standing ask they
// trade at the price of the earlier of the two, and all standing orders are
// cancelled. A period ends after `steps_per_period` submissions or when no
// further trade is possible; a session is `periods` periods with fresh units.
//
// Promise: deterministic in the seed; efficiency = realised surplus / maximum
// surplus (from the schedules), averaged over periods and sessions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace wattle::sim {

struct AuctionSchedule {
  std::string market;
  // The same list for every trader of a side (AuctionOptions::traders_per_side
  // traders each), in the order traded ...
  std::vector<int64_t> buyer_values;
  std::vector<int64_t> seller_costs;
  // ... or, when these are non-empty, one list per trader (the number of
  // traders is then the schedule's, and traders_per_side is not used).
  std::vector<std::vector<int64_t>> buyers;
  std::vector<std::vector<int64_t>> sellers;
};

// Reads a schedule CSV in either of two formats (values `;`-separated, in the
// order traded, integers in 1..200):
//   market,side,unit_values_per_trader   one row per side; every trader of
//                                        the side holds the listed units
//   market,side,trader,unit_values       one row per trader (any id, unique
//                                        per market and side)
// `market` selects one market when the file holds several (empty: the file
// must hold exactly one). Errors name the file, line and column.
Result<AuctionSchedule> read_auction_schedule(const std::string& path, const std::string& market);

struct AuctionOptions {
  bool constrained = true;  // ZI-C (true) or ZI-U
  int traders_per_side = 6;
  int periods = 6;
  int sessions = 50;
  int steps_per_period = 2000;
  int64_t price_min = 1;
  int64_t price_max = 200;
  uint64_t seed = 1;
};

struct AuctionResult {
  double efficiency_pct = 0;     // mean over periods
  double mean_price = 0;         // mean trade price over all trades
  double volume = 0;             // mean units traded per period
  double profit_dispersion = 0;  // mean over periods of the RMS deviation of
                                 // traders' profits from their equilibrium profits
  int64_t max_surplus = 0;       // per period
  double equilibrium_price = 0;  // midpoint of the market-clearing price range
  int64_t equilibrium_volume = 0;
};

AuctionResult run_auction(const AuctionSchedule& s, const AuctionOptions& o);

}  // namespace wattle::sim
