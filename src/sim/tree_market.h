// The simulator's market through a hierarchy of markets (docs/sim.md,
// "Markets as a tree"): the scenario's [[markets]] tree cleared by the
// market library's clear_tree, the same function the chain clears a tree
// with, each household trading in its group's leaf.
//
// Promise: a pure function of the slot's orders (clear_slot is const and
// thread-safe). Every Wh of an order is settled: P2P at the prices of the
// market that matched it (the buyer also pays the grid fee of every level
// the trade crosses, ceil(E * fee / 1000) per level, as on the chain), the
// rest with the grid at the scenario's tariffs (buyers rounded up, sellers
// down). Each slot's outcome says how much energy each market matched
// (SlotOutcome::level_traded_wh: the energy that stayed at that level).
#pragma once

#include <memory>
#include <vector>

#include "market/hierarchy/market_tree.h"
#include "sim/market_adapter.h"

namespace wattle::sim {

// `household_leaf[h]`: the leaf market of household h (Scenario::
// household_leaves). kInvalidArgument when the tree is invalid or a leaf
// index is not a leaf.
Result<std::unique_ptr<MarketBackend>> make_tree_market(market::MarketTree tree,
                                                        std::vector<uint32_t> household_leaf,
                                                        const Tariffs& tariffs);

}  // namespace wattle::sim
