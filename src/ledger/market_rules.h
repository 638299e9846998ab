// The energy market's tx rules (docs/market.md, "Rules"): escrow formulas
// and the stateful checks and effects of PlaceOrder, CancelOrder,
// RegisterMeter and MeterReading.
//
// Shared by CheckTx and execution, like rules.h: apply_market_tx is the one
// implementation; CheckTx runs it on a throw-away overlay of the committed
// state. Promise: on error the overlay is unchanged (every check precedes
// the first write) and the error carries a stable code; on success the
// sender's account (passed in, nonce not yet bumped) carries any balance
// change and the caller writes it. Integer-only, 128-bit products.
#pragma once

#include <vector>

#include "ledger/account.h"
#include "ledger/block_context.h"
#include "ledger/events.h"
#include "ledger/market_params.h"
#include "ledger/state.h"
#include "ledger/tx.h"

namespace wattle::ledger {

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

// A credit to `address` when the market is on: repays its debt first and
// adds the rest to `balance`. Returns the new balance; kOverflow if it leaves int64.
Result<Money> credit_repaying_debt(StateOverlay& state, const Address& address, Money balance,
                                   Money amount);

bool is_market_tx(const Tx& tx);

}  // namespace wattle::ledger
