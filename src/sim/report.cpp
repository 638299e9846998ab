#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/load_profile.h"

namespace wattle::sim {

namespace {

std::string fmt(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

struct Series {
  std::string name;
  std::string color;
  std::vector<double> values;
};

constexpr int kW = 720, kH = 260, kLeft = 60, kRight = 20, kTop = 30, kBottom = 40;

// y axis from min(0, data) to max(data) with four grid lines.
std::string axes(double lo, double hi, const std::string& title, const std::string& unit) {
  std::ostringstream o;
  o << "<text x=\"" << kLeft << "\" y=\"18\" class=\"title\">" << escape(title) << " ("
    << escape(unit) << ")</text>";
  for (int i = 0; i <= 4; ++i) {
    const double v = lo + (hi - lo) * i / 4;
    const double y = kTop + (kH - kTop - kBottom) * (1 - i / 4.0);
    o << "<line x1=\"" << kLeft << "\" x2=\"" << kW - kRight << "\" y1=\"" << y << "\" y2=\"" << y
      << "\" class=\"grid\"/><text x=\"" << kLeft - 6 << "\" y=\"" << y + 4
      << "\" class=\"tick\" text-anchor=\"end\">" << fmt(v, std::abs(hi - lo) < 2 ? 3 : 1)
      << "</text>";
  }
  return o.str();
}

// The y range of a chart: always includes 0, never empty.
struct Range {
  double lo = 0, hi = 0;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  Range& finish() {
    if (hi <= lo) hi = lo + 1;
    return *this;
  }
};

// The <svg> start tag with its axes and title.
std::string chart_open(const std::string& id, const Range& r, const std::string& title,
                       const std::string& unit) {
  std::ostringstream o;
  o << "<svg id=\"" << id << "\" class=\"chart\" viewBox=\"0 0 " << kW << " " << kH << "\" width=\""
    << kW << "\" height=\"" << kH << "\" xmlns=\"http://www.w3.org/2000/svg\">"
    << axes(r.lo, r.hi, title, unit);
  return o.str();
}

std::string line_chart(const std::string& id, const std::string& title, const std::string& unit,
                       const std::vector<Series>& series, const std::string& x_first,
                       const std::string& x_last) {
  Range range;
  size_t n = 0;
  for (const Series& s : series) {
    for (double v : s.values) range.add(v);
    n = std::max(n, s.values.size());
  }
  const auto [lo, hi] = range.finish();
  std::ostringstream o;
  o << chart_open(id, range, title, unit);
  const double w = kW - kLeft - kRight, h = kH - kTop - kBottom;
  int legend = 0;
  for (const Series& s : series) {
    if (s.values.empty()) continue;
    o << "<path class=\"series\" fill=\"none\" stroke=\"" << s.color
      << "\" stroke-width=\"2\" d=\"";
    for (size_t i = 0; i < s.values.size(); ++i) {
      const double x =
          kLeft + (n > 1 ? w * static_cast<double>(i) / static_cast<double>(n - 1) : 0);
      const double y = kTop + h * (1 - (s.values[i] - lo) / (hi - lo));
      o << (i == 0 ? "M" : "L") << fmt(x, 1) << "," << fmt(y, 1);
    }
    o << "\"/><text x=\"" << kLeft + 10 + 150 * legend++ << "\" y=\"" << kH - 8
      << "\" class=\"legend\" fill=\"" << s.color << "\">&#9632; " << escape(s.name) << "</text>";
  }
  o << "<text x=\"" << kLeft << "\" y=\"" << kH - kBottom + 14 << "\" class=\"tick\">"
    << escape(x_first) << "</text><text x=\"" << kW - kRight << "\" y=\"" << kH - kBottom + 14
    << "\" class=\"tick\" text-anchor=\"end\">" << escape(x_last) << "</text></svg>\n";
  return o.str();
}

std::string bar_chart(const std::string& id, const std::string& title, const std::string& unit,
                      const std::vector<double>& values, const std::string& color) {
  Range range;
  for (double v : values) range.add(v);
  const auto [lo, hi] = range.finish();
  std::ostringstream o;
  o << chart_open(id, range, title, unit);
  const double w = kW - kLeft - kRight, h = kH - kTop - kBottom;
  const double bw = values.empty() ? 0 : w / static_cast<double>(values.size());
  const double zero = kTop + h * (1 - (0 - lo) / (hi - lo));
  for (size_t i = 0; i < values.size(); ++i) {
    const double y = kTop + h * (1 - (values[i] - lo) / (hi - lo));
    o << "<rect class=\"bar\" x=\"" << fmt(kLeft + bw * static_cast<double>(i), 2) << "\" y=\""
      << fmt(std::min(y, zero), 2) << "\" width=\"" << fmt(std::max(bw * 0.85, 0.5), 2)
      << "\" height=\"" << fmt(std::max(std::abs(zero - y), 0.5), 2) << "\" fill=\"" << color
      << "\"/>";
  }
  o << "<text x=\"" << kLeft << "\" y=\"" << kH - kBottom + 14
    << "\" class=\"tick\">households, sorted</text></svg>\n";
  return o.str();
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
          {"price_mean", c.price_mean},
          {"price_min", c.price_min},
          {"price_max", c.price_max},
          {"price_std", c.price_std},
          {"slots_with_trades", c.slots_with_trades},
          {"peak_import_kw", c.peak_import_kw},
          {"peak_to_average", c.peak_to_average},
          {"gini_savings", c.gini_savings},
          {"carbon_kg", c.carbon_kg}};
}

Status write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  out.close();
  if (!out) return Status(Code::kIoError, p.string() + ": cannot write");
  return Status::ok();
}

}  // namespace

