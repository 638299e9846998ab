// The metrics types live in metrics/metrics.h (so lower layers can record);
// rpc keeps its names for the HTTP server, /metrics and existing callers.
#pragma once

#include "metrics/metrics.h"

namespace wattle::rpc {

using wattle::Counter;
using wattle::default_latency_buckets;
using wattle::Gauge;
using wattle::Histogram;
using wattle::kPrometheusContentType;
using wattle::Metrics;

}  // namespace wattle::rpc
