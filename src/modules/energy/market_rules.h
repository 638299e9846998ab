// The energy market's tx rules (docs/market.md, "Rules"): escrow formulas
// and the stateful checks and effects of PlaceOrder, CancelOrder,
// RegisterMeter and MeterReading.
//
// Shared by CheckTx and execution: apply_market_tx is the one
// implementation, which the energy module (energy_module.h) runs for both.
// Promise: on error the overlay is unchanged (every check precedes the first
// write, and the executor rolls back anyway) and the error carries a stable
// code; on success the
// sender's account (passed in, nonce not yet bumped) carries any balance
// change and the caller writes it. Integer-only, 128-bit products.
#pragma once

#include <optional>
#include <vector>

#include "chain/account.h"
#include "chain/block_context.h"
#include "chain/events.h"
#include "chain/state.h"
#include "chain/tx.h"
#include "modules/energy/market_params.h"
#include "modules/energy/market_state.h"

namespace wattle::modules {
using namespace ::wattle::chain;

// ceil(x * tax_bp / 10000): the tax on what a household pays.
Result<Money> tax_on(const MarketParams& m, Money x);
// Escrow of a buy order: ceil(E*P/1000) + ceil(E*grid_fee/1000), plus tax on that sum.
Result<Money> buy_escrow(const MarketParams& m, Energy e, Price p);
// Escrow of a sell order: ceil(E*grid_buy/1000) plus tax on it (the most its
// shortfall can cost).
Result<Money> sell_escrow(const MarketParams& m, Energy e);
// What a filled order keeps in escrow after clearing: a buy's fill amount +
// ceil(filled*grid_fee/1000) plus tax; a sell's sell_escrow(filled); never
// more than it holds.
Result<Money> kept_escrow(const MarketParams& m, market::Side side, Energy filled, Money amount,
                          Money held);

// RegisterMeter's checks and effects. `market`, when given, is the leaf the
// household joins (kind 50, market_membership.h); without it a chain with
// several leaf markets refuses the registration (kInvalidArgument).
Status register_meter(StateOverlay& state, const Tx& tx, const RegisterMeter& r,
                      const MarketParams& m, const BlockContext& ctx,
                      std::optional<uint32_t> market = std::nullopt);

// Applies a market payload for `tx` (sender account `sender` as read, nonce
// already checked). `market` null = the chain has no market (kNoMarket).
// Appends kOrderPlaced / kReadingPosted to `events` when not null.
Status apply_market_tx(StateOverlay& state, const Tx& tx, Account& sender,
                       const MarketParams* market, const BlockContext& ctx,
                       std::vector<Event>* events);

// A credit of `amount` to `address` repays its market debt first; returns
// what is left for its balance.
Result<Money> repay_debt(StateOverlay& state, const Address& address, Money amount);

bool is_market_tx(const Tx& tx);

// The checks every new order, public or sealed, passes first: its slot is
// before its gate and within max_slots_ahead (kSlotClosed, kSlotTooFar), the
// account owes no debt (kInDebt) and has room for one more order (kTooLarge).
Status check_new_order(const MarketParams& m, const BlockContext& ctx, uint64_t slot,
                       const MarketAccount& ma);
// The record of a slot that takes orders: created, and listed in the market
// cursor so its gate closure runs, when absent; kSlotClosed once cleared.
Result<SlotRecord> slot_for_orders(StateOverlay& state, uint64_t slot);
// Appends order `id` (record `rec`, whose seq it sets) to its slot's book:
// the order record, the slot's index entry and counts. kTooLarge when the
// slot is full, kSlotClosed when it has cleared; the caller moves the escrow.
Status add_to_book(StateOverlay& state, const Hash256& id, OrderRecord rec);
// The kOrderPlaced event of order `id`.
Event order_placed_event(const BlockContext& ctx, const Hash256& id, uint64_t slot);

}  // namespace wattle::modules
