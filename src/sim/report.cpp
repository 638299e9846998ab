#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "market/registry.h"
#include "sim/load_profile.h"
#include "sim/svg_chart.h"

namespace wattle::sim {

namespace {

std::string fmt(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

nlohmann::json kpis_json(const CommunityKpis& c) {
  return {{"households", c.households},
          {"load_kwh", c.load_kwh},
          {"pv_kwh", c.pv_kwh},
          {"grid_import_kwh", c.import_kwh},
          {"grid_export_kwh", c.export_kwh},
          {"p2p_kwh", c.p2p_kwh},
          {"cost", c.cost},
          {"baseline_cost", c.baseline_cost},
          {"savings", c.savings},
          {"savings_pct", c.savings_pct},
          {"self_sufficiency", c.self_sufficiency},
          {"self_consumption", c.self_consumption},
          {"allocative_efficiency_pct", c.allocative_efficiency_pct},
          {"local_match_pct", c.local_match_pct},
          {"local_possible_kwh", c.local_possible_kwh},
          {"price_mean", c.price_mean},
          {"price_min", c.price_min},
          {"price_max", c.price_max},
          {"price_std", c.price_std},
          {"slots_with_trades", c.slots_with_trades},
          {"peak_import_kw", c.peak_import_kw},
          {"baseline_peak_import_kw", c.baseline_peak_import_kw},
          {"peak_import_change_pct", c.peak_import_change_pct},
          {"peak_to_average", c.peak_to_average},
          {"gini_savings", c.gini_savings},
          {"carbon_kg", c.carbon_kg},
          {"battery_charge_kwh", c.battery_charge_kwh},
          {"battery_discharge_kwh", c.battery_discharge_kwh},
          {"battery_loss_kwh", c.battery_loss_kwh},
          {"battery_market_charge_kwh", c.battery_market_charge_kwh}};
}

nlohmann::json groups_json(const std::vector<GroupKpis>& groups, bool certificates) {
  nlohmann::json out = nlohmann::json::array();
  for (const GroupKpis& g : groups) {
    out.push_back({{"group", g.group},
                   {"households", g.households},
                   {"cost", g.cost},
                   {"baseline_cost", g.baseline_cost},
                   {"savings", g.savings},
                   {"savings_pct", g.savings_pct},
                   {"self_sufficiency", g.self_sufficiency},
                   {"self_consumption", g.self_consumption},
                   {"p2p_kwh", g.p2p_kwh},
                   {"savings_p10", g.savings_p10},
                   {"savings_p90", g.savings_p90},
                   {"gini_savings", g.gini_savings}});
    if (certificates) out.back()["matched_247_pct"] = g.matched_247_pct;
  }
  return out;
}

Status write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  out.close();
  if (!out) return Status(Code::kIoError, p.string() + ": cannot write");
  return Status::ok();
}

std::string slots_csv(const Scenario& s, const RunResult& r) {
  std::ostringstream o;
  o << "slot_start,load_wh,pv_wh,p2p_wh,grid_import_wh,grid_export_wh,orders,clearing_price,"
       "mean_p2p_price,local_possible_wh,baseline_import_wh,battery_charge_wh,"
       "battery_discharge_wh,battery_loss_wh,battery_soc_wh\n";
  for (size_t t = 0; t < r.slots.size(); ++t) {
    const SlotRecord& x = r.slots[t];
    o << format_slot(add_days(s.start, static_cast<int64_t>(t / kSlotsPerDay)),
                     static_cast<int>(t % kSlotsPerDay))
      << "," << fmt(x.load_wh, 1) << "," << fmt(x.pv_wh, 1) << "," << x.p2p_wh << "," << x.import_wh
      << "," << x.export_wh << "," << x.orders << ","
      << (x.clearing_price ? std::to_string(*x.clearing_price) : "") << ","
      << (x.p2p_wh > 0 ? std::to_string(x.p2p_value * 1000 / x.p2p_wh) : "") << ","
      << x.local_possible_wh << "," << x.baseline_import_wh << "," << fmt(x.battery_charge_wh, 1)
      << "," << fmt(x.battery_discharge_wh, 1) << "," << fmt(x.battery_loss_wh, 1) << ","
      << fmt(x.battery_soc_wh, 1) << "\n";
  }
  return o.str();
}

std::string households_csv(const RunResult& r) {
  std::ostringstream o;
  o << "household,group,agent,load_kwh,pv_kwh,grid_import_kwh,grid_export_kwh,p2p_bought_kwh,"
       "p2p_sold_kwh,cost,baseline_cost,savings,savings_pct,self_sufficiency,self_consumption,"
       "battery_charge_kwh,battery_discharge_kwh,battery_loss_kwh,battery_market_charge_kwh\n";
  for (size_t i = 0; i < r.households.size(); ++i) {
    const HouseholdTotals& t = r.households[i];
    const HouseholdKpis k = household_kpis(t);
    o << i << "," << t.group << "," << agent_name(t.agent) << "," << fmt(t.load_wh / 1000, 3) << ","
      << fmt(t.pv_wh / 1000, 3) << "," << fmt(t.import_wh / 1000.0, 3) << ","
      << fmt(t.export_wh / 1000.0, 3) << "," << fmt(t.p2p_bought_wh / 1000.0, 3) << ","
      << fmt(t.p2p_sold_wh / 1000.0, 3) << "," << fmt(k.cost, 6) << "," << fmt(k.baseline_cost, 6)
      << "," << fmt(k.savings, 6) << "," << fmt(k.savings_pct, 2) << ","
      << fmt(k.self_sufficiency, 4) << "," << fmt(k.self_consumption, 4) << ","
      << fmt(t.battery_charge_wh / 1000, 3) << "," << fmt(t.battery_discharge_wh / 1000, 3) << ","
      << fmt(t.battery_loss_wh / 1000, 3) << "," << fmt(t.battery_market_charge_wh / 1000, 3)
      << "\n";
  }
  return o.str();
}

// The group names in scenario order and a colour each (the same in every chart).
std::vector<LegendEntry> group_legend(const Scenario& s) {
  std::vector<LegendEntry> out;
  for (const HouseholdGroup& g : s.groups) {
    bool seen = false;
    for (const LegendEntry& e : out) seen = seen || e.name == g.name;
    if (!seen) out.push_back({g.name, palette_color(out.size())});
  }
  return out;
}

const std::string& group_color(const std::vector<LegendEntry>& legend, const std::string& group) {
  for (const LegendEntry& e : legend)
    if (e.name == group) return e.color;
  return palette_color(legend.size());
}

std::string mechanism_summary(const std::string& name) {
  const market::MechanismInfo* m = market::find_mechanism(name);
  return m ? m->summary : "";
}

// Mechanisms as rows, the community KPIs as columns (money in tokens).
std::string comparison_table(const std::vector<MechanismRun>& runs) {
  std::ostringstream o;
  o << "<div class=\"scroll\"><table id=\"mechanisms\"><tr><th>mechanism</th>"
       "<th>bill (tokens)</th><th>grid-only bill (tokens)</th><th>savings (tokens)</th>"
       "<th>savings (%)</th><th>self-sufficiency (%)</th><th>self-consumption (%)</th>"
       "<th>P2P traded (kWh)</th><th>local match (%)</th><th>allocative efficiency vs agents' "
       "limits (%)</th><th>P2P price mean (tokens/kWh)</th><th>peak import (kW)</th>"
       "<th>peak vs baseline (%)</th><th>Gini of savings</th><th>carbon (kg)</th></tr>";
  for (const MechanismRun& m : runs) {
    const CommunityKpis& k = m.kpis;
    o << "<tr><td title=\"" << html_escape(mechanism_summary(m.result.mechanism)) << "\">"
      << html_escape(m.result.mechanism) << "</td><td>" << fmt(k.cost) << "</td><td>"
      << fmt(k.baseline_cost) << "</td><td>" << fmt(k.savings) << "</td><td>"
      << fmt(k.savings_pct, 1) << "</td><td>" << fmt(100 * k.self_sufficiency, 1) << "</td><td>"
      << fmt(100 * k.self_consumption, 1) << "</td><td>" << fmt(k.p2p_kwh, 1) << "</td><td>"
      << fmt(k.local_match_pct, 1) << "</td><td>" << fmt(k.allocative_efficiency_pct, 1)
      << "</td><td>" << fmt(k.price_mean, 4) << "</td><td>" << fmt(k.peak_import_kw, 1)
      << "</td><td>" << fmt(k.peak_import_change_pct, 1) << "</td><td>" << fmt(k.gini_savings, 3)
      << "</td><td>" << fmt(k.carbon_kg, 1) << "</td></tr>";
  }
  o << "</table></div>\n<ul class=\"notes\">";
  for (const MechanismRun& m : runs)
    o << "<li><b>" << html_escape(m.result.mechanism)
      << "</b>: " << html_escape(mechanism_summary(m.result.mechanism)) << "</li>";
  o << "</ul>\n";
  return o.str();
}

// Mechanism x household group, and the chart of savings per group.
std::string group_section(const Scenario& s, const std::vector<MechanismRun>& runs) {
  const std::vector<LegendEntry> legend = group_legend(s);
  std::ostringstream o;
  o << "<h2>Mechanisms by household group</h2>\n<div class=\"scroll\"><table id=\"groups\">"
       "<tr><th>mechanism</th><th>group</th><th>households</th><th>bill (tokens)</th>"
       "<th>grid-only bill (tokens)</th><th>savings (%)</th><th>savings p10 / p90 per household "
       "(tokens)</th><th>Gini of savings</th><th>self-sufficiency (%)</th>"
       "<th>self-consumption (%)</th><th>P2P traded (kWh)</th>"
    << (s.certificates ? "<th>24/7 matched (%)</th>" : "") << "</tr>";
  std::vector<std::string> names;
  std::vector<std::vector<double>> savings_pct;
  for (const MechanismRun& m : runs) {
    names.push_back(m.result.mechanism);
    std::vector<double> row(legend.size(), 0);
    for (const GroupKpis& g : group_kpis(m.result)) {
      for (size_t k = 0; k < legend.size(); ++k)
        if (legend[k].name == g.group) row[k] = g.savings_pct;
      o << "<tr><td>" << html_escape(m.result.mechanism) << "</td><td>" << html_escape(g.group)
        << "</td><td>" << g.households << "</td><td>" << fmt(g.cost) << "</td><td>"
        << fmt(g.baseline_cost) << "</td><td>" << fmt(g.savings_pct, 1) << "</td><td>"
        << fmt(g.savings_p10) << " / " << fmt(g.savings_p90) << "</td><td>"
        << fmt(g.gini_savings, 3) << "</td><td>" << fmt(100 * g.self_sufficiency, 1) << "</td><td>"
        << fmt(100 * g.self_consumption, 1) << "</td><td>" << fmt(g.p2p_kwh, 1) << "</td>";
      if (s.certificates) o << "<td>" << fmt(g.matched_247_pct, 1) << "</td>";
      o << "</tr>";
    }
    savings_pct.push_back(std::move(row));
  }
  o << "</table></div>\n"
    << svg_grouped_bar_chart("group-savings", "Savings vs grid only, per mechanism and group",
                             "% of the group's grid-only bill", names, legend, savings_pct);
  return o.str();
}

// Tick labels at 00:00, 03:00, ... over one day of 96 slots.
std::vector<XTick> hour_ticks() {
  std::vector<XTick> t;
  for (int h = 0; h <= 21; h += 3) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:00", h);
    t.push_back({h * 4 / 95.0, buf});
  }
  return t;
}

// Ticks on a series of `days` daily points from `start`: the first of each
// month (or every day for short runs).
std::vector<XTick> date_ticks(const Date& start, int days) {
  std::vector<XTick> t;
  const int step = days <= 10 ? 1 : days <= 45 ? 7 : 0;
  for (int d = 0; d < days; ++d) {
    const Date x = add_days(start, d);
    const bool tick = step > 0 ? d % step == 0 : x.day == 1;
    if (!tick) continue;
    const double frac = days > 1 ? d / static_cast<double>(days - 1) : 0;
    t.push_back({frac, step > 0 ? format_date(x).substr(5) : format_date(x).substr(0, 7)});
  }
  return t;
}

struct MinMeanMax {
  std::vector<double> min, mean, max;
  explicit MinMeanMax(size_t n)
      : min(n, std::nan("")), mean(n, std::nan("")), max(n, std::nan("")) {}
};

// Households sorted by savings (and separately by self-sufficiency), each
// bar in its group's colour.
std::string household_charts(const Scenario& s, const RunResult& r) {
  std::ostringstream o;
  const std::vector<LegendEntry> legend = group_legend(s);
  struct Row {
    double savings, sufficiency;
    std::string color;
  };
  std::vector<Row> rows;
  for (const HouseholdTotals& t : r.households) {
    const HouseholdKpis hk = household_kpis(t);
    rows.push_back({hk.savings, 100 * hk.self_sufficiency, group_color(legend, t.group)});
  }
  for (bool by_savings : {true, false}) {
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      return by_savings ? a.savings < b.savings : a.sufficiency < b.sufficiency;
    });
    std::vector<double> v;
    std::vector<std::string> c;
    for (const Row& x : rows) {
      v.push_back(by_savings ? x.savings : x.sufficiency);
      c.push_back(x.color);
    }
    o << (by_savings ? svg_bar_chart("savings", "Savings per household vs grid only", "tokens", v,
                                     c, legend, "households, sorted by savings")
                     : svg_bar_chart("self-sufficiency", "Self-sufficiency per household", "%", v,
                                     c, legend, "households, sorted by self-sufficiency"));
  }
  return o.str();
}

