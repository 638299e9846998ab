// Inline SVG charts for the simulator's HTML report: line charts with labelled
// x ticks, bar charts coloured per bar, grouped bar charts.
//
// Promise: each chart is one self-contained <svg class="chart"> with a
// viewBox and no fixed width, so it scales with the window (the page's CSS
// sets width 100 %); the y axis always includes 0; a NaN value breaks a line
// (no point drawn) instead of drawing it at 0; legends wrap onto further rows
// rather than running off the chart. Drawn lines are <path class="series">,
// bars <rect class="bar"> (a browser test counts them).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace wattle::sim {

struct ChartSeries {
  std::string name;
  std::string color;
  std::vector<double> values;
  bool dashed = false;  // reference lines (tariffs)
};

struct LegendEntry {
  std::string name;
  std::string color;
};

// An x tick: its position as a fraction of the x range (0..1) and its label.
using XTick = std::pair<double, std::string>;

std::string svg_line_chart(const std::string& id, const std::string& title, const std::string& unit,
                           const std::vector<ChartSeries>& series, const std::vector<XTick>& ticks,
                           const std::string& x_label);

// One bar per value, each in its own colour; `legend` explains the colours.
std::string svg_bar_chart(const std::string& id, const std::string& title, const std::string& unit,
                          const std::vector<double>& values, const std::vector<std::string>& colors,
                          const std::vector<LegendEntry>& legend, const std::string& x_label);

// values[c][s]: category c (labelled on the x axis), series s (a colour).
std::string svg_grouped_bar_chart(const std::string& id, const std::string& title,
                                  const std::string& unit,
                                  const std::vector<std::string>& categories,
                                  const std::vector<LegendEntry>& series,
                                  const std::vector<std::vector<double>>& values);

// Escapes text for HTML and SVG (<, >, &, ").
std::string html_escape(const std::string& s);

// A colour per index from a fixed palette that stays distinguishable in print.
const std::string& palette_color(size_t i);

}  // namespace wattle::sim
