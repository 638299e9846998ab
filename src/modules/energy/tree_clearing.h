// Gate closure through a market tree (docs/market.md, "A hierarchy of
// markets"): the slot's book cleared by market::clear_tree, each order in
// its owner's leaf, and the grid fees each trade owes per level.
//
// Promise: pure functions of (state, params, seed block, book); integer-only.
// The chain's rules on top of the library's:
// - an order belongs to the leaf of its owner (market_membership.h: its
//   kind-50 record, else the tree's only leaf); an order whose owner is in no
//   leaf takes no part: no fill, its escrow returns (placement refuses such
//   orders, market_membership.h require_leaf; this keeps clearing total);
// - a mechanism with a "seed" parameter gets the flat market's seed
//   (market_seed) at every level;
// - the record's clearing_price is the root's, surplus and grid_net are the
//   levels' sums, and `levels` is written only for a tree of several markets
//   or when some fee is charged, so a one-market tree without fees leaves
//   exactly the flat market's record.
// A trade's fees are paid by its buyer (by its seller when the grid buys).
#pragma once

#include <string>
#include <vector>

#include "chain/state.h"
#include "market/book/book.h"
#include "modules/energy/market_params.h"
#include "modules/energy/market_state.h"

namespace wattle::modules {

// Clears `book` (s.book's orders, in the same order) through m.markets
// (non-empty, valid) into s: fills and amounts of s.book, trades, levels,
// prices and totals. Never fails on market input: a level whose mechanism
// refuses its book matches nothing and passes every order up.
Status clear_slot_through_tree(const chain::StateOverlay& state, const MarketParams& m,
                               int64_t seed, const market::Book& book, SlotRecord& s);

// Whether `mechanism` takes a "seed" parameter (the chain then sets it to
// market_seed, flat or per level).
bool mechanism_uses_seed(const std::string& mechanism);

// The grid fees each entry of s.book pays (by book index): what its trades
// owe, summed.
std::vector<Money> fees_by_order(const SlotRecord& s);

// The book index that pays trade `t`'s fees: its buyer, or its seller when
// the grid buys.
uint32_t fee_payer(const SlotTrade& t);

}  // namespace wattle::modules
