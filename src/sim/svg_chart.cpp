#include "sim/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace wattle::sim {

namespace {

constexpr int kW = 720, kPlotH = 190, kLeft = 64, kRight = 16, kTop = 30;
constexpr int kLegendRow = 18, kLegendPerRow = 4, kLegendWidth = 160;

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The y range of a chart: always includes 0, never empty.
struct Range {
  double lo = 0, hi = 0;
  void add(double v) {
    if (std::isnan(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void finish() {
    if (hi <= lo) hi = lo + 1;
  }
  double y(double v) const { return kTop + kPlotH * (1 - (v - lo) / (hi - lo)); }
};

// Layout below the plot: tick labels, the x label, then the legend rows.
struct Frame {
  int tick_space = 18;  // room for the x tick labels
  size_t legend_entries = 0;
  int legend_rows() const {
    return static_cast<int>((legend_entries + kLegendPerRow - 1) / kLegendPerRow);
  }
  int height() const { return kTop + kPlotH + tick_space + 18 + kLegendRow * legend_rows() + 6; }
  int x_label_y() const { return kTop + kPlotH + tick_space + 12; }
  int legend_y(size_t k) const {
    return x_label_y() + kLegendRow * (1 + static_cast<int>(k / kLegendPerRow));
  }
};

std::string open(const std::string& id, const Range& r, const Frame& f, const std::string& title,
                 const std::string& unit) {
  std::ostringstream o;
  o << "<svg id=\"" << id << "\" class=\"chart\" viewBox=\"0 0 " << kW << " " << f.height()
    << "\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
    << "<text x=\"" << kLeft << "\" y=\"18\" class=\"title\">" << html_escape(title) << " ("
    << html_escape(unit) << ")</text>";
  const int decimals = std::abs(r.hi - r.lo) < 2 ? 3 : 1;
  for (int i = 0; i <= 4; ++i) {
    const double v = r.lo + (r.hi - r.lo) * i / 4;
    const double y = r.y(v);
    o << "<line x1=\"" << kLeft << "\" x2=\"" << kW - kRight << "\" y1=\"" << fmt(y, 1)
      << "\" y2=\"" << fmt(y, 1) << "\" class=\"grid\"/><text x=\"" << kLeft - 6 << "\" y=\""
      << fmt(y + 4, 1) << "\" class=\"tick\" text-anchor=\"end\">" << fmt(v, decimals) << "</text>";
  }
  return o.str();
}

std::string legend(const Frame& f, const std::vector<LegendEntry>& entries) {
  std::ostringstream o;
  for (size_t k = 0; k < entries.size(); ++k)
    o << "<text x=\"" << kLeft + kLegendWidth * static_cast<int>(k % kLegendPerRow) << "\" y=\""
      << f.legend_y(k) << "\" class=\"legend\" fill=\"" << entries[k].color << "\">&#9632; "
      << html_escape(entries[k].name) << "</text>";
  return o.str();
}

std::string x_label(const Frame& f, const std::string& text) {
  if (text.empty()) return "";
  std::ostringstream o;
  o << "<text x=\"" << kLeft + (kW - kLeft - kRight) / 2 << "\" y=\"" << f.x_label_y()
    << "\" class=\"tick\" text-anchor=\"middle\">" << html_escape(text) << "</text>";
  return o.str();
}

}  // namespace

std::string html_escape(const std::string& s) {
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

const std::string& palette_color(size_t i) {
  // Okabe-Ito, colour-blind safe, then a few darker tones.
  static const std::vector<std::string> colors = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                                  "#D55E00", "#56B4E9", "#F0E442", "#000000",
                                                  "#8C564B", "#7F7F7F"};
  return colors[i % colors.size()];
}

std::string svg_line_chart(const std::string& id, const std::string& title, const std::string& unit,
                           const std::vector<ChartSeries>& series, const std::vector<XTick>& ticks,
                           const std::string& xlabel) {
  Range r;
  size_t n = 0;
  std::vector<LegendEntry> entries;
  for (const ChartSeries& s : series) {
    for (double v : s.values) r.add(v);
    n = std::max(n, s.values.size());
    if (!s.values.empty()) entries.push_back({s.name, s.color});
  }
  r.finish();
  Frame f;
  f.legend_entries = entries.size();
  std::ostringstream o;
  o << open(id, r, f, title, unit);
  const double w = kW - kLeft - kRight;
  for (const auto& [frac, label] : ticks) {
    const double x = kLeft + w * std::clamp(frac, 0.0, 1.0);
    o << "<line x1=\"" << fmt(x, 1) << "\" x2=\"" << fmt(x, 1) << "\" y1=\"" << kTop + kPlotH
      << "\" y2=\"" << kTop + kPlotH + 4 << "\" class=\"axis\"/><text x=\"" << fmt(x, 1)
      << "\" y=\"" << kTop + kPlotH + 15 << "\" class=\"tick\" text-anchor=\"middle\">"
      << html_escape(label) << "</text>";
  }
  for (const ChartSeries& s : series) {
    if (s.values.empty()) continue;
    std::string d;
    bool pen_down = false;
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (std::isnan(s.values[i])) {
        pen_down = false;
        continue;
      }
      const double x =
          kLeft + (n > 1 ? w * static_cast<double>(i) / static_cast<double>(n - 1) : 0);
      d += pen_down ? 'L' : 'M';
      d += fmt(x, 1);
      d += ',';
      d += fmt(r.y(s.values[i]), 1);
      pen_down = true;
    }
    if (d.empty()) continue;
    o << "<path class=\"series\" fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"2\""
      << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << " d=\"" << d << "\"/>";
  }
  o << x_label(f, xlabel) << legend(f, entries) << "</svg>\n";
  return o.str();
}

std::string svg_bar_chart(const std::string& id, const std::string& title, const std::string& unit,
                          const std::vector<double>& values, const std::vector<std::string>& colors,
                          const std::vector<LegendEntry>& entries, const std::string& xlabel) {
  Range r;
  for (double v : values) r.add(v);
  r.finish();
  Frame f;
  f.tick_space = 4;
  f.legend_entries = entries.size();
  std::ostringstream o;
  o << open(id, r, f, title, unit);
  const double w = kW - kLeft - kRight;
  const double bw = values.empty() ? 0 : w / static_cast<double>(values.size());
  const double zero = r.y(0);
  for (size_t i = 0; i < values.size(); ++i) {
    const double y = r.y(values[i]);
    o << "<rect class=\"bar\" x=\"" << fmt(kLeft + bw * static_cast<double>(i), 2) << "\" y=\""
      << fmt(std::min(y, zero), 2) << "\" width=\"" << fmt(std::max(bw * 0.85, 0.5), 2)
      << "\" height=\"" << fmt(std::max(std::abs(zero - y), 0.5), 2) << "\" fill=\""
      << (i < colors.size() ? colors[i] : palette_color(0)) << "\"/>";
  }
  o << x_label(f, xlabel) << legend(f, entries) << "</svg>\n";
  return o.str();
}

std::string svg_grouped_bar_chart(const std::string& id, const std::string& title,
                                  const std::string& unit,
                                  const std::vector<std::string>& categories,
                                  const std::vector<LegendEntry>& series,
                                  const std::vector<std::vector<double>>& values) {
  Range r;
  for (const auto& row : values)
    for (double v : row) r.add(v);
  r.finish();
  Frame f;
  // Category labels are written at an angle: room for the longest.
  size_t longest = 0;
  for (const std::string& c : categories) longest = std::max(longest, c.size());
  f.tick_space = 12 + static_cast<int>(std::min<size_t>(longest, 20) * 5);
  f.legend_entries = series.size();
  std::ostringstream o;
  o << open(id, r, f, title, unit);
  const double w = kW - kLeft - kRight;
  const double cw = categories.empty() ? 0 : w / static_cast<double>(categories.size());
  const double bw = series.empty() ? 0 : cw * 0.8 / static_cast<double>(series.size());
  const double zero = r.y(0);
  for (size_t c = 0; c < categories.size(); ++c) {
    const double x0 = kLeft + cw * static_cast<double>(c) + cw * 0.1;
    for (size_t s = 0; s < series.size() && c < values.size() && s < values[c].size(); ++s) {
      const double y = r.y(values[c][s]);
      o << "<rect class=\"bar\" x=\"" << fmt(x0 + bw * static_cast<double>(s), 2) << "\" y=\""
        << fmt(std::min(y, zero), 2) << "\" width=\"" << fmt(std::max(bw * 0.9, 0.5), 2)
        << "\" height=\"" << fmt(std::max(std::abs(zero - y), 0.5), 2) << "\" fill=\""
        << series[s].color << "\"><title>" << html_escape(categories[c]) << ", "
        << html_escape(series[s].name) << ": " << fmt(values[c][s], 2) << "</title></rect>";
    }
    const double xc = kLeft + cw * (static_cast<double>(c) + 0.5);
    o << "<text class=\"tick\" text-anchor=\"end\" transform=\"translate(" << fmt(xc, 1) << ","
      << kTop + kPlotH + 10 << ") rotate(-40)\">" << html_escape(categories[c]) << "</text>";
  }
  o << legend(f, series) << "</svg>\n";
  return o.str();
}

}  // namespace wattle::sim
