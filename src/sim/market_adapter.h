// The simulator's only door into the market library (src/market): one slot's
// orders in, per-household fills and grid settlement out.
//
// Why a door: everything that depends on the market library's API lives in
// market_adapter.cpp, so a change of the library touches one file. It is also
// the seam for chain mode: a backend that places the same orders through a
// node and reads trades back implements MarketBackend too.
//
// Promise (FastMarket): integer money and energy (Wh, micro-units per kWh);
// each household is its order's `owner`; every Wh of an order is settled,
// with another household (P2P, at the mechanism's prices) or with the grid,
// which the library closes (`grid_buy`/`grid_sell` = the scenario's tariffs,
// counterparty kGrid; one rounding per order over all its trades, buyers up,
// sellers down). With chain rules (make_fast_market's `chain_rules`), the
// library gets exactly the mechanism's parameters, as the chain's gate
// closure does, and every filled order is billed by market::settle_bill
// against a meter that measured exactly the order (the chain's settlement);
// an order with no fill is not billed and trades its energy with the grid at
// the tariffs. Either way the outcome is a pure function of the orders, so slots may
// clear concurrently (clear_slot is const and thread-safe). With a scratch
// from make_scratch() kept per thread and an outcome reused from slot to
// slot, clearing allocates nothing per order in steady state
// (market::ClearingWorkspace + clear_into; the book is reused too).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "market/settlement/bill.h"

namespace wattle::sim {

struct SlotOrder {
  uint32_t household = 0;
  bool sell = false;
  int64_t energy_wh = 0;  // > 0
  int64_t price = 0;      // limit, micro-units per kWh, >= 0
  uint64_t time = 0;      // arrival order within the slot (continuous mechanisms)
};

struct SlotFill {
  int64_t p2p_wh = 0;   // traded with other households
  int64_t grid_wh = 0;  // imported (buyer) or exported (seller) through the grid
  int64_t amount = 0;   // paid (buyer) or received (seller) in all, micro-units
};

// Chain rules: the bill of an order that filled (the household's, for the slot).
struct OrderBill {
  uint32_t order = 0;  // index into the slot's orders
  market::SlotBill bill;
};

// A trade between two households, as indices into the slot's orders.
struct SlotTrade {
  uint32_t buy = 0, sell = 0;
  int64_t energy_wh = 0;
  int64_t buy_price = 0, sell_price = 0;  // micro-units per kWh
  bool operator==(const SlotTrade&) const = default;
};

struct SlotOutcome {
  std::vector<SlotFill> fills;    // one per order, same order
  std::vector<SlotTrade> trades;  // household-to-household trades, in the clearing's order
  std::vector<OrderBill> bills;   // chain rules only: one per filled order, in order
  std::optional<int64_t> clearing_price;
  int64_t p2p_wh = 0;
  int64_t p2p_value = 0;   // sum of what P2P buyers pay, micro-units (for mean prices)
  double welfare = 0;      // gains from trade at the orders' limits, micro-units
  double welfare_max = 0;  // the welfare-maximal allocation's
  // A market tree (tree_market.h): energy matched by each market, by index
  // (what stayed at that level); empty for a flat market.
  std::vector<int64_t> level_traded_wh;
};

struct Tariffs {
  int64_t grid_buy = 0;  // micro-units per kWh
  int64_t grid_sell = 0;
};

// One slot of a day as the engine hands it to MarketBackend::clear_day.
struct DaySlot {
  std::vector<SlotOrder> orders;  // in arrival order
  SlotOutcome outcome;
};

// A backend's per-thread reusable buffers (opaque). Not thread-safe: one per
// thread, used by one backend at a time.
class SlotScratch {
 public:
  virtual ~SlotScratch() = default;
};

class MarketBackend {
 public:
  virtual ~MarketBackend() = default;
  virtual std::string name() const = 0;
  // Buffers for clear_slot (nullptr: the backend needs none).
  virtual std::unique_ptr<SlotScratch> make_scratch() const { return nullptr; }
  // Clears one slot into `out` (its capacity reused). `scratch` comes from
  // this backend's make_scratch(), or is nullptr (then fresh buffers).
  virtual Status clear_slot(std::span<const SlotOrder> orders, SlotScratch* scratch,
                            SlotOutcome& out) const = 0;
  // Backends that must see a whole day at once (chain mode places a day's
  // orders ahead of its gate closures) say so here; the engine then calls
  // clear_day instead of clear_slot.
  virtual bool clears_by_day() const { return false; }
  // Clears the day's slots in order (slots[q] is the q-th quarter hour).
  virtual Status clear_day(std::span<DaySlot> slots) const {
    for (DaySlot& d : slots) WATTLE_RETURN_IF_ERROR(clear_slot(d.orders, nullptr, d.outcome));
    return Status::ok();
  }
  // Convenience: fresh buffers, a fresh outcome.
  Result<SlotOutcome> clear_slot(std::span<const SlotOrder> orders) const {
    SlotOutcome out;
    Status st = clear_slot(orders, nullptr, out);
    if (!st.is_ok()) return st;
    return out;
  }
};

// Fast mode: the market library in-process. With `chain_rules`, the chain's
// settlement (see the top of this file) with those tariffs and exactly
// `params`. Checks the mechanism and its parameters once (out of range; with `strict`, also keys
// the mechanism does not declare) and fails with the library's message. Without `strict`, keys
// meant for other mechanisms are dropped (one scenario, `--mechanism all`).
Result<std::unique_ptr<MarketBackend>> make_fast_market(
    const std::string& mechanism, const std::vector<std::pair<std::string, int64_t>>& params,
    const Tariffs& tariffs, bool strict,
    std::optional<market::SettlementTariffs> chain_rules = std::nullopt);

// From out.trades: each fill's p2p_wh, and the slot's p2p_wh, p2p_value and
// welfare (at the orders' limits).
void tally_trades(std::span<const SlotOrder> orders, SlotOutcome& out);

// Chain rules: sets each fill's grid_wh (what P2P did not cover) and amount:
// a billed order pays -net (buyer) or gets net (seller); an order with no
// bill trades all its energy with the grid at the tariffs.
Status settle_amounts(std::span<const SlotOrder> orders, const market::SettlementTariffs& tariffs,
                      SlotOutcome& out);

// Every mechanism name the library offers, in its display order.
std::vector<std::string> mechanism_names();

}  // namespace wattle::sim
