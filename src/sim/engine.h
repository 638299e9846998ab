// The fast-mode simulation loop: households -> orders -> clearing -> bills.
//
// Per day: (1) every household's load, PV, battery dispatch and order for each
// of the 96 slots (households in parallel); (2) each slot cleared by the
// MarketBackend (slots in parallel); (3) fills booked to each household's bill
// and the adaptive agents (ZIP, battery agent) learn from the day's prices
// (households in parallel). Agents therefore act on information up to the
// previous day, which keeps the slots of one day independent; that is the
// modelling choice that lets a year of 10,000 households use both cores.
//
// Promise: the result is a pure function of (scenario, backend): same seed,
// same output, whatever the number of threads. Money and energy booked to
// bills are integers (micro-units, Wh); physical flows are floats.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/market_adapter.h"
#include "sim/scenario.h"

namespace wattle::sim {

struct HouseholdTotals {
  std::string group;
  AgentKind agent = AgentKind::kTruthful;
  double load_wh = 0;
  double pv_wh = 0;
  int64_t import_wh = 0;      // from the grid
  int64_t export_wh = 0;      // to the grid
  int64_t p2p_bought_wh = 0;  // from other households
  int64_t p2p_sold_wh = 0;    // to other households
  // With certificates on: the import matched by certificates of the same
  // slot (docs/certificates.md); metered import = import_wh + p2p_bought_wh.
  int64_t cert_matched_wh = 0;
  int64_t cost = 0;           // net bill with the market, micro-units (negative: earned)
  int64_t baseline_cost = 0;  // net bill with the grid only
  // Battery flows (Wh, at the household's side of the battery): charged,
  // discharged, of the charge the part drawn from the market (no own surplus
  // in that slot; only with grid_charging), and conversion losses.
  double battery_charge_wh = 0;
  double battery_discharge_wh = 0;
  double battery_market_charge_wh = 0;
  double battery_loss_wh = 0;
};

struct SlotRecord {
  double load_wh = 0;
  double pv_wh = 0;
  int64_t p2p_wh = 0;
  int64_t import_wh = 0;
  int64_t export_wh = 0;
  int64_t p2p_value = 0;  // micro-units paid by P2P buyers
  std::optional<int64_t> clearing_price;
  double welfare = 0;
  double welfare_max = 0;
  int orders = 0;
  // The energy that could have been traded locally: the smaller of the
  // slot's offered (sell orders) and wanted (buy orders) energy.
  int64_t local_possible_wh = 0;
  // Grid import of the grid-only baseline (self-consumption batteries).
  int64_t baseline_import_wh = 0;
  // Community battery flows in the slot and state of charge at its end.
  double battery_charge_wh = 0;
  double battery_discharge_wh = 0;
  double battery_loss_wh = 0;
  double battery_soc_wh = 0;
};

// A household-to-household trade (chain mode reads the same from the node).
struct TradeRecord {
  int slot = 0;  // from the scenario's start
  uint32_t buyer = 0, seller = 0;
  int64_t energy_wh = 0, buy_price = 0, sell_price = 0;
  bool operator==(const TradeRecord&) const = default;
};

// A household's bill for one slot, under the chain's settlement rules.
struct BillRecord {
  int slot = 0;
  uint32_t household = 0;
  market::SlotBill bill;
  bool operator==(const BillRecord&) const = default;
};

struct RunOptions {
  int threads = 0;  // 0: one per hardware thread
  bool keep_slots = true;
  bool keep_ledger = false;  // fill RunResult::trades and ::bills
  std::function<void(int day_done, int days)> progress;
};

struct RunResult {
  std::string mechanism;
  std::vector<HouseholdTotals> households;
  std::vector<SlotRecord> slots;  // empty unless keep_slots
  // Community per-slot aggregates the KPIs need even without keep_slots.
  double peak_import_wh = 0;
  double baseline_peak_import_wh = 0;
  int64_t total_local_possible_wh = 0;
  double total_welfare = 0;
  double total_welfare_max = 0;
  int64_t total_p2p_value = 0;
  int64_t household_slots = 0;
  std::vector<double> slot_prices;  // mean P2P price of each slot that traded, micro-units/kWh
  // A market tree: energy each market matched over the run, by market index
  // (what stayed at that level); empty for a flat market.
  std::vector<int64_t> level_traded_wh;
  // With keep_ledger: every trade, slot by slot in the clearing's order, and
  // every bill (chain rules only), slot by slot in arrival order.
  std::vector<TradeRecord> trades;
  std::vector<BillRecord> bills;
};

// Micro-units per kWh from tokens per kWh (rounded to the nearest).
int64_t to_micro(double tokens_per_kwh);

Result<RunResult> run_scenario(const Scenario& s, const MarketBackend& market,
                               const RunOptions& opts = {});

}  // namespace wattle::sim
