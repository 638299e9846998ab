// Owner netting: an owner's buys and sells in one slot cancel.
//
// Promise: net_owners() lowers the per-order energies it is given (what each
// order still brings to the community or the grid) so that no owner keeps
// energy on both sides: per owner, min(sum of its buys, sum of its sells) is
// taken from its buy orders and, equally, from its sell orders, each in
// ascending id order. That energy is used at home where it is produced, so it
// is neither traded nor billed (docs/market.md, "Owners"). Orders without an
// owner are untouched. Community pricing nets whole orders before pricing;
// the grid closing (clearing_builder.h) nets what a mechanism left unfilled.
//
// Cost: one hash pass over the owned orders with energy left, reusing
// `scratch`; only the orders whose owner may hold both sides (a hash match)
// are then sorted and netted by exact owner name. Pure.
#pragma once

#include <cstdint>
#include <vector>

#include "market/book/book.h"

namespace wattle::market {

struct NettingScratch {
  std::vector<uint32_t> slots;  // open addressing: owner hash (0 = empty)
  std::vector<uint8_t> sides;   // per slot: 1 = has a buy, 2 = has a sell
  std::vector<uint32_t> both;   // orders whose owner hash has both sides
};

// `energy[i]` is order i's energy (energy.size() == book.orders.size()).
// Returns true if any energy was netted.
bool net_owners(const Book& book, std::vector<int64_t>& energy, NettingScratch& scratch);

}  // namespace wattle::market
