// The energy market's block hooks (docs/market.md, "Clearing" and
// "Settlement"): gate closure in begin_block, settlement in end_block.
//
// Promise: in the first block whose time >= gate(slot) (later with sealed
// orders, sealed_orders.h, or a finality_depth, finality_depth.h), the slot's book is
// cleared with the genesis mechanism and excess escrow returned; in the
// first block whose time >= settle(slot), every account with a fill is
// settled against its meter and the grid and gets a Bill. Both are pure
// functions of the overlay, the block header and the params; they never
// fail on market input (a book the mechanism refuses clears with no
// trades), only on storage errors. Money is conserved:
// balances + escrow - debts is unchanged (the bank's and this module's
// conservation terms, asserted by the executor).
#pragma once

#include <vector>

#include "chain/block.h"
#include "chain/events.h"
#include "chain/state.h"
#include "modules/energy/market_params.h"

namespace wattle::modules {
using namespace ::wattle::chain;

Status market_begin_block(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                          std::vector<Event>* events);
Status market_end_block(StateOverlay& state, const MarketParams& m, const BlockHeader& header,
                        std::vector<Event>* events);

// True when a block at `time_ms` on top of `state` has a gate closure or a
// settlement to run.
Result<bool> market_block_due(const StateReader& state, const MarketParams& m, uint64_t time_ms);

// The market's conservation term: the change of escrow - debts that
// `writes` make over `base` (with the bank's balance term, 0 for every valid
// block). 128-bit: a sum of int64 differences.
Result<__int128> market_value_delta(const StateReader& base, const StateWrites& writes);

// Moves `delta` into (or, negative, out of) the balance of `a` after
// releasing `release` of its market escrow into it, and drops
// `settled_orders` from its open orders. A credit repays debt first; what the
// balance cannot pay becomes debt. Returns the debt added.
Result<Money> settle_delta(StateOverlay& state, const Address& a, __int128 delta, Money release,
                           const std::vector<Hash256>& settled_orders);

// The mechanism's seed for a slot closed by a block whose parent is
// `prev_hash`: the first 8 bytes (little-endian, top bit cleared) of
// BLAKE2b-256("wattle/market-seed" || prev_hash || slot u64 LE). The parent
// is the last block that could still hold orders for the slot, so its hash
// is fixed only once no order can be placed or cancelled.
int64_t market_seed(const Hash256& prev_hash, uint64_t slot);

}  // namespace wattle::modules
