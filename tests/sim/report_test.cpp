// `--mechanism all` outputs: every mechanism in the report and summary.json,
// broken down by household group, and CSVs per mechanism (docs/sim.md, Outputs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/engine.h"
#include "sim/kpi.h"
#include "sim/presets.h"
#include "sim/report.h"

namespace wattle::sim {
namespace {

std::vector<MechanismRun> runs_of(const Scenario& s, const std::vector<std::string>& names) {
  std::vector<MechanismRun> out;
  for (const std::string& n : names) {
    auto m = make_fast_market(n, {}, Tariffs{to_micro(s.grid_buy), to_micro(s.grid_sell)}, false);
    EXPECT_TRUE(m);
    Result<RunResult> r = run_scenario(s, **m);
    EXPECT_TRUE(r);
    MechanismRun mr;
    mr.kpis = community_kpis(*r, s.carbon_g_per_kwh, s.slots());
    mr.result = std::move(*r);
    out.push_back(std::move(mr));
  }
  return out;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(Report, EveryMechanismByGroupInReportSummaryAndCsvs) {
  Result<Scenario> s = parse_scenario(find_preset("brooklyn")->toml, "preset", ".", 2);
  ASSERT_TRUE(s);
  const std::vector<MechanismRun> runs = runs_of(*s, {"uniform", "pay-as-bid", "mmr"});
  const std::string dir = testing::TempDir() + "/wattle_report_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(write_outputs(dir, *s, runs, 0).is_ok());
  // summary.json: each run with its groups (prosumer, consumer).
  const nlohmann::json j = nlohmann::json::parse(slurp(dir + "/summary.json"));
  ASSERT_EQ(j["runs"].size(), 3u);
  for (const auto& run : j["runs"]) {
    ASSERT_EQ(run["groups"].size(), 2u) << run.dump();
    EXPECT_EQ(run["groups"][0]["group"], "prosumer");
    EXPECT_EQ(run["groups"][1]["group"], "consumer");
    for (const char* key : {"savings_pct", "cost", "self_sufficiency", "self_consumption",
                            "p2p_kwh", "savings_p10", "savings_p90", "gini_savings"})
      EXPECT_TRUE(run["groups"][0].contains(key)) << key;
    EXPECT_TRUE(run["kpis"].contains("local_match_pct"));
    EXPECT_TRUE(run["kpis"].contains("baseline_peak_import_kw"));
    // A CSV pair per mechanism, with that mechanism's numbers.
    const std::string m = run["mechanism"];
    const std::string hh = slurp(dir + "/households-" + m + ".csv");
    EXPECT_NE(hh.find("battery_charge_kwh"), std::string::npos);
    EXPECT_EQ(std::count(hh.begin(), hh.end(), '\n'), s->households() + 1);
    const std::string slots = slurp(dir + "/slots-" + m + ".csv");
    EXPECT_NE(slots.find("local_possible_wh,baseline_import_wh,battery_charge_wh"),
              std::string::npos);
    EXPECT_EQ(std::count(slots.begin(), slots.end(), '\n'), s->slots() + 1);
  }
  // The per-mechanism CSVs differ where the mechanisms do (bills).
  EXPECT_NE(slurp(dir + "/households-uniform.csv"), slurp(dir + "/households-mmr.csv"));
  // The legacy names still hold the first mechanism.
  EXPECT_EQ(slurp(dir + "/households.csv"), slurp(dir + "/households-uniform.csv"));
  // report.html: one comparison row per mechanism, one group row per
  // mechanism and group, each mechanism's own description, the group chart.
  const std::string html = slurp(dir + "/report.html");
  for (const char* m : {"uniform", "pay-as-bid", "mmr"}) {
    std::ostringstream item;
    item << "<li><b>" << m << "</b>";
    EXPECT_NE(html.find(item.str()), std::string::npos) << m;
    for (const char* g : {"prosumer", "consumer"}) {
      std::ostringstream row;
      row << "<tr><td>" << m << "</td><td>" << g << "</td>";
      EXPECT_NE(html.find(row.str()), std::string::npos) << m << " " << g;
    }
  }
  EXPECT_NE(html.find("<svg id=\"group-savings\""), std::string::npos);
  // Legends name the tariffs as tariffs, money columns carry their unit.
  EXPECT_NE(html.find("grid import tariff"), std::string::npos);
  EXPECT_NE(html.find("bill (tokens)"), std::string::npos);
  // Hour ticks on the time-of-day axes.
  EXPECT_NE(html.find(">06:00</text>"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(GroupKpis, SpreadOfSavingsWithinAGroup) {
  RunResult r;
  for (int i = 0; i < 10; ++i) {
    HouseholdTotals t;
    t.group = std::string(1, i < 5 ? 'a' : 'b');
    t.baseline_cost = 1'000'000 * (i + 1);  // savings i+1 tokens for group a: 1..5
    t.cost = i < 5 ? 0 : t.baseline_cost;   // group b saves nothing
    t.load_wh = 1000;
    t.import_wh = 250;
    r.households.push_back(t);
  }
  const std::vector<GroupKpis> g = group_kpis(r);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].group, "a");
  EXPECT_EQ(g[0].households, 5);
  EXPECT_DOUBLE_EQ(g[0].savings, 15.0);
  EXPECT_DOUBLE_EQ(g[0].savings_pct, 100.0);
  EXPECT_DOUBLE_EQ(g[0].savings_p10, 1.4);  // numpy.percentile([1..5], 10)
  EXPECT_DOUBLE_EQ(g[0].savings_p90, 4.6);
  EXPECT_NEAR(g[0].gini_savings, gini({1, 2, 3, 4, 5}), 1e-12);
  EXPECT_DOUBLE_EQ(g[0].self_sufficiency, 0.75);
  EXPECT_DOUBLE_EQ(g[1].savings, 0.0);
  EXPECT_DOUBLE_EQ(g[1].gini_savings, 0.0);
}

}  // namespace
}  // namespace wattle::sim
