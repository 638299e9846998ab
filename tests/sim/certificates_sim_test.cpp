// The simulator's certificates (docs/certificates.md, docs/sim.md): with
// `certificates = true` each slot's sales carry their certificates to the
// buyers by the chain's split rule and each buyer claims them against its
// import in the slot; the group KPI "24/7 matched %" is matched / metered
// import.
#include <gtest/gtest.h>

#include "sim/engine.h"
#include "sim/kpi.h"
#include "sim/presets.h"

namespace wattle::sim {
namespace {

std::unique_ptr<MarketBackend> uniform(const Scenario& s) {
  auto m =
      make_fast_market("uniform", {}, Tariffs{to_micro(s.grid_buy), to_micro(s.grid_sell)}, true);
  EXPECT_TRUE(m) << m.status().message();
  return std::move(*m);
}

// Two consumers (100 and 200 Wh per slot) and a producer exporting 150 Wh
// per slot; truthful agents; one day.
Scenario three_households(bool certificates) {
  Scenario s;
  s.days = 1;
  s.clouds = false;
  s.grid_buy = 0.30;
  s.grid_sell = 0.08;
  s.certificates = certificates;
  HouseholdGroup small, large, producer;
  small.name = "small";
  small.load_noise = 0;
  small.load_wh = std::vector<double>(96, 100.0);
  large = small;
  large.name = "large";
  large.load_wh = std::vector<double>(96, 200.0);
  producer.name = "producer";
  producer.annual_kwh = 0;
  producer.load_noise = 0;
  producer.pv_wh = std::vector<double>(96, 150.0);
  s.groups = {small, large, producer};
  return s;
}

TEST(SimCertificates, HandComputedMatching) {
  // Per slot the producer's 150 Wh all sell P2P (buyers want 300 Wh at the
  // grid price, it asks the feed-in price): issued 150 Wh, sold S = 150,
  // M = min(150, 150) = 150, each buyer gets floor(150 * b / 150) = b, and
  // claims min(b, its import). Whatever the split between the two buyers,
  // the consumers' matched Wh sum to 150 per slot of their 300 Wh import.
  const Scenario s = three_households(true);
  Result<RunResult> r = run_scenario(s, *uniform(s));
  ASSERT_TRUE(r) << r.status().message();
  int64_t matched = 0, metered_import = 0;
  for (int i = 0; i < 2; ++i) {
    const HouseholdTotals& h = r->households[i];
    EXPECT_EQ(h.cert_matched_wh, h.p2p_bought_wh) << i;
    matched += h.cert_matched_wh;
    metered_import += h.import_wh + h.p2p_bought_wh;
  }
  EXPECT_EQ(matched, 96 * 150);
  EXPECT_EQ(metered_import, 96 * 300);
  EXPECT_EQ(r->households[2].cert_matched_wh, 0);  // the producer imports nothing
  double consumers_pct = 0, groups = 0;
  for (const GroupKpis& g : group_kpis(*r))
    if (g.group != "producer") {
      consumers_pct += g.matched_247_pct * (g.group == "small" ? 100 : 200);
      groups += g.group == "small" ? 100 : 200;
    }
  EXPECT_NEAR(consumers_pct / groups, 50.0, 1e-9);  // import-weighted: 150 of 300 Wh
}

TEST(SimCertificates, OffMatchesNothing) {
  const Scenario s = three_households(false);
  Result<RunResult> r = run_scenario(s, *uniform(s));
  ASSERT_TRUE(r);
  for (const HouseholdTotals& h : r->households) EXPECT_EQ(h.cert_matched_wh, 0);
  for (const GroupKpis& g : group_kpis(*r)) EXPECT_EQ(g.matched_247_pct, 0);
}

TEST(SimCertificates, PresetMatchedNeverExceedsBoughtOrImport) {
  // In fast mode metering equals the orders, so a seller's export covers its
  // sales and each buyer receives exactly what it bought P2P; matched is that,
  // capped by its import.
  const Preset* p = find_preset("gridsingularity");
  ASSERT_TRUE(p);
  Result<Scenario> s = parse_scenario("certificates = true\n" + p->toml, "preset", ".", 2);
  ASSERT_TRUE(s) << s.status().message();
  ASSERT_TRUE(s->certificates);
  Result<RunResult> r = run_scenario(*s, *uniform(*s));
  ASSERT_TRUE(r) << r.status().message();
  int64_t matched = 0, bought = 0;
  for (const HouseholdTotals& h : r->households) {
    EXPECT_LE(h.cert_matched_wh, h.p2p_bought_wh);
    EXPECT_LE(h.cert_matched_wh, h.import_wh + h.p2p_bought_wh);
    matched += h.cert_matched_wh;
    bought += h.p2p_bought_wh;
  }
  EXPECT_GT(bought, 0);
  EXPECT_EQ(matched, bought);
}

}  // namespace
}  // namespace wattle::sim
