#include "rpc/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace wattle::rpc {
namespace {

TEST(Metrics, RendersPrometheusTextSortedByName) {
  Metrics m;
  Gauge& height = m.gauge("wattle_height", "Height of the last committed block.");
  Counter& txs = m.counter("wattle_txs_committed_total", "Transactions committed.");
  Histogram& lat =
      m.histogram("wattle_commit_latency_seconds", "Block commit latency.", {0.25, 0.5, 1});
  height.set(42);
  txs.inc(7);
  txs.inc();
  // Binary fractions, so the sum prints exactly.
  lat.observe(0.125);  // <= 0.25
  lat.observe(0.25);   // on a bound: counts in that bucket (le = less or equal)
  lat.observe(0.75);   // <= 1
  lat.observe(3);      // only +Inf

  EXPECT_EQ(m.render(),
            "# HELP wattle_commit_latency_seconds Block commit latency.\n"
            "# TYPE wattle_commit_latency_seconds histogram\n"
            "wattle_commit_latency_seconds_bucket{le=\"0.25\"} 2\n"
            "wattle_commit_latency_seconds_bucket{le=\"0.5\"} 2\n"
            "wattle_commit_latency_seconds_bucket{le=\"1\"} 3\n"
            "wattle_commit_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "wattle_commit_latency_seconds_sum 4.125\n"
            "wattle_commit_latency_seconds_count 4\n"
            "# HELP wattle_height Height of the last committed block.\n"
            "# TYPE wattle_height gauge\n"
            "wattle_height 42\n"
            "# HELP wattle_txs_committed_total Transactions committed.\n"
            "# TYPE wattle_txs_committed_total counter\n"
            "wattle_txs_committed_total 8\n");
}

TEST(Metrics, EmptyRegistryRendersNothingAndGaugesTakeFractions) {
  Metrics m;
  EXPECT_EQ(m.render(), "");
  Gauge& g = m.gauge("g", "help with \\ and\nnewline");
  g.set(1.5);
  g.add(-3);
  EXPECT_EQ(m.render(),
            "# HELP g help with \\\\ and\\nnewline\n"
            "# TYPE g gauge\n"
            "g -1.5\n");
}

TEST(Metrics, SameNameReturnsSameMetric) {
  Metrics m;
  Counter& a = m.counter("c_total", "x");
  Counter& b = m.counter("c_total", "ignored the second time");
  EXPECT_EQ(&a, &b);
  Histogram& h1 = m.histogram("h", "x", {1, 2});
  Histogram& h2 = m.histogram("h", "x", {5});
  EXPECT_EQ(&h1, &h2);
  EXPECT_EQ(h2.snapshot().bounds, (std::vector<double>{1, 2}));
}

TEST(Metrics, ReferencesStayValidAsTheRegistryGrows) {
  Metrics m;
  Counter& first = m.counter("a_total", "x");
  for (int i = 0; i < 200; ++i) {
    std::string name = "c";  // built stepwise: g++ 12 warns falsely on "c" + to_string(i)
    name += std::to_string(i);
    name += "_total";
    m.counter(name, "x");
  }
  first.inc(3);
  EXPECT_EQ(m.counter("a_total", "x").value(), 3u);
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Metrics m;
  Counter& c = m.counter("c_total", "x");
  Histogram& h = m.histogram("h_seconds", "x", {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        c.inc();
        h.observe(i % 2 ? 1.0 : 0.25);
        if (i % 1000 == 0) (void)m.render();  // renders race with updates safely
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40'000u);
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, 40'000u);
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{20'000, 40'000}));
  EXPECT_DOUBLE_EQ(s.sum, 20'000 * 1.0 + 20'000 * 0.25);
}

TEST(MetricsDeathTest, KindConflictAndBadNamesAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Metrics m;
        m.counter("x", "a");
        m.gauge("x", "b");
      },
      "registered as counter and gauge");
  EXPECT_DEATH(
      {
        Metrics m;
        m.counter("9bad-name", "a");
      },
      "invalid metric name");
  EXPECT_DEATH(Histogram({2, 1}), "strictly increasing");
}

}  // namespace
}  // namespace wattle::rpc
