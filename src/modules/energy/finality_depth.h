// Waiting for depth: the market's clearing on a chain that reorgs
// (docs/market.md, "Waiting for depth").
//
// Promise: with MarketParams::finality_depth = d > 0, a slot that would clear
// in the block at height h (its gate block, or the end of its reveal window)
// clears in the block at height h + d instead, and not before; with d = 0 it
// clears at h and nothing is read or written (the state and its root are
// exactly those of a market without the parameter). The wait is a pure
// function of the state and the block height: one record per waiting slot
// (market_keys::depth_wait) holds h, deleted when the slot clears.
//
// Orders and cancels stay refused from the gate on (they check block time,
// market_rules.h), so the book the clearing sees is the one the gate block
// fixed; settlement, which runs only for cleared slots, waits with it.
#pragma once

#include "chain/block.h"
#include "chain/state.h"
#include "modules/energy/market_params.h"

namespace wattle::modules {

// The depth hook of a slot ready to clear in block `header`: true when it
// clears in this block; false while it waits (the first call records the
// height it became ready at).
Result<bool> depth_gate(chain::StateOverlay& state, const MarketParams& m,
                        const chain::BlockHeader& header, uint64_t slot);

// The height at which a slot ready since `ready_height` clears.
inline uint64_t depth_clear_height(const MarketParams& m, uint64_t ready_height) {
  return ready_height + m.finality_depth;
}

}  // namespace wattle::modules
