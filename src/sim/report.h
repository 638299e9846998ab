// Run outputs: summary.json, per-slot and per-household CSV, and a
// self-contained report.html (inline SVG charts, no scripts or fonts from the
// network; one small inline script records JavaScript errors into the page
// so a headless browser test can see them).
//
// Promise: writes only inside `dir` (created if missing); returns an IoError
// naming the file that could not be written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/engine.h"
#include "sim/kpi.h"
#include "sim/scenario.h"

namespace wattle::sim {

struct MechanismRun {
  RunResult result;
  CommunityKpis kpis;
  double wall_s = 0;
};

// With a market tree (docs/sim.md, "Markets as a tree"): per market of
// s.markets, {"market", "parent", "traded_wh" (what it matched over the
// run: the energy that stayed at that level), "share_of_p2p"}; summary.json
// holds it as "levels".
nlohmann::json levels_json(const Scenario& s, const RunResult& r);

// summary.json (every run's KPIs and its mechanism x group KPIs),
// slots-<mechanism>.csv and households-<mechanism>.csv for every run,
// slots.csv and households.csv for runs[primary], and report.html: every
// mechanism compared (table, mechanism x group table and chart), the
// primary run's charts in detail.
Status write_outputs(const std::string& dir, const Scenario& s,
                     const std::vector<MechanismRun>& runs, size_t primary);

// The HTML report alone (tests render it without touching the disk).
std::string render_report_html(const Scenario& s, const std::vector<MechanismRun>& runs,
                               size_t primary = 0);

}  // namespace wattle::sim
