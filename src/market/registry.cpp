#include "market/registry.h"

#include <limits>

#include "market/clearing/clearing_builder.h"
#include "market/clearing/merit_order.h"
#include "market/mechanisms/cda.h"
#include "market/mechanisms/community.h"
#include "market/mechanisms/pay_as_bid.h"
#include "market/mechanisms/pro_rata.h"
#include "market/mechanisms/two_stage.h"
#include "market/mechanisms/uniform.h"

namespace wattle::market {

namespace {

ParamSpec k_param(int64_t def, std::string doc) {
  return ParamSpec{"k", def, 0, kMillion, std::move(doc)};
}

std::vector<MechanismInfo> own_mechanisms() {
  const std::string kCommon = "no order trades more than its energy";
  const std::string kIr =
      "individual rationality: no buyer pays above, no seller gets below its limit";
  const std::string kBb =
      "budget balance to the micro-unit: buyers_pay = sellers_get + grid_net + surplus, surplus >= "
      "0";
  return {
      {"uniform",
       "uniform-price call auction (pay-as-clear): welfare-maximal volume, one market-clearing "
       "price",
       {k_param(
           kDefaultK,
           "chooses within the clearing range [lo, hi], millionths: price = lo + k(hi - lo)/1e6")},
       {kCommon, kIr, kBb, "welfare-maximal volume", "one price for every trade",
        "the price clears the market: orders strictly better are filled in full, strictly "
        "worse get nothing",
        "output independent of line order (distinct times)"},
       clear_uniform},
      {"pay-as-bid",
       "discriminatory call auction: uniform's volume, each pair at its own k-price",
       {k_param(kPayAsBidDefaultK,
                "pair price = ask + k(bid - ask)/1e6, millionths; 1000000 = at the bid (gsy-e)")},
       {kCommon, kIr, kBb, "welfare-maximal volume",
        "output independent of line order (distinct times)"},
       clear_pay_as_bid},
      {"cda",
       "continuous double auction, price-time priority, trades at the resting order's price",
       {},
       {kCommon, kIr, kBb, "price-time priority", "book never crossed after a step",
        "trades listed in the order they happen"},
       clear_cda},
      {"two-stage",
       "call auction on the orders present at `open`, then continuous trading on the rest",
       {ParamSpec{"open", -1, -1, std::numeric_limits<int64_t>::max(),
                  "orders with time <= open enter the call auction; -1 = median order time"},
        k_param(kDefaultK,
                "chooses the call auction's price within its clearing range, millionths")},
       {kCommon, kIr, kBb, "call stage trades its welfare-maximal volume",
        "book never crossed after a step"},
       clear_two_stage},
      {"pro-rata",
       "fair-share call auction: uniform's volume and price, marginal level shared pro rata",
       {k_param(kDefaultK, "chooses the price within the clearing range, millionths")},
       {kCommon, kIr, kBb, "welfare-maximal volume",
        "marginal level shared in proportion to size, to the Wh (largest remainder)",
        "fills independent of line order and times"},
       clear_pro_rata},
  };
}

}  // namespace

const std::vector<MechanismInfo>& mechanisms() {
  static const std::vector<MechanismInfo> all = [] {
    std::vector<MechanismInfo> v = own_mechanisms();
    for (MechanismInfo& m : extra_mechanisms()) v.push_back(std::move(m));
    // The grid as counterparty, for every mechanism that does not price
    // against the grid itself (community pricing requires the tariffs).
    for (MechanismInfo& m : v) {
      bool has = false;
      for (const ParamSpec& s : m.params) has = has || s.name == "grid_buy";
      if (has) continue;
      m.params.push_back({"grid_buy", kMissingTariff, 0, kMaxTariff,
                          "optional: unfilled demand buys from the grid at this tariff, "
                          "micro-units/kWh, as trades with counterparty \"grid\""});
      m.params.push_back({"grid_sell", kMissingTariff, 0, kMaxTariff,
                          "optional: unfilled supply sells to the grid at this tariff"});
      m.properties.push_back("no self-trade: orders of one owner never trade with each other");
      m.properties.push_back(
          "with grid_buy/grid_sell: every unfilled order closed with the grid, after each "
          "owner's unfilled buys and sells net at home (neither traded nor billed)");
    }
    return v;
  }();
  return all;
}

const MechanismInfo* find_mechanism(const std::string& name) {
  for (const MechanismInfo& m : mechanisms())
    if (m.name == name) return &m;
  return nullptr;
}

namespace {

// The mechanism's params with defaults filled in, after checking every key
// and range against its specs.
Result<Params> checked_params(const MechanismInfo& m, const std::string& mechanism,
                              const Params& params) {
  Params full;
  for (const auto& [key, value] : params.values) {
    const ParamSpec* spec = nullptr;
    for (const ParamSpec& s : m.params)
      if (s.name == key) spec = &s;
    if (spec == nullptr) {
      std::string known;
      for (const ParamSpec& s : m.params) known += (known.empty() ? "" : ", ") + s.name;
      return Status(Code::kInvalidArgument,
                    "unknown parameter \"" + key + "\" for mechanism \"" + mechanism +
                        "\" (accepts: " + (known.empty() ? "none" : known) + ")");
    }
    if (value < spec->min || value > spec->max)
      return Status(Code::kInvalidArgument, "parameter \"" + key + "\" = " + std::to_string(value) +
                                                " out of range " + std::to_string(spec->min) +
                                                ".." + std::to_string(spec->max));
    full.values[key] = value;
  }
  for (const ParamSpec& s : m.params) full.values.emplace(s.name, s.default_value);
  return full;
}

}  // namespace

Status clear_into(const std::string& mechanism, const Book& book, const Params& params,
                  ClearingWorkspace& ws, Clearing& out, bool book_validated) {
  const MechanismInfo* m = find_mechanism(mechanism);
  if (m == nullptr) {
    std::string known;
    for (const MechanismInfo& x : mechanisms()) known += (known.empty() ? "" : ", ") + x.name;
    return Status(Code::kInvalidArgument,
                  "unknown mechanism \"" + mechanism + "\" (known: " + known + ")");
  }
  Result<Params> full = checked_params(*m, mechanism, params);
  if (!full) return full.status();
  if (!book_validated) WATTLE_RETURN_IF_ERROR(validate(book));
  if (m->name == "uniform") {
    WATTLE_RETURN_IF_ERROR(clear_uniform_into(book, *full, ws, out));
  } else {
    Result<Clearing> c = m->clear(book, *full);
    if (!c) return c.status();
    out = std::move(*c);
  }
  const int64_t grid_buy = full->get("grid_buy", kMissingTariff);
  const int64_t grid_sell = full->get("grid_sell", kMissingTariff);
  if (grid_buy < 0 && grid_sell < 0) return Status::ok();
  const size_t before = out.trades.size();
  close_with_grid(book, out.trades, grid_buy, grid_sell, &ws.left, &ws.netting);
  if (out.trades.size() == before) return Status::ok();
  const std::string name = out.mechanism;
  return make_clearing_into(name, book, out.clearing_price, ws.build, out);
}

Result<Clearing> clear(const std::string& mechanism, const Book& book, const Params& params) {
  ClearingWorkspace ws;
  Clearing c;
  WATTLE_RETURN_IF_ERROR(clear_into(mechanism, book, params, ws, c));
  return c;
}

}  // namespace wattle::market
