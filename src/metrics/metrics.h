// Metrics: a tiny registry of counters, gauges and histograms rendered in the
// Prometheus text exposition format (served by GET /metrics).
//
// Promises:
// - Thread safety: every method of Metrics, Counter, Gauge and Histogram may be
//   called from any thread at any time. Counter and Gauge are lock-free atomics;
//   Histogram takes a short lock so a render never sees a count that disagrees
//   with its buckets.
// - Ownership: the registry owns every metric; the references it hands out stay
//   valid for the registry's lifetime (metrics are never removed), so callers
//   keep them and update them without further lookups.
// - Registering a name twice returns the existing metric. Registering it with a
//   different kind, or registering an invalid Prometheus name, is a programming
//   bug and aborts (it happens at start-up, never on request paths).
// Values here are observability only, never consensus state, so doubles are
// fine (docs/architecture.md). It is a leaf library of its own (it depends on the
// standard library only, like core) so every layer (ledger, consensus, net,
// node) can record without reaching up into rpc, while core, which consensus
// state is made of, stays integer-only; rpc/metrics.h re-exports it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace wattle {

// Monotonically increasing count (Prometheus "counter"; name it *_total).
class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// A value that goes up and down (Prometheus "gauge").
class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double d);
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Counts observations into fixed buckets (Prometheus "histogram"): bucket i
// counts observations <= bounds[i]; +Inf is implicit.
class Histogram {
 public:
  // `bounds` must be finite and strictly increasing (aborts otherwise).
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // non-cumulative; size bounds_ + 1 (last is +Inf)
  double sum_ = 0;
  uint64_t count_ = 0;
};

// Default latency buckets in seconds: 1 ms .. 10 s.
std::vector<double> default_latency_buckets();

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  Counter& counter(std::string_view name, std::string_view help);
  Gauge& gauge(std::string_view name, std::string_view help);
  // `bounds` is used only when the histogram is first registered.
  Histogram& histogram(std::string_view name, std::string_view help,
                       std::vector<double> bounds = default_latency_buckets());

  // Every metric, sorted by name, in the Prometheus text format (version 0.0.4).
  std::string render() const;

 private:
  struct Entry;
  Entry& find_or_add(std::string_view name, std::string_view help, int kind,
                     std::vector<double>* bounds);

  mutable std::mutex mu_;  // guards the map, not the metric values
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
};

// The Content-Type of render()'s output.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace wattle
