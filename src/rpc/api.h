// Api: the /v1 routes of the HTTP API as a pure request -> response function,
// with no sockets in sight, so routing and validation are testable (and
// fuzzable) without a server. HttpServer feeds it parsed requests.
//
// Promises:
// - Thread safety: handle() is const and may run on many threads at once; it
//   calls the ChainService, which must itself be thread-safe.
// - Errors: handle() never throws. Every error is a JSON body
//   {"code": "...", "message": "..."} with a fitting HTTP status; exceptions
//   from JSON, the ChainService or allocation become 500 "internal".
// - Bounds: the caller limits the body size. A tx body is read with a SAX
//   parser that never builds a tree: nesting depth, duplicate keys and the
//   batch length are checked while parsing, so a 4 MiB body of 10^6 empty
//   objects costs one linear scan and no allocation per element. Responses
//   are bounded too: a block lists tx hashes, full txs come in pages of at
//   most kMaxBlockPage.
// - Rate: with a RateLimiter, each tx submitted costs its client one token
//   before any decoding or signature check (429 rate_limited when empty).
//
// Routes:
//   POST /v1/txs             {"tx":"<hex>"} or {"txs":["<hex>",...]}
//   GET  /v1/txs/{hash}      pending or committed tx, 404 if unknown
//   GET  /v1/blocks/{height} header fields, tx_hashes and certificate ("latest" too);
//        ?txs=full[&page=P][&limit=L] adds "txs": txs P*L .. P*L+L-1 (L <= kMaxBlockPage)
//   GET  /v1/accounts/{addr} balance, nonce and pending_nonce; ?prove=true adds "proof":
//                            {"height","state_root","key","proof"} (docs/ledger.md)
//   GET  /v1/status          chain head and node summary
//   GET  /v1/events          WebSocket event stream (HttpServer upgrades it; over plain
//                            HTTP: the query is checked, then 426 upgrade_required);
//                            ?account=wat1...&from_height=H (rpc/event_stream.h)
//   GET  /v1/market/...      the market's routes (rpc/market_routes.h)
//   GET  /v1/openapi.json    the OpenAPI 3 document of these routes (src/rpc/openapi.json)
//   GET  /metrics            Prometheus text
// Api::routes() lists them; the route test checks the OpenAPI document covers each.
//
// Error codes (stable; see error_http_status for ledger codes):
//   400 malformed_json (also duplicate keys), unknown_field, missing_field, wrong_type,
//       malformed_hex, invalid_argument, invalid_hash, invalid_height, invalid_address,
//       bad_request (raised by HttpServer)
//   404 not_found           unknown route, block, or tx
//   405 method_not_allowed  (with an Allow header)
//   413 too_large           batch longer than max_batch
//   413 payload_too_large   body over max_body_bytes (raised by HttpServer)
//   426 upgrade_required    GET /v1/events without a WebSocket upgrade
//   429 rate_limited        the client's tx or query budget is spent; retry later
// A query parameter given twice is 400 invalid_argument on every route.
//   431 header_too_large    (raised by HttpServer)
//   500 internal
//   503 unavailable         too many connections (raised by HttpServer)
//   503 halted              the node stopped producing blocks (e.g. disk full)
//   and for a single tx, the ledger's code_name(): bad_signature, wrong_chain, ...
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "rpc/chain_service.h"
#include "rpc/rate_limiter.h"
#include "rpc/slot_pages.h"

namespace wattle::rpc {

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // for 405: the methods the route accepts
  std::vector<std::pair<std::string, std::string>> headers;  // extra: caching, CSP (static_files.h)
};

// The HTTP status a ledger error code maps to: 400 for requests that can never
// succeed (malformed, bad signature, wrong chain...), 409 for ones that clash
// with the current state (nonce replay/gap, insufficient funds, duplicate),
// 404 not_found, 413 too_large, 503 mempool_full/unavailable, 500 otherwise.
unsigned error_http_status(Code code);

// A JSON error response {"code","message"} with the given HTTP status.
ApiResponse error_response(unsigned http_status, std::string_view code, std::string_view message);

// A module view's answer: 200 with the JSON, or the error's code at
// error_http_status.
ApiResponse json_response(const Result<nlohmann::json>& r);

// One route: an HTTP method and a path template in OpenAPI syntax, where
// "{name}" stands for exactly one non-empty path segment.
struct RouteInfo {
  std::string_view method;
  std::string_view path;
};

class Api {
 public:
  static constexpr size_t kDefaultMaxBatch = 10'000;
  static constexpr uint64_t kDefaultBlockPage = 100;
  static constexpr uint64_t kMaxBlockPage = 1'000;

  // `limiter` (txs submitted) and `query_limiter` (costly reads: slot pages
  // by their size), if given, must outlive the Api; shared by all threads.
  explicit Api(ChainService& chain, size_t max_batch = kDefaultMaxBatch,
               RateLimiter* limiter = nullptr, RateLimiter* query_limiter = nullptr)
      : chain_(chain), max_batch_(max_batch), limiter_(limiter), query_limiter_(query_limiter) {}

  // `method` is the HTTP method token ("GET", "POST", ...); `target` the
  // request target (GET /v1/blocks, /v1/accounts and /v1/events read their
  // query string; other routes ignore it); `client`
  // names the caller for rate limiting (the peer's IP address).
  ApiResponse handle(std::string_view method, std::string_view target, std::string_view body,
                     std::string_view client = {}) const noexcept;

  // Every route handle() serves, from the same table it dispatches on, so a
  // route cannot be served without being listed here.
  static std::vector<RouteInfo> routes();
  // The OpenAPI 3 document served at GET /v1/openapi.json (valid JSON).
  static std::string_view openapi_json();

 private:
  // What a handler gets: the path's {parameters} in order, query, body, client.
  struct Call {
    std::vector<std::string_view> params;
    std::string_view query, body, client, path;
  };
  struct Route;
  static const std::vector<Route>& table();
  static ApiResponse market_route(const Api& a, const Call& c);

  ApiResponse route(std::string_view method, std::string_view path, std::string_view query,
                    std::string_view body, std::string_view client) const;
  ApiResponse submit_txs(std::string_view body, std::string_view client) const;
  ApiResponse get_tx(std::string_view hash_hex) const;
  ApiResponse get_block(std::string_view height_text, std::string_view query) const;
  ApiResponse get_account(std::string_view address_text, std::string_view query) const;
  ApiResponse get_status() const;
  ApiResponse get_metrics() const;
  ApiResponse get_events(std::string_view query) const;
  ApiResponse get_openapi() const;

  ChainService& chain_;
  const size_t max_batch_;
  RateLimiter* const limiter_;
  RateLimiter* const query_limiter_;
  mutable SlotPages slot_pages_;  // thread-safe cache of slot views
};

}  // namespace wattle::rpc