std::string render_report_html(const Scenario& s, const MechanismRun& run) {
  const RunResult& r = run.result;
  const CommunityKpis& k = run.kpis;
  // Mean day: kW per quarter hour averaged over the days of the run.
  std::vector<double> load(kSlotsPerDay), pv(kSlotsPerDay), p2p(kSlotsPerDay);
  std::vector<double> daily_price, grid_buy, grid_sell;
  const int days = static_cast<int>(r.slots.size() / kSlotsPerDay);
  for (int d = 0; d < days; ++d) {
    int64_t value = 0, wh = 0;
    for (int q = 0; q < kSlotsPerDay; ++q) {
      const SlotRecord& sr = r.slots[static_cast<size_t>(d) * kSlotsPerDay + q];
      load[q] += sr.load_wh * 4 / 1000 / days;
      pv[q] += sr.pv_wh * 4 / 1000 / days;
      p2p[q] += static_cast<double>(sr.p2p_wh) * 4 / 1000 / days;
      value += sr.p2p_value;
      wh += sr.p2p_wh;
    }
    daily_price.push_back(wh > 0 ? static_cast<double>(value) / static_cast<double>(wh) / 1000.0
                                 : std::nan(""));
    grid_buy.push_back(s.grid_buy);
    grid_sell.push_back(s.grid_sell);
  }
  // Days without P2P trades carry the previous day's price (a flat segment)
  // rather than breaking the line.
  double last = s.grid_sell;
  for (double& p : daily_price) p = std::isnan(p) ? last : (last = p);
  std::vector<double> savings, sufficiency;
  for (const HouseholdTotals& t : r.households) {
    const HouseholdKpis hk = household_kpis(t);
    savings.push_back(hk.savings);
    sufficiency.push_back(100 * hk.self_sufficiency);
  }
  std::sort(savings.begin(), savings.end());
  std::sort(sufficiency.begin(), sufficiency.end());
  const Date last_day = add_days(s.start, std::max(days - 1, 0));

  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>wattle sim: " << escape(s.name) << "</title>\n"
    << "<script>window.__errors=[];window.addEventListener('error',function(e){"
       "window.__errors.push(String(e.message));document.documentElement.setAttribute("
       "'data-js-errors',String(window.__errors.length));});</script>\n"
    << "<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:780px}"
       "table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;"
       "text-align:right}td:first-child,th:first-child{text-align:left}"
       ".title{font-size:14px;font-weight:bold}.tick{font-size:11px;fill:#555}"
       ".legend{font-size:12px}.grid{stroke:#e4e4e4}svg{display:block;margin:18px 0}</style>"
    << "</head><body data-js-errors=\"0\">\n"
    << "<h1>" << escape(s.name) << "</h1><p>" << escape(s.description) << "</p>\n"
    << "<p>" << k.households << " households, " << days << " days from " << format_date(s.start)
    << ", mechanism <b>" << escape(r.mechanism) << "</b>, seed " << s.seed << ".</p>\n"
    << "<table id=\"kpis\"><tr><th>KPI</th><th>value</th></tr>";
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"bill with the market (tokens)", fmt(k.cost)},
      {"bill with the grid only (tokens)", fmt(k.baseline_cost)},
      {"savings", fmt(k.savings) + " (" + fmt(k.savings_pct, 1) + " %)"},
      {"self-sufficiency", fmt(100 * k.self_sufficiency, 1) + " %"},
      {"self-consumption", fmt(100 * k.self_consumption, 1) + " %"},
      {"P2P energy (kWh)", fmt(k.p2p_kwh, 1)},
      {"allocative efficiency", fmt(k.allocative_efficiency_pct, 1) + " %"},
      {"P2P price mean / min / max (tokens/kWh)",
       fmt(k.price_mean, 3) + " / " + fmt(k.price_min, 3) + " / " + fmt(k.price_max, 3)},
      {"peak grid import (kW)", fmt(k.peak_import_kw, 1)},
      {"peak-to-average import", fmt(k.peak_to_average, 2)},
      {"Gini of savings", fmt(k.gini_savings, 3)},
      {"carbon from grid imports (kg)", fmt(k.carbon_kg, 1)}};
  for (const auto& [name, value] : rows)
    o << "<tr><td>" << escape(name) << "</td><td>" << escape(value) << "</td></tr>";
  o << "</table>\n";
  o << line_chart(
      "daily-profile", "Mean day: load, PV and P2P trade", "kW",
      {{"load", "#d9534f", load}, {"PV", "#f0ad4e", pv}, {"P2P traded", "#337ab7", p2p}}, "00:00",
      "23:45");
  o << line_chart("price", "Mean P2P price per day", "tokens/kWh",
                  {{"P2P price", "#337ab7", daily_price},
                   {"grid import", "#999999", grid_buy},
                   {"feed-in", "#5cb85c", grid_sell}},
                  format_date(s.start), format_date(last_day));
  o << bar_chart("savings", "Savings per household vs grid only", "tokens", savings, "#5cb85c");
  o << bar_chart("self-sufficiency", "Self-sufficiency per household", "%", sufficiency, "#337ab7");
  o << "<script>(function(){var n=0;document.querySelectorAll('svg.chart').forEach(function(s){"
       "if(s.querySelector('path.series,rect.bar'))n++;});"
       "document.body.setAttribute('data-charts-rendered',String(n));})();</script>\n"
    << "</body></html>\n";
  return o.str();
}

