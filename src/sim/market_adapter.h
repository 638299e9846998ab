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
// sellers down); the outcome is a pure function of the orders, so slots may
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
  int64_t amount = 0;   // paid (buyer) or received (seller), micro-units, >= 0
};

struct SlotOutcome {
  std::vector<SlotFill> fills;  // one per order, same order
  std::optional<int64_t> clearing_price;
  int64_t p2p_wh = 0;
  int64_t p2p_value = 0;   // sum of what P2P buyers pay, micro-units (for mean prices)
  double welfare = 0;      // gains from trade at the orders' limits, micro-units
  double welfare_max = 0;  // the welfare-maximal allocation's
};

struct Tariffs {
  int64_t grid_buy = 0;  // micro-units per kWh
  int64_t grid_sell = 0;
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
  // Convenience: fresh buffers, a fresh outcome.
  Result<SlotOutcome> clear_slot(std::span<const SlotOrder> orders) const {
    SlotOutcome out;
    Status st = clear_slot(orders, nullptr, out);
    if (!st.is_ok()) return st;
    return out;
  }
};

// Fast mode: the market library in-process. Checks the mechanism and its
// parameters once (out of range; with `strict`, also keys the mechanism does
// not declare) and fails with the library's message. Without `strict`, keys
// meant for other mechanisms are dropped (one scenario, `--mechanism all`).
Result<std::unique_ptr<MarketBackend>> make_fast_market(
    const std::string& mechanism, const std::vector<std::pair<std::string, int64_t>>& params,
    const Tariffs& tariffs, bool strict);

// Every mechanism name the library offers, in its display order.
std::vector<std::string> mechanism_names();

}  // namespace wattle::sim
