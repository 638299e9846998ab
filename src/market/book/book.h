// Order books and clearings: the vocabulary every market mechanism shares.
//
// Pure data, integer-only (docs/architecture.md). The same types serve the three
// callers: the `wattle market` CLI (via book_json.h), the ledger (orders from
// signed txs, cleared at slot close) and the simulator (fast mode). Orders are
// referred to by their index in Book::orders, so clearing never copies ids.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/units.h"

namespace wattle::market {

enum class Side : uint8_t { kBuy = 0, kSell = 1 };

struct Location {
  int64_t x = 0;  // metres
  int64_t y = 0;
  bool operator==(const Location&) const = default;
};

struct Order {
  std::string id;
  Side side = Side::kBuy;
  Energy energy;      // > 0 Wh: what a buyer wants or a seller offers
  Price price;        // >= 0 limit, micro-units per kWh (ignored by community pricing)
  uint64_t time = 0;  // arrival order for priority rules; ties broken by index
  std::optional<Location> location;
  std::optional<int64_t> green_pct;  // 0..100
  // Who places the order (a household or account address), 1..64 bytes;
  // empty = an owner of its own. Orders of one owner never trade with each
  // other in any mechanism (clearing_builder.h: self-trade prevention), and
  // community pricing nets an owner's buys and sells.
  std::string owner;
  // `preferred` only: owners this order would rather trade with first (each
  // 1..64 bytes, at most kMaxPartners, never the order's own owner).
  std::vector<std::string> partners;
  // `preferred` only, buy orders: trade first with sell orders of green_pct 100.
  bool require_green = false;
};

inline constexpr size_t kMaxOwnerLength = 64;
inline constexpr size_t kMaxPartners = 16;

// Removes a resting order; only continuous mechanisms apply cancels.
struct Cancel {
  std::string id;
  std::string target;  // id of the order to cancel
  uint64_t time = 0;
  // How many orders precede this cancel in the input: breaks ties in `time`
  // by position (an order and a cancel with equal time apply in file order).
  uint32_t orders_before = 0;
};

struct Book {
  std::vector<Order> orders;
  std::vector<Cancel> cancels;
};

// Limits a book must respect (bounded everything). Checked by validate().
struct BookLimits {
  size_t max_entries = 2'000'000;         // orders + cancels
  int64_t max_energy_wh = 1'000'000'000;  // 1 GWh per order
  int64_t max_price = 1'000'000'000'000;  // 1e6 tokens per kWh
  size_t max_id_length = 64;
  int64_t max_coordinate_m = 100'000'000;  // |x|, |y| of a location (keeps distances in int64)
  // Bounds on the book's totals so every valid book clears with every
  // mechanism without leaving int64: each side's energy, and each side's
  // money at its limits (sum of energy x price / 1000, in micro-units). With
  // tariffs up to kMaxTariff, grid trades stay below 1e12 Wh x 1e9 / 1e3, and
  // community pricing's exact formulas fit its 256-bit arithmetic.
  int64_t max_side_energy_wh = 1'000'000'000'000;      // 1 TWh per side and slot
  int64_t max_side_money = 1'000'000'000'000'000'000;  // 1e18 micro-units per side
  // JSON reader only: the largest book text accepted, in bytes.
  size_t max_input_bytes = 512u << 20;
};

// Largest tariff (grid_buy, grid_sell) and community tariff, micro-units/kWh.
inline constexpr int64_t kMaxTariff = 1'000'000'000;

// Checks ids (non-empty, unique, bounded, not the reserved "grid"), energy > 0,
// price >= 0, maxima, green_pct in 0..100, owner and partners (1..64 bytes,
// not "grid", at most kMaxPartners, none the order's own owner),
// require_green only on buys, each side's totals, cancel targets that exist. The message names the
// entry and field, e.g. `order "b7": energy_wh must be > 0`.
Status validate(const Book& book, const BookLimits& limits = {});

// A counterparty that is not an order: the grid.
inline constexpr uint32_t kGrid = 0xffffffffu;

struct Trade {
  uint32_t buy = kGrid;   // index into Book::orders, or kGrid
  uint32_t sell = kGrid;  // index into Book::orders, or kGrid
  Energy energy;
  Price buy_price;   // what the buyer pays per kWh for this trade
  Price sell_price;  // what the seller gets per kWh for this trade
};

// One row per order that traded: total energy and money paid (buy) or
// received (sell). Rounding rule (one for every mechanism): for each order
// the exact sum of energy_wh * price over its trades is computed in 128 bits
// and divided by 1000 once, buyers rounded up, sellers rounded down, so every
// remainder lands in Totals::surplus and surplus >= 0.
struct Fill {
  uint32_t order = 0;
  Energy energy;
  Money amount;
};

struct Totals {
  Energy energy;       // energy traded between orders (grid trades excluded)
  Energy grid_energy;  // energy traded with the grid (either way)
  Money buyers_pay;    // sum of buy fills
  Money sellers_get;   // sum of sell fills
  Money grid_net;      // what the grid receives minus what it pays
  Money surplus;       // to the declared surplus account: price gaps, rounding
};

struct Clearing {
  std::string mechanism;
  std::optional<Price> clearing_price;  // none for discriminatory mechanisms
  std::vector<Trade> trades;            // continuous mechanisms: in the order they happen
  std::vector<Fill> fills;              // sorted by order index
  Totals totals;
};

// Mechanism parameters as KEY=VALUE integers; each mechanism declares which
// keys it accepts (see registry.h), unknown keys are rejected before clearing.
struct Params {
  std::map<std::string, int64_t> values;
  int64_t get(const std::string& key, int64_t fallback) const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  bool has(const std::string& key) const { return values.count(key) != 0; }
};

}  // namespace wattle::market
