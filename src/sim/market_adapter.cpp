#include "sim/market_adapter.h"

#include <algorithm>

#include "core/units.h"
#include "market/merit_order.h"
#include "market/registry.h"

namespace wattle::sim {

namespace {

bool declares(const market::MechanismInfo& m, const std::string& key) {
  return std::any_of(m.params.begin(), m.params.end(),
                     [&](const market::ParamSpec& p) { return p.name == key; });
}

// Welfare in micro-units: energy (Wh) x price gap (micro-units per kWh) / 1000.
double welfare_of(int64_t wh, int64_t buy_limit, int64_t sell_limit) {
  return static_cast<double>(wh) * static_cast<double>(buy_limit - sell_limit) / 1000.0;
}

class FastMarket final : public MarketBackend {
 public:
  FastMarket(const market::MechanismInfo* info, market::Params params, Tariffs t)
      : info_(info), params_(std::move(params)), tariffs_(t) {
    // Mechanisms that guarantee the welfare-maximal volume need no second
    // merit-order walk to know the maximum (saves half the clearing time).
    welfare_maximal_ = std::find(info->properties.begin(), info->properties.end(),
                                 "welfare-maximal volume") != info->properties.end();
  }

  std::string name() const override { return info_->name; }

  Result<SlotOutcome> clear_slot(std::span<const SlotOrder> orders) const override {
    SlotOutcome out;
    out.fills.resize(orders.size());
    if (orders.empty()) return out;
    market::Book book;
    book.orders.resize(orders.size());
    for (size_t i = 0; i < orders.size(); ++i) {
      market::Order& o = book.orders[i];
      o.id = std::to_string(i);  // short: stays in the string's inline buffer
      o.side = orders[i].sell ? market::Side::kSell : market::Side::kBuy;
      o.energy = Energy(orders[i].energy_wh);
      o.price = Price(orders[i].price);
      o.time = orders[i].time;
    }
    // The book is valid by construction (ids unique, energy > 0, price >= 0)
    // and the parameters were checked once in make_fast_market, so the
    // mechanism is called directly rather than through market::clear's
    // per-call validation.
    Result<market::Clearing> r = info_->clear(book, params_);
    if (!r) return r.status();
    const market::Clearing& c = *r;
    out.clearing_price =
        c.clearing_price ? std::optional<int64_t>(c.clearing_price->value()) : std::nullopt;
    std::vector<int64_t> filled(orders.size(), 0);
    for (const market::Fill& f : c.fills) {
      out.fills[f.order].amount = f.amount.value();
      filled[f.order] = f.energy.value();
    }
    for (const market::Trade& t : c.trades) {
      const int64_t e = t.energy.value();
      if (t.buy != market::kGrid && t.sell != market::kGrid) {
        out.fills[t.buy].p2p_wh += e;
        out.fills[t.sell].p2p_wh += e;
        out.p2p_wh += e;
        out.p2p_value += cost(t.energy, t.buy_price, Rounding::kUp).value_or(Money(0)).value();
        out.welfare += welfare_of(e, orders[t.buy].price, orders[t.sell].price);
      } else {
        // Mechanisms that settle with the grid themselves (community pricing).
        const uint32_t who = t.buy != market::kGrid ? t.buy : t.sell;
        out.fills[who].grid_wh += e;
      }
    }
    // Energy the mechanism left unmatched goes to the grid at the tariffs.
    for (size_t i = 0; i < orders.size(); ++i) {
      const int64_t rest = orders[i].energy_wh - filled[i];
      if (rest <= 0) continue;
      out.fills[i].grid_wh += rest;
      const Money m = orders[i].sell
                          ? cost(Energy(rest), Price(tariffs_.grid_sell), Rounding::kDown).value()
                          : cost(Energy(rest), Price(tariffs_.grid_buy), Rounding::kUp).value();
      out.fills[i].amount += m.value();
    }
    if (welfare_maximal_) {
      out.welfare_max = out.welfare;
    } else {
      const market::Allocation a = market::welfare_max(market::merit_order(book));
      for (const market::Match& m : a.matches)
        out.welfare_max += welfare_of(m.energy.value(), m.buy_limit.value(), m.sell_limit.value());
    }
    return out;
  }

 private:
  const market::MechanismInfo* info_;
  market::Params params_;
  Tariffs tariffs_;
  bool welfare_maximal_ = false;
};

}  // namespace

std::vector<std::string> mechanism_names() {
  std::vector<std::string> out;
  for (const market::MechanismInfo& m : market::mechanisms()) out.push_back(m.name);
  return out;
}

Result<std::unique_ptr<MarketBackend>> make_fast_market(
    const std::string& mechanism, const std::vector<std::pair<std::string, int64_t>>& params,
    const Tariffs& tariffs, bool strict) {
  const market::MechanismInfo* info = market::find_mechanism(mechanism);
  if (!info) return Status(Code::kInvalidArgument, "unknown mechanism \"" + mechanism + "\"");
  market::Params p;
  for (const auto& [k, v] : params) p.values[k] = v;
  // Community pricing needs the tariffs as parameters; the scenario's apply
  // unless the user set them explicitly.
  if (declares(*info, "grid_buy") && !p.has("grid_buy")) p.values["grid_buy"] = tariffs.grid_buy;
  if (declares(*info, "grid_sell") && !p.has("grid_sell"))
    p.values["grid_sell"] = tariffs.grid_sell;
  // Only the keys a mechanism declares are passed on, so one scenario can
  // carry parameters for several mechanisms (`--mechanism all`).
  market::Params own;
  for (const auto& [k, v] : p.values) {
    if (declares(*info, k))
      own.values[k] = v;
    else if (strict)
      own.values[k] = v;  // market::clear below names the unknown key
  }
  Result<market::Clearing> check = market::clear(mechanism, market::Book{}, own);
  if (!check) return check.status();
  return std::unique_ptr<MarketBackend>(new FastMarket(info, std::move(own), tariffs));
}

}  // namespace wattle::sim
