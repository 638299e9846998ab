// Fills summed per owner: what the chain settles per account address, and
// the per-owner part of `wattle market compare`.
//
// Promise: one row per owner that traded (an order without an owner counts
// as its own owner, named by its id), in ascending name order; sums of that
// owner's fills exactly as make_clearing rounded them (no new rounding).
// Pure; O(fills log owners).
#pragma once

#include <string>
#include <vector>

#include "market/book/book.h"

namespace wattle::market {

struct OwnerTotals {
  std::string owner;
  Energy bought;
  Energy sold;
  Money paid;      // sum of its buy fills
  Money received;  // sum of its sell fills
};

std::vector<OwnerTotals> owner_totals(const Book& book, const Clearing& clearing);

}  // namespace wattle::market
