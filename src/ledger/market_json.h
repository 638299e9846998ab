// The market's JSON views (issue 15): what GET /v1/market/... and
// /v1/accounts/{addr}/orders|bills/{slot} return and `wattle query slot|bill`
// print. One definition here, so the API and the CLI cannot drift.
//
// Amounts are integers (micro-units, Wh, micro-units/kWh); ids are hex.
// Pure functions of the records passed in.
#pragma once

#include <nlohmann/json.hpp>

#include "ledger/market_params.h"
#include "ledger/market_state.h"

namespace wattle::ledger {

// {"slot", "status": "open"|"closed"|"settled", "gate_ms", "settle_ms",
//  "orders": [...], "clearing_price": int|null, "trades": [...], "surplus"}.
// Open slots list `open_orders` (the book so far); closed and settled ones
// their cleared book with each order's fill.
nlohmann::json slot_json(const MarketParams& m, uint64_t slot, SlotStatus status,
                         const SlotRecord& rec, const std::vector<BookEntry>& open_orders);

// {"address", "escrow", "debt", "meter": hex|null, "orders": [{"id", "slot",
//  "side", "energy_wh", "price", "escrow", "status"}]}.
struct AccountOrder {
  Hash256 id;
  OrderRecord order;
  SlotStatus status = SlotStatus::kOpen;
};
nlohmann::json account_orders_json(const Address& a, const MarketAccount& ma,
                                   const std::vector<AccountOrder>& orders);

// {"address", "slot", "bought_wh", "sold_wh", "import_wh", "export_wh",
//  "deviation_wh", "p2p_paid", "p2p_received", "grid_paid", "grid_received",
//  "grid_fee", "tax", "net", "reading": "posted"|"missing", "debt_added"}.
nlohmann::json bill_json(const Address& a, uint64_t slot, const Bill& b);

}  // namespace wattle::ledger
