// ServerContext: what the HTTP server's sessions share with it
// (rpc/http_server.h): the config, the API and its rate limiters, the
// metrics, the admission policy and the event hub.
//
// Promises: built once by the server and outlives every session (stop()
// destroys all sessions before the server goes away); every member is safe
// to use from any session's strand.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "rpc/admission.h"
#include "rpc/api.h"
#include "rpc/chain_service.h"
#include "rpc/event_stream.h"
#include "rpc/http_server.h"
#include "rpc/metrics.h"
#include "rpc/rate_limiter.h"

namespace wattle::rpc {

struct ServerContext {
  ServerContext(ChainService& chain_service, HttpServerConfig cfg)
      : chain(chain_service),
        config(std::move(cfg)),
        limiter(config.tx_rate),
        query_limiter(config.query_rate),
        api(chain, config.max_batch, &limiter, &query_limiter),
        registry(config.metrics ? *config.metrics : own_metrics),
        responses(registry.counter("wattle_http_responses_total", "HTTP responses sent.")),
        errors(registry.counter("wattle_http_errors_total",
                                "HTTP responses with a 4xx or 5xx status.")),
        refused(registry.counter(
            "wattle_http_connections_refused_total",
            "Connections closed at once for being over max_connections or the per-IP cap.")),
        evicted(registry.counter("wattle_http_connections_evicted_total",
                                 "Idle or slow connections closed to make room for a new one.")),
        open(registry.gauge("wattle_http_connections", "Open HTTP connections.")),
        latency(registry.histogram("wattle_http_request_seconds",
                                   "Time to handle one HTTP request (excluding I/O).")),
        admission(config, evicted, open),
        hub(chain.events()
                ? std::make_unique<EventHub>(chain, *chain.events(), config.max_event_subscribers,
                                             config.max_event_subscribers_per_ip, registry)
                : nullptr) {}

  ChainService& chain;
  const HttpServerConfig config;
  RateLimiter limiter;
  RateLimiter query_limiter;
  const Api api;
  Metrics own_metrics;  // used when the config brings no registry
  Metrics& registry;
  Counter& responses;
  Counter& errors;
  Counter& refused;
  Counter& evicted;
  Gauge& open;
  Histogram& latency;
  Admission admission;
  // The GET /v1/events fan-out; null when the chain has no event bus.
  std::unique_ptr<EventHub> hub;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> accepted{0};
};

}  // namespace wattle::rpc
