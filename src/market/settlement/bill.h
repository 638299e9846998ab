// One trader's bill for one delivery slot: what it traded (the clearing's
// fills) set against what its meter measured, the difference settled with the
// grid, plus grid fees and tax. The one implementation of the settlement
// formulas: the ledger settles slots with it and the community simulator's
// fast mode bills with it, so both modes produce the same bills.
//
// Promise: integer-exact and pure. With deviation = (export - import) -
// (sold - bought):
//   grid_received = floor(deviation * grid_sell / 1000)   if deviation > 0
//   grid_paid     = ceil(-deviation * grid_buy / 1000)    if deviation < 0
//   grid_fee      = ceil(bought * grid_fee / 1000)
//   tax           = ceil((p2p_paid + grid_fee + grid_paid) * tax_bp / 10000)
//   net = p2p_received + grid_received - p2p_paid - grid_paid - grid_fee - tax
// Inputs must be >= 0 (tariffs in micro-units per kWh, tax in basis points);
// a result outside int64 is kOverflow, never a wrapped value.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace wattle::market {

struct SettlementTariffs {
  int64_t grid_buy = 0;   // micro-units per kWh the grid charges for a shortfall
  int64_t grid_sell = 0;  // micro-units per kWh the grid pays for a surplus
  int64_t grid_fee = 0;   // micro-units per kWh of P2P energy, paid by the buyer
  int64_t tax_bp = 0;     // basis points on what the trader pays
};

// What the clearing gave the trader in the slot, summed over its orders.
struct SlotPosition {
  __int128 bought_wh = 0, sold_wh = 0;
  __int128 p2p_paid = 0, p2p_received = 0;  // micro-units
};

struct SlotBill {
  int64_t bought_wh = 0, sold_wh = 0, import_wh = 0, export_wh = 0, deviation_wh = 0;
  int64_t p2p_paid = 0, p2p_received = 0, grid_paid = 0, grid_received = 0;
  int64_t grid_fee = 0, tax = 0, net = 0;
  bool operator==(const SlotBill&) const = default;
};

Result<SlotBill> settle_bill(const SlotPosition& position, int64_t import_wh, int64_t export_wh,
                             const SettlementTariffs& tariffs);

}  // namespace wattle::market