// The primary run's charts: the mean day, prices and volume over a day and
// over the run, the batteries, and every household coloured by group.
std::string detail_charts(const Scenario& s, const MechanismRun& run) {
  const RunResult& r = run.result;
  const int days = static_cast<int>(r.slots.size() / kSlotsPerDay);
  std::vector<double> load(kSlotsPerDay), pv(kSlotsPerDay), p2p(kSlotsPerDay);
  std::vector<double> soc_day(kSlotsPerDay), daily_p2p(days);
  MinMeanMax by_qh(kSlotsPerDay), by_day(days);
  std::vector<double> qh_sum(kSlotsPerDay, 0), qh_wh(kSlotsPerDay, 0);
  for (int d = 0; d < days; ++d) {
    double value = 0, wh = 0;
    for (int q = 0; q < kSlotsPerDay; ++q) {
      const SlotRecord& sr = r.slots[static_cast<size_t>(d) * kSlotsPerDay + q];
      load[q] += sr.load_wh * 4 / 1000 / days;
      pv[q] += sr.pv_wh * 4 / 1000 / days;
      p2p[q] += static_cast<double>(sr.p2p_wh) * 4 / 1000 / days;
      soc_day[q] += sr.battery_soc_wh / 1000 / days;
      daily_p2p[d] += static_cast<double>(sr.p2p_wh) / 1000;
      if (sr.p2p_wh <= 0) continue;
      const double price =
          static_cast<double>(sr.p2p_value) / static_cast<double>(sr.p2p_wh) / 1000;
      for (auto [m, i] : {std::pair{&by_qh, q}, std::pair{&by_day, d}}) {
        m->min[i] = std::isnan(m->min[i]) ? price : std::min(m->min[i], price);
        m->max[i] = std::isnan(m->max[i]) ? price : std::max(m->max[i], price);
      }
      qh_sum[q] += static_cast<double>(sr.p2p_value) / 1000;
      qh_wh[q] += static_cast<double>(sr.p2p_wh);
      value += static_cast<double>(sr.p2p_value) / 1000;
      wh += static_cast<double>(sr.p2p_wh);
    }
    if (wh > 0) by_day.mean[d] = value / wh;
  }
  for (int q = 0; q < kSlotsPerDay; ++q)
    if (qh_wh[q] > 0) by_qh.mean[q] = qh_sum[q] / qh_wh[q];
  auto tariffs = [&](size_t n) {
    return std::vector<ChartSeries>{
        {"grid import tariff", "#999999", std::vector<double>(n, s.grid_buy), true},
        {"feed-in tariff", "#009E73", std::vector<double>(n, s.grid_sell), true}};
  };
  auto price_series = [&](const MinMeanMax& m) {
    std::vector<ChartSeries> out = {{"P2P max of slots", "#D55E00", m.max},
                                    {"P2P mean (by kWh)", "#0072B2", m.mean},
                                    {"P2P min of slots", "#56B4E9", m.min}};
    for (ChartSeries& t : tariffs(m.mean.size())) out.push_back(std::move(t));
    return out;
  };
  const std::vector<XTick> hours = hour_ticks(), dates = date_ticks(s.start, days);
  std::ostringstream o;
  o << svg_line_chart(
      "daily-profile", "Mean day: load, PV and P2P trade", "kW",
      {{"load", "#D55E00", load}, {"PV", "#E69F00", pv}, {"P2P traded", "#0072B2", p2p}}, hours,
      "time of day (local)");
  o << svg_line_chart("price-day", "P2P price by time of day, over all days", "tokens/kWh",
                      price_series(by_qh), hours, "time of day (local)");
  o << svg_line_chart("price", "P2P price per day", "tokens/kWh", price_series(by_day), dates,
                      "day");
  o << svg_bar_chart("volume-year", "P2P energy traded per day", "kWh", daily_p2p,
                     std::vector<std::string>(daily_p2p.size(), "#0072B2"), {}, "day");
  double capacity = 0;
  for (const HouseholdGroup& g : s.groups) capacity += g.count * g.battery.capacity_wh / 1000;
  if (capacity > 0)
    o << svg_line_chart(
        "battery-soc", "Batteries: community state of charge, mean day", "kWh",
        {{"state of charge", "#009E73", soc_day},
         {"capacity", "#999999", std::vector<double>(kSlotsPerDay, capacity), true}},
        hours, "time of day (local)");
  o << household_charts(s, r);
  return o.str();
}

}  // namespace

