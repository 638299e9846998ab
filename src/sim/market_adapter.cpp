#include "sim/market_adapter.h"

#include <algorithm>
#include <charconv>

#include "core/units.h"
#include "market/clearing/merit_order.h"
#include "market/clearing/workspace.h"
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

}  // namespace

void tally_trades(std::span<const SlotOrder> orders, SlotOutcome& out) {
  out.p2p_wh = 0;
  out.p2p_value = 0;
  out.welfare = 0;
  for (SlotFill& f : out.fills) f.p2p_wh = 0;
  for (const SlotTrade& t : out.trades) {
    out.fills[t.buy].p2p_wh += t.energy_wh;
    out.fills[t.sell].p2p_wh += t.energy_wh;
    out.p2p_wh += t.energy_wh;
    out.p2p_value +=
        cost(Energy(t.energy_wh), Price(t.buy_price), Rounding::kUp).value_or(Money(0)).value();
    out.welfare += welfare_of(t.energy_wh, orders[t.buy].price, orders[t.sell].price);
  }
}

namespace {

// Per-thread buffers: the book (its orders' strings stay in their inline
// buffers: ids and owners are short decimal numbers), the library's
// workspace and the clearing, all cleared and refilled, never shrunk.
struct FastScratch final : SlotScratch {
  market::Book book;
  market::ClearingWorkspace ws;
  market::Clearing clearing;
};

// Writes the decimal digits of v into s, reusing its buffer.
void set_decimal(std::string& s, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.assign(buf, r.ptr);
}

class FastMarket final : public MarketBackend {
 public:
  FastMarket(const market::MechanismInfo* info, market::Params params,
             std::optional<market::SettlementTariffs> chain_rules)
      : info_(info), params_(std::move(params)), chain_rules_(chain_rules) {
    // Mechanisms that guarantee the welfare-maximal volume need no second
    // merit-order walk to know the maximum (saves half the clearing time).
    welfare_maximal_ = std::find(info->properties.begin(), info->properties.end(),
                                 "welfare-maximal volume") != info->properties.end();
  }

  std::string name() const override { return info_->name; }

  std::unique_ptr<SlotScratch> make_scratch() const override {
    return std::make_unique<FastScratch>();
  }

  Status clear_slot(std::span<const SlotOrder> orders, SlotScratch* scratch,
                    SlotOutcome& out) const override {
    std::unique_ptr<FastScratch> fresh;
    FastScratch* x = dynamic_cast<FastScratch*>(scratch);
    if (x == nullptr) {
      fresh = std::make_unique<FastScratch>();
      x = fresh.get();
    }
    out.fills.assign(orders.size(), SlotFill{});
    out.trades.clear();
    out.bills.clear();
    out.clearing_price.reset();
    out.p2p_wh = 0;
    out.p2p_value = 0;
    out.welfare = 0;
    out.welfare_max = 0;
    if (orders.empty()) return Status::ok();
    market::Book& book = x->book;
    book.orders.resize(orders.size());
    for (size_t i = 0; i < orders.size(); ++i) {
      market::Order& o = book.orders[i];
      set_decimal(o.id, i);
      // One owner per household: the library never lets a household trade
      // with itself and community pricing nets its buys and sells (one
      // order per household and slot today, so neither happens yet).
      set_decimal(o.owner, orders[i].household);
      o.side = orders[i].sell ? market::Side::kSell : market::Side::kBuy;
      o.energy = Energy(orders[i].energy_wh);
      o.price = Price(orders[i].price);
      o.time = orders[i].time;
    }
    // The book is valid by construction (ids unique, energy > 0, price >= 0,
    // owners 1..20 bytes), so the library skips validate(). The parameters
    // include the tariffs: the library closes every unfilled Wh with the grid.
    market::Clearing& c = x->clearing;
    WATTLE_RETURN_IF_ERROR(
        market::clear_into(info_->name, book, params_, x->ws, c, /*book_validated=*/true));
    out.clearing_price =
        c.clearing_price ? std::optional<int64_t>(c.clearing_price->value()) : std::nullopt;
    int64_t settled = 0;
    for (const market::Fill& f : c.fills) {
      out.fills[f.order].amount = f.amount.value();
      settled += f.energy.value();
    }
    for (const market::Trade& t : c.trades) {
      if (t.buy != market::kGrid && t.sell != market::kGrid)
        out.trades.push_back(
            SlotTrade{t.buy, t.sell, t.energy.value(), t.buy_price.value(), t.sell_price.value()});
      else
        out.fills[t.buy != market::kGrid ? t.buy : t.sell].grid_wh += t.energy.value();
    }
    tally_trades(orders, out);
    int64_t wanted = 0;
    for (const SlotOrder& o : orders) wanted += o.energy_wh;
    if (chain_rules_) {
      WATTLE_RETURN_IF_ERROR(bill(orders, c, out));
    } else if (settled != wanted)
      return Status(Code::kInternal, "market library left " + std::to_string(wanted - settled) +
                                         " Wh unsettled despite grid tariffs");
    if (welfare_maximal_) {
      out.welfare_max = out.welfare;
    } else {
      // The workspace is free again once the clearing is built.
      market::merit_order_into(book, x->ws.merit, x->ws.order);
      market::welfare_max_into(x->ws.order, x->ws.allocation);
      for (const market::Match& m : x->ws.allocation.matches)
        out.welfare_max += welfare_of(m.energy.value(), m.buy_limit.value(), m.sell_limit.value());
    }
    return Status::ok();
  }

