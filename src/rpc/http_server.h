// HttpServer: the node's HTTP/1.1 API (Boost.Beast), serving the routes of
// rpc/api.h.
//
// Promises:
// - Threading: one io_context run by `threads` threads; each connection is
//   served on its own strand, so requests on different connections run in
//   parallel and call the ChainService concurrently.
// - Bounded memory per connection: the read buffer holds at most
//   max_header_bytes + kReadChunk bytes whatever the client sends (request
//   line, headers, chunk-size lines and chunk extensions included: a longer
//   line is a 400 "bad_request"); request bodies up to max_body_bytes (413
//   "payload_too_large"), headers up to max_header_bytes (431
//   "header_too_large"); batches up to max_batch txs. A connection holds at
//   most one response: the next pipelined request is read only after it was
//   written, and a client that does not read it within write_timeout is
//   dropped. So the node holds at most max_connections of each.
// - Fair connections: a connection waiting for its next request is "idle"
//   for up to idle_timeout; once a request's first byte arrives, its headers
//   must be complete within header_timeout (slowloris), and its body within
//   idle_timeout and at min_body_rate on average after a grace of
//   header_timeout (slow bodies). Bodies in flight are budgeted per address
//   and in all (max_body_bytes_per_ip, max_body_bytes_total). At most
//   max_connections_per_ip connections per client address (more get 503
//   "unavailable"); when max_connections are open, a new connection evicts
//   an idle one (longest idle first), else the one that has been reading its
//   headers longest, else the one whose body arrives slowest, and is refused
//   (503) only if every connection is busy handling or writing a request.
// - Memory returned: a body of 1 MiB or more is allocated in its own
//   mapping (start() fixes glibc's mmap threshold at 1 MiB, which otherwise
//   slides up and keeps freed bodies in the heap), so it goes back to the OS
//   when its connection ends.
// - Rate: tx submissions cost tokens from a per-IP bucket (tx_rate), over
//   which they get 429 "rate_limited" before any signature is checked; slot
//   pages and event replays cost units from another (query_rate) by size.
// - Errors: start() reports a bind/listen failure as a Status. Nothing thrown
//   by Beast, JSON or the ChainService escapes: it becomes a 500 response or a
//   closed connection, and the server keeps serving.
// - Lifecycle: start() once; stop() closes the listener and every connection
//   and joins the threads; it is idempotent, also run by the destructor, and
//   must not be called from inside a request handler (it joins that thread).
//   Requests in flight when stop() runs are dropped without a response.
// - Event stream: GET /v1/events with a WebSocket upgrade (RFC 6455) becomes
//   a subscription to the ChainService's EventBus (rpc/event_stream.h). The
//   query is checked before the upgrade (400 with the JSON error body); no
//   bus is 503 "unavailable", and so is a subscriber over
//   max_event_subscribers_per_ip. When max_event_subscribers are open, a new
//   stream evicts the oldest stream of the address holding the most (closed
//   with 1008) if that address holds more than the newcomer's, else it is
//   refused with 503. A stream holds its connection slot (it counts against
//   max_connections and max_connections_per_ip) and is never evicted for a
//   plain HTTP connection. A request whose Sec-WebSocket-Key is not 16
//   base64 bytes is 400 "bad_request". What a client sends on its stream is
//   budgeted (16 KiB at once, 1 KiB/s after: pongs and a close need far
//   less); more closes the stream, so endless empty frames cannot keep it busy.
//   Each stream queues at most event_queue messages; a stream whose queue is
//   full is closed with WebSocket close code 1008 and a reason (the close
//   frame goes after the message being written; a client that does not take
//   it within write_timeout is cut off), and one whose single message is not
//   written within write_timeout is cut off at once. Either way the node,
//   the bus and the other streams go on. Clients are pinged; one that
//   answers nothing for idle_timeout is dropped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "rpc/api.h"
#include "rpc/chain_service.h"
#include "rpc/metrics.h"
#include "rpc/rate_limiter.h"
#include "rpc/static_files.h"

namespace wattle::rpc {

struct HttpServerConfig {
  std::string host = "127.0.0.1";  // an IP address or a resolvable name
  uint16_t port = 0;               // 0 = pick a free port; see HttpServer::port()
  unsigned threads = 2;            // 0 is treated as 1
  size_t max_body_bytes = 4 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 256;
  size_t max_connections_per_ip = 32;
  // Keep-alive wait for the next request, and the deadline for a body.
  std::chrono::milliseconds idle_timeout{15'000};
  // From a request's first byte to the end of its headers; also the grace
  // before a body must keep up with min_body_rate.
  std::chrono::milliseconds header_timeout{5'000};
  // A body must arrive at this average rate (bytes per second) once
  // header_timeout has passed since its headers ended, else the connection
  // is dropped (slow-body attacks). 0: only the idle_timeout deadline.
  size_t min_body_rate = 16 * 1024;
  // Request-body bytes in flight (a body's declared Content-Length, or
  // max_body_bytes for a chunked one, from its headers until it is read):
  // per client address and in all. A request over either is refused with
  // 503 "unavailable" before its body is read.
  size_t max_body_bytes_per_ip = 16 * 1024 * 1024;
  size_t max_body_bytes_total = 64 * 1024 * 1024;
  // To write one response; a client that reads slower is dropped.
  std::chrono::milliseconds write_timeout{10'000};
  size_t max_batch = Api::kDefaultMaxBatch;
  // Per client IP: txs submitted per second and burst (0 per_second: no limit).
  // The default burst takes two full batches at once.
  RateLimit tx_rate{5'000, 2 * Api::kDefaultMaxBatch, 4096};
  // Per client IP: units of costly reads per second and burst (0 per_second:
  // no limit). A slot page costs 1 + its entries built or served / 100
  // (rpc/slot_pages.h); an event replay from height H costs 1 + the blocks
  // replayed / 10. Over it: 429 "rate_limited".
  RateLimit query_rate{2'000, 4'000, 4096};
  // GET /v1/events: open streams at most (when full, a new one evicts the
  // oldest stream of the address holding the most), per client address
  // (more get 503 "unavailable"), and messages queued per stream.
  size_t max_event_subscribers = 64;
  size_t max_event_subscribers_per_ip = 8;
  size_t event_queue = 1024;
  // Where to register the HTTP metrics (wattle_http_*: responses, errors,
  // refused and open connections, handling latency), typically the node's
  // registry so /metrics shows them. Null: kept private. Must outlive the server.
  Metrics* metrics = nullptr;
  // The dashboard's files (static_files.h), answering every non-API path. Null: none.
  std::shared_ptr<const StaticFiles> web;
};

class HttpServer {
 public:
  HttpServer(ChainService& chain, HttpServerConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. kUnavailable if the address cannot
  // be bound (in use, not local...), kInvalidArgument if called twice.
  Status start();
  void stop();

  // The bound port (useful with port 0); 0 before start().
  uint16_t port() const;
  // Connections currently open (including ones being closed).
  size_t active_connections() const;
  // Connections accepted since start(), refused ones excluded.
  uint64_t connections_accepted() const;
  // Connections closed to make room for a new one.
  uint64_t connections_evicted() const;
  // Open GET /v1/events streams (0 when the chain has no event bus).
  size_t event_subscribers() const;
  // Request-body bytes charged against max_body_bytes_total right now.
  size_t body_bytes_in_flight() const;
  // Keep-alive connections waiting for their next request.
  size_t idle_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wattle::rpc