std::string render_report_html(const Scenario& s, const std::vector<MechanismRun>& runs,
                               size_t primary) {
  const MechanismRun& run = runs.at(primary);
  const int days = static_cast<int>(run.result.slots.size() / kSlotsPerDay);
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>wattle sim: " << html_escape(s.name) << "</title>\n"
    << "<script>window.__errors=[];window.addEventListener('error',function(e){"
       "window.__errors.push(String(e.message));document.documentElement.setAttribute("
       "'data-js-errors',String(window.__errors.length));});</script>\n"
    << "<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1240px}"
       "table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;"
       "border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{"
       "text-align:left}th{vertical-align:bottom}.scroll{overflow-x:auto;max-width:100%}"
       ".title{font-size:14px;font-weight:bold}.tick{font-size:11px;fill:#555}"
       ".legend{font-size:12px}.grid{stroke:#e4e4e4}.axis{stroke:#888}"
       "svg.chart{display:block;margin:18px 0;width:100%;max-width:760px;height:auto}"
       ".notes{font-size:13px;color:#444}"
       "@media (max-width:600px){body{margin:8px}h1{font-size:22px}}</style>"
    << "</head><body data-js-errors=\"0\">\n"
    << "<h1>" << html_escape(s.name) << "</h1><p>Scenario: " << html_escape(s.description)
    << "</p>\n<p>" << s.households() << " households, " << days << " days from "
    << format_date(s.start) << ", seed " << s.seed << ", " << runs.size()
    << (runs.size() == 1 ? " mechanism" : " mechanisms")
    << ". Savings are against the grid-only baseline: the same households and physical flows "
       "buying their net import at the import tariff and selling their net export at the feed-in "
       "tariff, batteries run for self-consumption. <i>Local match</i> is the P2P energy over the "
       "energy that could have been traded locally (per slot the smaller of offered and wanted "
       "energy); <i>allocative efficiency</i> is measured against the agents' own limit "
       "prices.</p>\n"
    << "<h2>Mechanisms</h2>\n"
    << comparison_table(runs) << group_section(s, runs)
    << "<h2 id=\"details\">Details: " << html_escape(run.result.mechanism) << "</h2>\n<p>"
    << html_escape(mechanism_summary(run.result.mechanism))
    << (runs.size() > 1 ? " (the first mechanism; slots-&lt;mechanism&gt;.csv and "
                          "households-&lt;mechanism&gt;.csv hold every mechanism's detail)"
                        : "")
    << "</p>\n"
    << detail_charts(s, run)
    << "<script>(function(){var n=0;document.querySelectorAll('svg.chart').forEach(function(s){"
       "if(s.querySelector('path.series,rect.bar'))n++;});"
       "document.body.setAttribute('data-charts-rendered',String(n));"
       "document.body.setAttribute('data-charts',String(document.querySelectorAll('svg.chart')"
       ".length));})();</script>\n"
    << "</body></html>\n";
  return o.str();
}

