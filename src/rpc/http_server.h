// HttpServer: the node's HTTP/1.1 API (Boost.Beast), serving the routes of
// rpc/api.h.
//
// Promises:
// - Threading: one io_context run by `threads` threads; each connection is
//   served on its own strand, so requests on different connections run in
//   parallel and call the ChainService concurrently.
// - Bounded: at most max_connections open connections (a connection over the
//   limit gets a 503 "unavailable" and is closed); request bodies up to
//   max_body_bytes (413 "payload_too_large"), headers up to max_header_bytes
//   (431 "header_too_large"); batches up to max_batch txs; every read and
//   write must finish within idle_timeout or the connection is closed, so a
//   slow or silent client cannot hold a slot forever.
// - Errors: start() reports a bind/listen failure as a Status. Nothing thrown
//   by Beast, JSON or the ChainService escapes: it becomes a 500 response or a
//   closed connection, and the server keeps serving.
// - Lifecycle: start() once; stop() closes the listener and every connection
//   and joins the threads; it is idempotent, also run by the destructor, and
//   must not be called from inside a request handler (it joins that thread).
//   Requests in flight when stop() runs are dropped without a response.
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

namespace wattle::rpc {

struct HttpServerConfig {
  std::string host = "127.0.0.1";  // an IP address or a resolvable name
  uint16_t port = 0;               // 0 = pick a free port; see HttpServer::port()
  unsigned threads = 2;            // 0 is treated as 1
  size_t max_body_bytes = 4 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{30'000};
  size_t max_batch = Api::kDefaultMaxBatch;
  // Where to register the HTTP metrics (wattle_http_*: responses, errors,
  // refused and open connections, handling latency), typically the node's
  // registry so /metrics shows them. Null: kept private. Must outlive the server.
  Metrics* metrics = nullptr;
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wattle::rpc
