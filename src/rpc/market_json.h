// The market's JSON views (docs/market.md): what GET /v1/market/... and
// /v1/accounts/{addr}/orders|bills/{slot} return and `wattle query slot|bill`
// print. One definition here, so the API and the CLI cannot drift; the
// records come from the energy module's typed queries
// (modules/energy/market_queries.h).
//
// Amounts are integers (micro-units, Wh, micro-units/kWh); ids are hex.
#pragma once

#include <nlohmann/json.hpp>

#include "chain/application.h"
#include "modules/energy/market_params.h"
#include "modules/energy/market_queries.h"
#include "modules/energy/market_state.h"

namespace wattle::rpc {
using namespace ::wattle::modules;

// {"slot", "status": "open"|"closed"|"settled", "gate_ms", "settle_ms",
//  "orders": [...], "clearing_price": int|null, "trades": [...], "surplus"}.
// Open slots list `open_orders` (the book so far); closed and settled ones
// their cleared book with each order's fill.
// With `sealed` (an open slot with pending sealed orders): "sealed":
// {"orders", "revealed", "window_opened_at": height|null, "reveal_blocks"}.
// With a market tree (docs/market.md, "A hierarchy of markets"): each order
// has "market" (its owner's leaf, from `order_markets`, or null), each trade
// "market" (the market that matched it) and "grid_fees": [{"market",
// "amount"}] (leaf side first), and "levels" lists every market in genesis
// order: {"market", "parent": name|null, "mechanism", "grid_fee",
// "fee_account", "clearing_price": int|null, "offered_wh", "traded_wh",
// "passed_up_wh", "surplus", "fees"} (fees: what trades paid this level;
// zeros and nulls while the slot is open).
nlohmann::json slot_json(const MarketParams& m, uint64_t slot, SlotStatus status,
                         const SlotRecord& rec, const std::vector<BookEntry>& open_orders,
                         const std::optional<SealedSummary>& sealed = std::nullopt,
                         const std::vector<std::optional<uint32_t>>& order_markets = {});

// One level of a slot view that slot_json built: the same fields, with
// "orders" only those of households in `market`'s subtree (its own leaf
// orders and those its children could pass up), "trades" only those
// `market` matched, "clearing_price" and "surplus" the level's, "market"
// its name and "level" its entry of "levels". nullopt when the view lists
// no such market (a flat market, an unknown name).
std::optional<nlohmann::json> slot_level_json(const nlohmann::json& slot_view,
                                              const std::string& market);

// {"address", "escrow", "debt", "meter": hex|null, "orders": [{"id", "slot",
//  "side", "energy_wh", "price", "escrow", "status"}]}.
// With `sealed`: "sealed": [{"id", "slot", "deposit", "escrow_bound",
// "revealed"}] (the account's sealed orders whose slot's window has not ended).
nlohmann::json account_orders_json(
    const Address& a, const MarketAccount& ma, const std::vector<AccountOrder>& orders,
    const std::vector<std::pair<Hash256, SealedRecord>>& sealed = {});

// {"address", "slot", "bought_wh", "sold_wh", "import_wh", "export_wh",
//  "deviation_wh", "p2p_paid", "p2p_received", "grid_paid", "grid_received",
//  "grid_fee", "tax", "net", "reading": "posted"|"missing", "debt_added"}.
// With a market tree (`m` given and declaring one): "grid_fees":
// [{"market", "amount"}] by level, and net counts them.
nlohmann::json bill_json(const Address& a, uint64_t slot, const Bill& b,
                         const MarketParams* m = nullptr);

// The same views read from an application's committed state; kNoMarket on
// a chain without a market, kNotFound for a bill the account does not have.
Result<nlohmann::json> market_params_json(const chain::Application& app);
Result<nlohmann::json> market_slot_json(const chain::Application& app, uint64_t slot);
Result<nlohmann::json> account_orders_json(const chain::Application& app, const Address& address);
Result<nlohmann::json> bill_json(const chain::Application& app, const Address& address,
                                 uint64_t slot);

}  // namespace wattle::rpc
