#include "sim/gode_sunder.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "sim/agents.h"
#include "sim/csv.h"
#include "sim/rng.h"

namespace wattle::sim {

namespace {

// "v1;v2;..." of field `column` (0-based) into `out`.
Status parse_units(const CsvFile& f, const CsvRow& r, size_t column, std::vector<int64_t>* out) {
  const std::string& list = r.fields[column];
  size_t start = 0;
  while (start <= list.size()) {
    const size_t semi = list.find(';', start);
    const std::string v =
        list.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    char* end = nullptr;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || end != v.c_str() + v.size() || x < 1 || x > 200)
      return f.error(r.line, static_cast<int>(column) + 1,
                     "unit value \"" + v + "\" is not an integer in 1..200");
    out->push_back(x);
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  return Status::ok();
}

}  // namespace

Result<AuctionSchedule> read_auction_schedule(const std::string& path, const std::string& market) {
  Result<CsvFile> csv = read_csv(path);
  if (!csv) return csv.status();
  const CsvFile& f = *csv;
  const std::vector<std::string> shared = {"market", "side", "unit_values_per_trader"};
  const std::vector<std::string> per_trader = {"market", "side", "trader", "unit_values"};
  const bool each = f.header == per_trader;
  if (!each && f.header != shared)
    return f.error(1, 1,
                   "header must be market,side,unit_values_per_trader (one row per side) or "
                   "market,side,trader,unit_values (one row per trader)");
  std::vector<std::string> markets;
  for (const CsvRow& r : f.rows)
    if (std::find(markets.begin(), markets.end(), r.fields[0]) == markets.end())
      markets.push_back(r.fields[0]);
  std::string chosen = market;
  if (chosen.empty()) {
    if (markets.size() != 1)
      return Status(Code::kInvalidArgument, path + ": holds " + std::to_string(markets.size()) +
                                                " markets; choose one with --market");
    chosen = markets[0];
  }
  if (std::find(markets.begin(), markets.end(), chosen) == markets.end())
    return Status(Code::kInvalidArgument, path + ": no market \"" + chosen + "\"");
  AuctionSchedule s;
  s.market = chosen;
  std::vector<std::string> seen;  // "side" or "side/trader" already read
  for (const CsvRow& r : f.rows) {
    if (r.fields[0] != chosen) continue;
    const std::string& side = r.fields[1];
    if (side != "buy" && side != "sell")
      return f.error(r.line, 2, "side must be buy or sell, got \"" + side + "\"");
    const std::string key = each ? side + "/" + r.fields[2] : side;
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return each ? f.error(r.line, 3,
                            "second row for trader " + r.fields[2] + " (" + side + ") of market " +
                                chosen)
                  : f.error(r.line, 2, "second row for side " + side + " of market " + chosen);
    seen.push_back(key);
    if (each && r.fields[2].empty()) return f.error(r.line, 3, "empty trader id");
    std::vector<int64_t>* out = nullptr;
    if (each) {
      auto& traders = side == "buy" ? s.buyers : s.sellers;
      traders.emplace_back();
      out = &traders.back();
    } else {
      out = side == "buy" ? &s.buyer_values : &s.seller_costs;
    }
    WATTLE_RETURN_IF_ERROR(parse_units(f, r, each ? 3 : 2, out));
  }
  const bool buy = each ? !s.buyers.empty() : !s.buyer_values.empty();
  const bool sell = each ? !s.sellers.empty() : !s.seller_costs.empty();
  if (!buy || !sell)
    return Status(Code::kInvalidArgument, path + ": market " + chosen + " needs " +
                                              (each ? "at least one buyer row and one seller row"
                                                    : "one buy row and one sell row"));
  return s;
}

namespace {

struct Trader {
  bool seller = false;
  const std::vector<int64_t>* units = nullptr;
  size_t next = 0;
  int64_t profit = 0;
  bool active() const { return next < units->size(); }
  int64_t limit() const { return (*units)[next]; }
};

// A standing bid or ask (`live` false: none; plain flag rather than
// std::optional, which GCC 12 misreads as maybe-uninitialised here).
struct Standing {
  bool live = false;
  size_t trader = 0;
  int64_t price = 0;
  int64_t step = 0;
};

// The competitive equilibrium of the pooled units: its volume, the maximal
// surplus, and the midpoint p* of the competitive price range.
void find_equilibrium(const std::vector<std::vector<int64_t>>& buyers,
                      const std::vector<std::vector<int64_t>>& sellers, AuctionResult& res) {
  std::vector<int64_t> values, costs;
  for (const auto& b : buyers) values.insert(values.end(), b.begin(), b.end());
  for (const auto& c : sellers) costs.insert(costs.end(), c.begin(), c.end());
  std::sort(values.begin(), values.end(), std::greater<>());
  std::sort(costs.begin(), costs.end());
  size_t q = 0;
  while (q < values.size() && q < costs.size() && values[q] >= costs[q]) {
    res.max_surplus += values[q] - costs[q];
    ++q;
  }
  res.equilibrium_volume = static_cast<int64_t>(q);
  // Competitive price range [lo, hi] at quantity q; its midpoint is p*.
  double lo = q > 0 ? static_cast<double>(costs[q - 1]) : 0;
  double hi = q > 0 ? static_cast<double>(values[q - 1]) : 0;
  if (q < values.size()) lo = std::max(lo, static_cast<double>(values[q]));
  if (q < costs.size()) hi = std::min(hi, static_cast<double>(costs[q]));
  res.equilibrium_price = (lo + hi) / 2;
}

// A trader's profit had every unit traded at p*.
double equilibrium_profit(const std::vector<int64_t>& units, bool seller, double p_star) {
  double p = 0;
  for (int64_t u : units) p += std::max(0.0, seller ? p_star - u : u - p_star);
  return p;
}

// No further trade can happen: a side has no units left, or (ZI-C only) the
// best remaining value is below the best remaining cost. ZI-U traders can
// always trade while both sides hold units.
bool market_exhausted(const std::vector<Trader>& traders, bool constrained) {
  int64_t best_value = -1, best_cost = -1;
  for (const Trader& t : traders) {
    if (!t.active()) continue;
    if (t.seller)
      best_cost = best_cost < 0 ? t.limit() : std::min(best_cost, t.limit());
    else
      best_value = std::max(best_value, t.limit());
  }
  if (best_value < 0 || best_cost < 0) return true;
  return constrained && best_value < best_cost;
}

// The price the trader shouts: ZI-U anywhere in the price range, ZI-C never
// past its own limit.
int64_t shout_price(Rng& rng, const Trader& t, const AuctionOptions& o) {
  if (!o.constrained) return zi_u_price(rng, o.price_min, o.price_max);
  if (t.seller) return zi_c_ask(rng, t.limit(), o.price_max);
  return zi_c_bid(rng, t.limit(), o.price_min);
}

// Sums over the whole run, accumulated in the order trades and periods
// happen (floating-point means depend on that order).
struct Tally {
  double eff_sum = 0, disp_sum = 0, price_sum = 0;
  int64_t trades = 0, periods = 0;
};

// One trading period on fresh traders; returns the surplus it realised.
int64_t trade_period(std::vector<Trader>& traders, const AuctionOptions& o, Rng& rng,
                     Tally& tally) {
  Standing bid, ask;
  int64_t surplus = 0;
  for (int64_t step = 0; step < o.steps_per_period; ++step) {
    if (market_exhausted(traders, o.constrained)) break;
    const size_t who =
        static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(traders.size()) - 1));
    Trader& t = traders[who];
    if (!t.active()) continue;
    const int64_t price = shout_price(rng, t, o);
    // Improvement rule: only a better bid or ask replaces the standing one.
    if (t.seller) {
      if (ask.live && price >= ask.price) continue;
      ask = Standing{true, who, price, step};
    } else {
      if (bid.live && price <= bid.price) continue;
      bid = Standing{true, who, price, step};
    }
    if (!bid.live || !ask.live || bid.price < ask.price) continue;
    const int64_t trade_price = bid.step < ask.step ? bid.price : ask.price;
    Trader& b = traders[bid.trader];
    Trader& sl = traders[ask.trader];
    b.profit += b.limit() - trade_price;
    sl.profit += trade_price - sl.limit();
    surplus += b.limit() - sl.limit();
    ++b.next;
    ++sl.next;
    tally.price_sum += static_cast<double>(trade_price);
    ++tally.trades;
    bid.live = false;  // every standing order is cancelled after a trade
    ask.live = false;
  }
  return surplus;
}

