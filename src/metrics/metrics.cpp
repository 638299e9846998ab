#include "metrics/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>

namespace wattle {

namespace {

enum Kind { kCounter = 0, kGauge = 1, kHistogram = 2 };
constexpr const char* kKindNames[] = {"counter", "gauge", "histogram"};

// Registration mistakes are bugs found at start-up; failing loudly beats
// exporting a metric Prometheus will reject.
[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "wattle metrics: %s\n", what.c_str());
  std::abort();
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

// Prometheus floats: shortest round-trip form, so 12.0 prints as "12".
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
  }
}

// HELP text escapes backslash and newline (exposition format spec).
void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

void Gauge::add(double d) {
  v_.fetch_add(d, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
      die("histogram bounds must be finite and strictly increasing");
  }
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;  // few buckets: linear is fastest
  std::lock_guard lock(mu_);
  ++counts_[i];
  sum_ += v;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard lock(mu_);
  uint64_t acc = 0;
  for (uint64_t c : counts_) {
    acc += c;
    s.cumulative.push_back(acc);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> default_latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

struct Metrics::Entry {
  std::string name;
  std::string help;
  Kind kind;
  std::variant<Counter, Gauge, Histogram> metric;

  Entry(std::string n, std::string h, Kind k, std::vector<double>* bounds)
      : name(std::move(n)), help(std::move(h)), kind(k), metric(make(k, bounds)) {}

 private:
  static std::variant<Counter, Gauge, Histogram> make(Kind k, std::vector<double>* bounds) {
    switch (k) {
      case kCounter:
        return std::variant<Counter, Gauge, Histogram>(std::in_place_type<Counter>);
      case kGauge:
        return std::variant<Counter, Gauge, Histogram>(std::in_place_type<Gauge>);
      case kHistogram:
        break;
    }
    return std::variant<Counter, Gauge, Histogram>(std::in_place_type<Histogram>,
                                                   std::move(*bounds));
  }
};

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::Entry& Metrics::find_or_add(std::string_view name, std::string_view help, int kind,
                                     std::vector<double>* bounds) {
  if (!valid_name(name)) die("invalid metric name \"" + std::string(name) + "\"");
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    if (it->second->kind != kind)
      die("metric \"" + std::string(name) + "\" registered as " + kKindNames[it->second->kind] +
          " and " + kKindNames[kind]);
    return *it->second;
  }
  auto entry = std::make_unique<Entry>(std::string(name), std::string(help),
                                       static_cast<Kind>(kind), bounds);
  Entry& ref = *entry;
  entries_.emplace(std::string(name), std::move(entry));
  return ref;
}

Counter& Metrics::counter(std::string_view name, std::string_view help) {
  return std::get<Counter>(find_or_add(name, help, kCounter, nullptr).metric);
}

Gauge& Metrics::gauge(std::string_view name, std::string_view help) {
  return std::get<Gauge>(find_or_add(name, help, kGauge, nullptr).metric);
}

Histogram& Metrics::histogram(std::string_view name, std::string_view help,
                              std::vector<double> bounds) {
  return std::get<Histogram>(find_or_add(name, help, kHistogram, &bounds).metric);
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, e] : entries_) {
    out += "# HELP " + name + " ";
    append_help(out, e->help);
    out += "\n# TYPE " + name + " " + kKindNames[e->kind] + "\n";
    switch (e->kind) {
      case kCounter:
        out += name + " " + std::to_string(std::get<Counter>(e->metric).value()) + "\n";
        break;
      case kGauge:
        out += name + " ";
        append_number(out, std::get<Gauge>(e->metric).value());
        out += "\n";
        break;
      case kHistogram: {
        Histogram::Snapshot s = std::get<Histogram>(e->metric).snapshot();
        for (size_t i = 0; i < s.cumulative.size(); ++i) {
          out += name + "_bucket{le=\"";
          if (i < s.bounds.size()) {
            append_number(out, s.bounds[i]);
          } else {
            out += "+Inf";
          }
          out += "\"} " + std::to_string(s.cumulative[i]) + "\n";
        }
        out += name + "_sum ";
        append_number(out, s.sum);
        out += "\n" + name + "_count " + std::to_string(s.count) + "\n";
        break;
      }
    }
  }
  return out;
}

}  // namespace wattle
