// A random market section for the ledger's property tests: one of the
// mechanisms the chain runs differently (uniform; pay-as-bid; random-pairs,
// which draws the chain's seed; mmr, which trades with the grid inside the
// clearing; cda), with random tax, grid fee and reading limit. Draws from
// RapidCheck, so call it inside a property.
#pragma once

#include <rapidcheck.h>

#include "market_test_util.h"

namespace wattle::chain::testing {

inline MarketParams random_market() {
  MarketParams m = example_market();
  switch (*rc::gen::inRange(0, 5)) {
    case 0:
      break;  // uniform
    case 1:
      m.mechanism = "pay-as-bid";
      m.params = {};
      break;
    case 2:
      m.mechanism = "random-pairs";  // draws randomness: the chain's seed
      m.params = {};
      break;
    case 3:
      m.mechanism = "mmr";  // community pricing: trades with the grid in the clearing
      m.params = {{"grid_buy", m.grid_buy}, {"grid_sell", m.grid_sell}};
      break;
    default:
      m.mechanism = "cda";
      m.params = {};
  }
  m.tax_bp = *rc::gen::inRange<int64_t>(0, 3000);
  m.grid_fee = *rc::gen::inRange<int64_t>(0, 50'000);
  m.max_reading_wh_per_slot = *rc::gen::inRange<int64_t>(1, 20'000);
  return m;
}

}  // namespace wattle::chain::testing