// With a market tree: how much energy each market matched over the run
// (stayed at that level), and its share of all P2P energy.
nlohmann::json levels_json(const Scenario& s, const RunResult& r) {
  int64_t total = 0;
  for (int64_t v : r.level_traded_wh) total += v;
  nlohmann::json out = nlohmann::json::array();
  for (size_t m = 0; m < s.markets.nodes.size(); ++m) {
    const int64_t wh = m < r.level_traded_wh.size() ? r.level_traded_wh[m] : 0;
    out.push_back({{"market", s.markets.nodes[m].name},
                   {"parent", s.markets.nodes[m].parent},
                   {"traded_wh", wh},
                   {"share_of_p2p", total > 0 ? static_cast<double>(wh) / total : 0.0}});
  }
  return out;
}

Status write_outputs(const std::string& dir, const Scenario& s,
                     const std::vector<MechanismRun>& runs, size_t primary) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status(Code::kIoError, dir + ": cannot create directory: " + ec.message());
  nlohmann::json summary = {
      {"scenario", s.name},
      {"seed", s.seed},
      {"start", format_date(s.start)},
      {"days", s.days},
      {"households", s.households()},
      {"grid_buy", s.grid_buy},
      {"grid_sell", s.grid_sell},
      {"baseline",
       "the same households and physical flows with no P2P market: net import at grid_buy, net "
       "export at grid_sell, batteries dispatched for self-consumption"},
      {"runs", nlohmann::json::array()}};
  for (const MechanismRun& m : runs) {
    if (!s.markets.nodes.empty()) summary["levels"] = levels_json(s, m.result);
    summary["runs"].push_back({{"mechanism", m.result.mechanism},
                               {"wall_s", m.wall_s},
                               {"kpis", kpis_json(m.kpis)},
                               {"groups", groups_json(group_kpis(m.result), s.certificates)},
                               {"slots_csv", "slots-" + m.result.mechanism + ".csv"},
                               {"households_csv", "households-" + m.result.mechanism + ".csv"}});
    WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / ("slots-" + m.result.mechanism + ".csv"),
                                      slots_csv(s, m.result)));
    WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / ("households-" + m.result.mechanism + ".csv"),
                                      households_csv(m.result)));
  }
  WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / "summary.json", summary.dump(2) + "\n"));
  const MechanismRun& run = runs.at(primary);
  WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / "slots.csv", slots_csv(s, run.result)));
  WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / "households.csv", households_csv(run.result)));
  return write_file(fs::path(dir) / "report.html", render_report_html(s, runs, primary));
}

}  // namespace wattle::sim