Status write_outputs(const std::string& dir, const Scenario& s,
                     const std::vector<MechanismRun>& runs, size_t primary) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status(Code::kIoError, dir + ": cannot create directory: " + ec.message());
  nlohmann::json summary = {{"scenario", s.name},
                            {"seed", s.seed},
                            {"start", format_date(s.start)},
                            {"days", s.days},
                            {"households", s.households()},
                            {"grid_buy", s.grid_buy},
                            {"grid_sell", s.grid_sell},
                            {"runs", nlohmann::json::array()}};
  for (const MechanismRun& m : runs)
    summary["runs"].push_back(
        {{"mechanism", m.result.mechanism}, {"wall_s", m.wall_s}, {"kpis", kpis_json(m.kpis)}});
  WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / "summary.json", summary.dump(2) + "\n"));
  const MechanismRun& run = runs[primary];
  std::ostringstream slots;
  slots << "slot_start,load_wh,pv_wh,p2p_wh,grid_import_wh,grid_export_wh,orders,clearing_price,"
           "mean_p2p_price\n";
  for (size_t t = 0; t < run.result.slots.size(); ++t) {
    const SlotRecord& r = run.result.slots[t];
    slots << format_slot(add_days(s.start, static_cast<int64_t>(t / kSlotsPerDay)),
                         static_cast<int>(t % kSlotsPerDay))
          << "," << fmt(r.load_wh, 1) << "," << fmt(r.pv_wh, 1) << "," << r.p2p_wh << ","
          << r.import_wh << "," << r.export_wh << "," << r.orders << ","
          << (r.clearing_price ? std::to_string(*r.clearing_price) : "") << ","
          << (r.p2p_wh > 0 ? std::to_string(r.p2p_value * 1000 / r.p2p_wh) : "") << "\n";
  }
  WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / "slots.csv", slots.str()));
  std::ostringstream hh;
  hh << "household,group,agent,load_kwh,pv_kwh,grid_import_kwh,grid_export_kwh,p2p_bought_kwh,"
        "p2p_sold_kwh,cost,baseline_cost,savings,savings_pct,self_sufficiency,self_consumption\n";
  for (size_t i = 0; i < run.result.households.size(); ++i) {
    const HouseholdTotals& t = run.result.households[i];
    const HouseholdKpis k = household_kpis(t);
    hh << i << "," << t.group << "," << agent_name(t.agent) << "," << fmt(t.load_wh / 1000, 3)
       << "," << fmt(t.pv_wh / 1000, 3) << "," << fmt(t.import_wh / 1000.0, 3) << ","
       << fmt(t.export_wh / 1000.0, 3) << "," << fmt(t.p2p_bought_wh / 1000.0, 3) << ","
       << fmt(t.p2p_sold_wh / 1000.0, 3) << "," << fmt(k.cost, 6) << "," << fmt(k.baseline_cost, 6)
       << "," << fmt(k.savings, 6) << "," << fmt(k.savings_pct, 2) << ","
       << fmt(k.self_sufficiency, 4) << "," << fmt(k.self_consumption, 4) << "\n";
  }
  WATTLE_RETURN_IF_ERROR(write_file(fs::path(dir) / "households.csv", hh.str()));
  return write_file(fs::path(dir) / "report.html", render_report_html(s, run));
}

}  // namespace wattle::sim
