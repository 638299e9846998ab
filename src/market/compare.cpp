#include "market/compare.h"

#include <fmt/format.h>

#include <algorithm>

#include <map>
#include <optional>

#include "market/clearing/merit_order.h"
#include "market/clearing/owner_sums.h"
#include "market/registry.h"

namespace wattle::market {

namespace {

// micro-units -> "1.2345" (tokens, truncated toward zero to 4 decimals).
std::string tokens(int64_t micro) {
  const char* sign = micro < 0 ? "-" : "";
  uint64_t m = micro < 0 ? 0 - static_cast<uint64_t>(micro) : static_cast<uint64_t>(micro);
  return fmt::format("{}{}.{:04}", sign, m / 1'000'000, (m % 1'000'000) / 100);
}

// Wh -> "12.345" kWh, exact.
std::string kwh(int64_t wh) {
  return fmt::format("{}.{:03}", wh / 1000, wh % 1000);
}

// Price in micro-units/kWh -> tokens/kWh with 4 decimals.
std::string price(int64_t p) {
  return tokens(p);
}

__int128 welfare(const Book& book, const std::vector<Trade>& trades) {
  __int128 w = 0;
  for (const Trade& t : trades)
    if (t.buy != kGrid && t.sell != kGrid && t.buy < book.orders.size() &&
        t.sell < book.orders.size())
      w += static_cast<__int128>(t.energy.value()) *
           (book.orders[t.buy].price.value() - book.orders[t.sell].price.value());
  return w;
}

std::string share(__int128 w, __int128 max) {
  if (max <= 0) return "n/a";
  __int128 permille = w * 1000 / max;  // truncated toward zero
  const char* sign = permille < 0 ? "-" : "";
  int64_t a = static_cast<int64_t>(permille < 0 ? -permille : permille);
  return fmt::format("{}{}.{}%", sign, a / 10, a % 10);
}

// The prices of trades between orders (grid trades are at the tariffs).
std::string prices(const Clearing& c) {
  if (c.clearing_price) return price(c.clearing_price->value());
  std::optional<int64_t> lo, hi;
  for (const Trade& t : c.trades) {
    if (t.buy == kGrid || t.sell == kGrid) continue;
    lo = std::min({lo.value_or(t.sell_price.value()), t.buy_price.value(), t.sell_price.value()});
    hi = std::max({hi.value_or(t.buy_price.value()), t.buy_price.value(), t.sell_price.value()});
  }
  if (!lo) return "-";
  return *lo == *hi ? price(*lo) : price(*lo) + ".." + price(*hi);
}

// The welfare of the welfare-maximal allocation of the book.
__int128 max_welfare(const Book& book) {
  std::vector<Trade> t;
  for (const Match& m : welfare_max(merit_order(book)).matches)
    t.push_back(Trade{m.buy, m.sell, m.energy, Price(0), Price(0)});
  return welfare(book, t);
}

// Each owner's net payment (paid - received) per mechanism, one row per owner.
std::string owner_table(
    const std::vector<std::pair<std::string, std::vector<OwnerTotals>>>& per_owner) {
  std::string out;
  std::map<std::string, std::vector<std::string>> rows;
  for (size_t k = 0; k < per_owner.size(); ++k)
    for (const OwnerTotals& o : per_owner[k].second) {
      auto& row = rows[o.owner];
      row.resize(per_owner.size(), "0.0000");
      row[k] = tokens(o.paid.value() - o.received.value());
    }
  out += "\nnet payment per owner (tokens; negative = receives):\n";
  out += fmt::format("{:<16}", "owner");
  for (const auto& [name, totals] : per_owner) out += fmt::format(" {:>16}", name);
  out += "\n";
  for (auto& [owner, row] : rows) {
    row.resize(per_owner.size(), "0.0000");
    out += fmt::format("{:<16}", owner.size() > 16 ? owner.substr(0, 15) + "~" : owner);
    for (const std::string& cell : row) out += fmt::format(" {:>16}", cell);
    out += "\n";
  }
  return out;
}

}  // namespace

std::string compare_table(const Book& book, const Params& params) {
  std::string out;
  if (Status st = validate(book); !st) return "cannot compare: " + st.message() + "\n";
  const __int128 max_w = max_welfare(book);
  int64_t supply = 0, demand = 0;
  for (const Order& o : book.orders) (o.side == Side::kBuy ? demand : supply) += o.energy.value();
  out += fmt::format("{} orders: demand {} kWh, supply {} kWh", book.orders.size(), kwh(demand),
                     kwh(supply));
  for (const auto& [k, v] : params.values) out += fmt::format(", {}={}", k, v);
  out += "\nmoney in tokens, prices in tokens/kWh\n\n";
  // The grid-only baseline: every household buys from and sells to the grid
  // at the tariffs (rounded as make_clearing rounds grid trades).
  const int64_t grid_buy = params.get("grid_buy", -1), grid_sell = params.get("grid_sell", -1);
  const bool baseline = grid_buy >= 0 && grid_sell >= 0;
  __int128 base_cost = 0;
  if (baseline) {
    const __int128 pay = static_cast<__int128>(demand) * grid_buy,
                   get = static_cast<__int128>(supply) * grid_sell;
    base_cost = (pay + 999) / 1000 - get / 1000;
    out += fmt::format("grid-only baseline: households pay {} net (buy at {}, sell at {})\n",
                       tokens(static_cast<int64_t>(base_cost)), price(grid_buy), price(grid_sell));
  }
  out += fmt::format("{:<16} {:>10} {:>17} {:>11} {:>11} {:>10} {:>10} {:>8} {:>10}\n", "mechanism",
                     "volume kWh", "price(s)", "buyers pay", "sellers get", "grid net", "surplus",
                     "welfare", "vs grid");
  std::vector<std::pair<std::string, std::vector<OwnerTotals>>> per_owner;
  bool owners = false;
  for (const Order& o : book.orders) owners = owners || !o.owner.empty();
  for (const MechanismInfo& m : mechanisms()) {
    Params own;
    for (const ParamSpec& s : m.params)
      if (params.has(s.name)) own.values[s.name] = params.values.at(s.name);
    Result<Clearing> r = clear(m.name, book, own);
    if (!r) {
      out += fmt::format("{:<16} error: {}\n", m.name, r.status().message());
      continue;
    }
    const Totals& t = r->totals;
    // Households' net cost against the baseline: negative = they save.
    const std::string vs =
        baseline ? tokens(static_cast<int64_t>(static_cast<__int128>(t.buyers_pay.value()) -
                                               t.sellers_get.value() - base_cost))
                 : "-";
    out += fmt::format("{:<16} {:>10} {:>17} {:>11} {:>11} {:>10} {:>10} {:>8} {:>10}\n", m.name,
                       kwh(t.energy.value()), prices(*r), tokens(t.buyers_pay.value()),
                       tokens(t.sellers_get.value()), tokens(t.grid_net.value()),
                       tokens(t.surplus.value()), share(welfare(book, r->trades), max_w), vs);
    if (owners) per_owner.emplace_back(m.name, owner_totals(book, *r));
  }
  out +=
      "\nvolume: energy traded between households (grid trades excluded); welfare: gains from\n"
      "trade at the orders' limits as a share of the maximum (the welfare-maximal allocation);\n"
      "vs grid: households' net cost (buyers pay - sellers get) minus the grid-only baseline's,\n"
      "negative = saving (with grid_buy/grid_sell every unfilled order trades with the grid)\n";
  if (!per_owner.empty()) out += owner_table(per_owner);
  return out;
}

}  // namespace wattle::market
