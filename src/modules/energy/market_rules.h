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

#include <vector>

#include "chain/account.h"
#include "chain/block_context.h"
#include "chain/events.h"
#include "chain/state.h"
#include "chain/tx.h"
#include "modules/energy/market_params.h"

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

}  // namespace wattle::modules