// Root mean square of each trader's profit's departure from its
// equilibrium profit.
double profit_dispersion(const std::vector<Trader>& traders, double p_star) {
  double sq = 0;
  for (const Trader& t : traders) {
    const double d = static_cast<double>(t.profit) - equilibrium_profit(*t.units, t.seller, p_star);
    sq += d * d;
  }
  return std::sqrt(sq / static_cast<double>(traders.size()));
}

}  // namespace

AuctionResult run_auction(const AuctionSchedule& s, const AuctionOptions& o) {
  AuctionResult res;
  // Each trader's units: per trader when given, else the side's list for
  // each of traders_per_side traders.
  const bool each = !s.buyers.empty() && !s.sellers.empty();
  const std::vector<std::vector<int64_t>> buyers =
      each ? s.buyers : std::vector<std::vector<int64_t>>(o.traders_per_side, s.buyer_values);
  const std::vector<std::vector<int64_t>> sellers =
      each ? s.sellers : std::vector<std::vector<int64_t>>(o.traders_per_side, s.seller_costs);
  find_equilibrium(buyers, sellers, res);

  Rng rng(o.seed, 0x90de);
  Tally tally;
  for (int session = 0; session < o.sessions; ++session) {
    for (int period = 0; period < o.periods; ++period) {
      std::vector<Trader> traders;
      for (const auto& b : buyers) traders.push_back(Trader{false, &b});
      for (const auto& c : sellers) traders.push_back(Trader{true, &c});
      const int64_t surplus = trade_period(traders, o, rng, tally);
      tally.disp_sum += profit_dispersion(traders, res.equilibrium_price);
      tally.eff_sum += res.max_surplus > 0 ? 100.0 * static_cast<double>(surplus) /
                                                 static_cast<double>(res.max_surplus)
                                           : 100.0;
      ++tally.periods;
    }
  }
  if (tally.periods > 0) {
    res.efficiency_pct = tally.eff_sum / static_cast<double>(tally.periods);
    res.profit_dispersion = tally.disp_sum / static_cast<double>(tally.periods);
    res.volume = static_cast<double>(tally.trades) / static_cast<double>(tally.periods);
  }
  if (tally.trades > 0) res.mean_price = tally.price_sum / static_cast<double>(tally.trades);
  return res;
}

}  // namespace wattle::sim
