// A sample one-slot book of a 20-household community, for `wattle demo` and
// docs: 8 PV prosumers offering their midday surplus (0.5-3 kWh at 60-120k
// micro-units/kWh, below the 250k import tariff and above the 50k feed-in
// tariff) and 12 consumers bidding for 0.4-2.5 kWh at 150-300k. Fixed data,
// no randomness, so the demo prints the same table everywhere.
#pragma once

#include "market/book/book.h"

namespace wattle::market {

Book sample_community_book();

// The tariffs that go with it: import (grid_buy) and feed-in (grid_sell).
inline constexpr int64_t kSampleGridBuy = 250'000;
inline constexpr int64_t kSampleGridSell = 50'000;

}  // namespace wattle::market