 private:
  // Chain rules: each filled order is billed as the chain settles it, its
  // meter having measured exactly the order.
  Status bill(std::span<const SlotOrder> orders, const market::Clearing& c,
              SlotOutcome& out) const {
    for (const market::Fill& fill : c.fills) {
      if (fill.energy.value() == 0) continue;
      const SlotOrder& o = orders[fill.order];
      market::SlotPosition p;
      (o.sell ? p.sold_wh : p.bought_wh) = fill.energy.value();
      (o.sell ? p.p2p_received : p.p2p_paid) = fill.amount.value();
      auto b =
          market::settle_bill(p, o.sell ? 0 : o.energy_wh, o.sell ? o.energy_wh : 0, *chain_rules_);
      if (!b) return b.status();
      out.bills.push_back(OrderBill{fill.order, *b});
    }
    return settle_amounts(orders, *chain_rules_, out);
  }

  const market::MechanismInfo* info_;
  market::Params params_;
  std::optional<market::SettlementTariffs> chain_rules_;
  bool welfare_maximal_ = false;
};

}  // namespace

Status settle_amounts(std::span<const SlotOrder> orders, const market::SettlementTariffs& t,
                      SlotOutcome& out) {
  for (size_t k = 0; k < orders.size(); ++k) {
    const SlotOrder& o = orders[k];
    SlotFill& f = out.fills[k];
    f.grid_wh = o.energy_wh - f.p2p_wh;
    auto grid = cost(Energy(o.energy_wh), Price(o.sell ? t.grid_sell : t.grid_buy),
                     o.sell ? Rounding::kDown : Rounding::kUp);
    if (!grid) return Status(Code::kOverflow, "grid cost of an order leaves the int64 range");
    f.amount = grid->value();
  }
  for (const OrderBill& b : out.bills)
    out.fills[b.order].amount = orders[b.order].sell ? b.bill.net : -b.bill.net;
  return Status::ok();
}

std::vector<std::string> mechanism_names() {
  std::vector<std::string> out;
  for (const market::MechanismInfo& m : market::mechanisms()) out.push_back(m.name);
  return out;
}

Result<std::unique_ptr<MarketBackend>> make_fast_market(
    const std::string& mechanism, const std::vector<std::pair<std::string, int64_t>>& params,
    const Tariffs& tariffs, bool strict, std::optional<market::SettlementTariffs> chain_rules) {
  const market::MechanismInfo* info = market::find_mechanism(mechanism);
  if (!info) return Status(Code::kInvalidArgument, "unknown mechanism \"" + mechanism + "\"");
  market::Params p;
  for (const auto& [k, v] : params) p.values[k] = v;
  if (chain_rules) {  // exactly the chain's parameters: no tariffs added, none dropped
    Result<market::Clearing> check = market::clear(mechanism, market::Book{}, p);
    if (!check) return check.status();
    return std::unique_ptr<MarketBackend>(new FastMarket(info, std::move(p), chain_rules));
  }
  // Every mechanism takes the tariffs: unfilled energy trades with the grid
  // (community pricing also prices with them). The scenario's apply unless
  // the user set them explicitly.
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
  return std::unique_ptr<MarketBackend>(new FastMarket(info, std::move(own), std::nullopt));
}

}  // namespace wattle::sim
