// The energy module's typed queries over a committed state (docs/market.md,
// "Queries"): the records behind GET /v1/market/... and the account order
// and bill routes, whose JSON views live in rpc/market_json.h.
//
// Every function returns kNoMarket on a chain without a market section
// (`m` null) and kCorruption for a record that does not decode.
#pragma once

#include <optional>
#include <vector>

#include "chain/application.h"
#include "chain/module.h"
#include "chain/state.h"
#include "modules/energy/market_params.h"
#include "modules/energy/market_state.h"
#include "modules/energy/sealed_orders.h"

namespace wattle::modules {

// The market parameters of the chain whose modules are `set`; null without a market.
const MarketParams* market_params(const chain::ModuleSet& set);

Result<std::optional<SlotRecord>> market_slot(const chain::StateReader& state,
                                              const MarketParams* m, uint64_t slot);
Result<MarketAccount> market_account(const chain::StateReader& state, const MarketParams* m,
                                     const Address& address);
Result<std::optional<Bill>> market_bill(const chain::StateReader& state, const MarketParams* m,
                                        const Address& address, uint64_t slot);

// The same over an application's committed state.
Result<std::optional<SlotRecord>> market_slot(const chain::Application& app, uint64_t slot);
Result<MarketAccount> market_account(const chain::Application& app, const Address& address);
Result<std::optional<Bill>> market_bill(const chain::Application& app, const Address& address,
                                        uint64_t slot);

// A slot as the API shows it: its status (for a slot no order ever named,
// the one the head's time gives it), its record, and, while it is open, its
// book so far.
struct SlotView {
  SlotStatus status = SlotStatus::kOpen;
  SlotRecord record;
  std::vector<BookEntry> open_orders;
  std::optional<SealedSummary> sealed;  // its pending sealed orders, if any
  // With a market tree: the leaf of each order's owner (of open_orders when
  // open, else of record.book), by its current membership; nullopt for an
  // owner in no leaf. Empty on a flat market.
  std::vector<std::optional<uint32_t>> order_markets;
};
Result<SlotView> market_slot_view(const chain::StateReader& state, const MarketParams* m,
                                  uint64_t slot, uint64_t head_time_ms);

// An account's open orders with their slots' status.
struct AccountOrder {
  Hash256 id;
  OrderRecord order;
  SlotStatus status = SlotStatus::kOpen;
};
Result<std::vector<AccountOrder>> account_orders(const chain::StateReader& state,
                                                 const MarketAccount& account);

}  // namespace wattle::modules
