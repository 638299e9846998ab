#include "sim/kpi.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace wattle::sim {

namespace {
constexpr double kMicro = 1e6;
double ratio(double num, double den) {
  return den > 0 ? num / den : 0;
}
}  // namespace

double gini(std::vector<double> x) {
  const size_t n = x.size();
  if (n == 0) return 0;
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  if (mean <= 0) return 0;
  // Sorted form of the double sum: sum_i (2i - n - 1) x_(i) over n^2 mean, O(n log n).
  std::sort(x.begin(), x.end());
  double acc = 0;
  for (size_t i = 0; i < n; ++i)
    acc += (2.0 * static_cast<double>(i + 1) - static_cast<double>(n) - 1.0) * x[i];
  return acc / (static_cast<double>(n) * static_cast<double>(n) * mean);
}

double percentile(std::vector<double> x, double p) {
  if (x.empty()) return 0;
  std::sort(x.begin(), x.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(x.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (x[hi] - x[lo]) * (rank - static_cast<double>(lo));
}

std::vector<GroupKpis> group_kpis(const RunResult& r) {
  struct Acc {
    GroupKpis k;
    double load_wh = 0, pv_wh = 0;
    int64_t import_wh = 0, export_wh = 0, sold_wh = 0, p2p_wh = 0, cost = 0, baseline = 0;
    int64_t metered_import_wh = 0, matched_wh = 0;
    std::vector<double> savings;
  };
  std::vector<Acc> acc;
  for (const HouseholdTotals& t : r.households) {
    auto it =
        std::find_if(acc.begin(), acc.end(), [&](const Acc& a) { return a.k.group == t.group; });
    if (it == acc.end()) {
      acc.emplace_back();
      acc.back().k.group = t.group;
      it = acc.end() - 1;
    }
    ++it->k.households;
    it->load_wh += t.load_wh;
    it->pv_wh += t.pv_wh;
    it->import_wh += t.import_wh;
    it->export_wh += t.export_wh;
    it->sold_wh += t.p2p_sold_wh;
    it->p2p_wh += t.p2p_bought_wh + t.p2p_sold_wh;
    it->metered_import_wh += t.import_wh + t.p2p_bought_wh;
    it->matched_wh += t.cert_matched_wh;
    it->cost += t.cost;
    it->baseline += t.baseline_cost;
    it->savings.push_back(static_cast<double>(t.baseline_cost - t.cost) / kMicro);
  }
  std::vector<GroupKpis> out;
  for (Acc& a : acc) {
    GroupKpis& k = a.k;
    k.cost = static_cast<double>(a.cost) / kMicro;
    k.baseline_cost = static_cast<double>(a.baseline) / kMicro;
    k.savings = k.baseline_cost - k.cost;
    k.savings_pct = 100.0 * ratio(k.savings, std::abs(k.baseline_cost));
    k.self_sufficiency = a.load_wh > 0 ? 1.0 - static_cast<double>(a.import_wh) / a.load_wh : 0;
    k.self_consumption =
        a.pv_wh > 0 ? std::max(0.0, 1.0 - static_cast<double>(a.export_wh + a.sold_wh) / a.pv_wh)
                    : 0;
    k.p2p_kwh = static_cast<double>(a.p2p_wh) / 1000.0;
    k.matched_247_pct =
        100.0 * ratio(static_cast<double>(a.matched_wh), static_cast<double>(a.metered_import_wh));
    k.savings_p10 = percentile(a.savings, 10);
    k.savings_p90 = percentile(a.savings, 90);
    k.gini_savings = gini(a.savings);
    out.push_back(std::move(k));
  }
  return out;
}

HouseholdKpis household_kpis(const HouseholdTotals& t) {
  HouseholdKpis k;
  k.cost = static_cast<double>(t.cost) / kMicro;
  k.baseline_cost = static_cast<double>(t.baseline_cost) / kMicro;
  k.savings = k.baseline_cost - k.cost;
  k.savings_pct = 100.0 * ratio(k.savings, std::abs(k.baseline_cost));
  k.self_sufficiency = t.load_wh > 0 ? 1.0 - static_cast<double>(t.import_wh) / t.load_wh : 0;
  k.self_consumption =
      t.pv_wh > 0 ? std::max(0.0, 1.0 - static_cast<double>(t.export_wh + t.p2p_sold_wh) / t.pv_wh)
                  : 0;
  k.p2p_kwh = static_cast<double>(t.p2p_bought_wh + t.p2p_sold_wh) / 1000.0;
  return k;
}

CommunityKpis community_kpis(const RunResult& r, double carbon_g_per_kwh, int slots) {
  CommunityKpis c;
  c.households = static_cast<int>(r.households.size());
  std::vector<double> savings;
  savings.reserve(r.households.size());
  int64_t import_wh = 0, export_wh = 0, p2p_wh = 0, cost = 0, baseline = 0;
  for (const HouseholdTotals& t : r.households) {
    c.load_kwh += t.load_wh / 1000.0;
    c.pv_kwh += t.pv_wh / 1000.0;
    import_wh += t.import_wh;
    export_wh += t.export_wh;
    p2p_wh += t.p2p_bought_wh;  // each P2P Wh once (the buyer's side)
    cost += t.cost;
    baseline += t.baseline_cost;
    savings.push_back(static_cast<double>(t.baseline_cost - t.cost) / kMicro);
  }
  c.import_kwh = static_cast<double>(import_wh) / 1000.0;
  c.export_kwh = static_cast<double>(export_wh) / 1000.0;
  c.p2p_kwh = static_cast<double>(p2p_wh) / 1000.0;
  c.cost = static_cast<double>(cost) / kMicro;
  c.baseline_cost = static_cast<double>(baseline) / kMicro;
  c.savings = c.baseline_cost - c.cost;
  c.savings_pct = 100.0 * ratio(c.savings, std::abs(c.baseline_cost));
  c.self_sufficiency = c.load_kwh > 0 ? 1.0 - c.import_kwh / c.load_kwh : 0;
  c.self_consumption = c.pv_kwh > 0 ? 1.0 - c.export_kwh / c.pv_kwh : 0;
  c.allocative_efficiency_pct =
      r.total_welfare_max > 0 ? 100.0 * r.total_welfare / r.total_welfare_max : 100.0;
  c.local_possible_kwh = static_cast<double>(r.total_local_possible_wh) / 1000.0;
  c.local_match_pct =
      100.0 * ratio(static_cast<double>(p2p_wh), static_cast<double>(r.total_local_possible_wh));
  for (const HouseholdTotals& t : r.households) {
    c.battery_charge_kwh += t.battery_charge_wh / 1000.0;
    c.battery_discharge_kwh += t.battery_discharge_wh / 1000.0;
    c.battery_loss_kwh += t.battery_loss_wh / 1000.0;
    c.battery_market_charge_kwh += t.battery_market_charge_wh / 1000.0;
  }
  if (!r.slot_prices.empty()) {
    c.slots_with_trades = static_cast<int>(r.slot_prices.size());
    // Mean weighted by volume; min, max and spread over slots.
    c.price_mean =
        static_cast<double>(r.total_p2p_value) / kMicro / (c.p2p_kwh > 0 ? c.p2p_kwh : 1);
    const auto [mn, mx] = std::minmax_element(r.slot_prices.begin(), r.slot_prices.end());
    c.price_min = *mn / kMicro;
    c.price_max = *mx / kMicro;
    const double m = std::accumulate(r.slot_prices.begin(), r.slot_prices.end(), 0.0) /
                     static_cast<double>(r.slot_prices.size());
    double var = 0;
    for (double p : r.slot_prices) var += (p - m) * (p - m);
    c.price_std = std::sqrt(var / static_cast<double>(r.slot_prices.size())) / kMicro;
  }
  // Slot energy (Wh per 15 min) x 4 / 1000 = mean kW over the slot.
  c.peak_import_kw = r.peak_import_wh * 4.0 / 1000.0;
  c.baseline_peak_import_kw = r.baseline_peak_import_wh * 4.0 / 1000.0;
  c.peak_import_change_pct =
      100.0 * ratio(r.peak_import_wh - r.baseline_peak_import_wh, r.baseline_peak_import_wh);
  const double mean_import_wh = slots > 0 ? static_cast<double>(import_wh) / slots : 0;
  c.peak_to_average = ratio(r.peak_import_wh, mean_import_wh);
  c.gini_savings = gini(savings);
  c.carbon_kg = c.import_kwh * carbon_g_per_kwh / 1000.0;
  return c;
}

}  // namespace wattle::sim
