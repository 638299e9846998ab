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
// - Bounds: the caller limits the body size; Api limits the batch length and
//   the JSON nesting depth before parsing.
//
// Routes:
//   POST /v1/txs             {"tx":"<hex>"} or {"txs":["<hex>",...]}
//   GET  /v1/txs/{hash}      pending or committed tx, 404 if unknown
//   GET  /v1/blocks/{height} block with header fields, txs and certificate ("latest" too)
//   GET  /v1/accounts/{addr} balance and nonce; ?prove=true adds "proof":
//                            {"height","state_root","key","proof"} (docs/ledger.md)
//   GET  /v1/status          chain head and node summary
//   GET  /metrics            Prometheus text
//
// Error codes (stable; see error_http_status for ledger codes):
//   400 malformed_json, unknown_field, missing_field, wrong_type, malformed_hex,
//       invalid_argument, invalid_hash, invalid_height, invalid_address, invalid_query,
//       bad_request
//   404 not_found           unknown route, block, or tx
//   405 method_not_allowed  (with an Allow header)
//   413 too_large           batch longer than max_batch
//   413 payload_too_large   body over max_body_bytes (raised by HttpServer)
//   431 header_too_large    (raised by HttpServer)
//   500 internal
//   and for a single tx, the ledger's code_name(): bad_signature, wrong_chain, ...
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "rpc/chain_service.h"

namespace wattle::rpc {

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // for 405: the methods the route accepts
};

// The HTTP status a ledger error code maps to: 400 for requests that can never
// succeed (malformed, bad signature, wrong chain...), 409 for ones that clash
// with the current state (nonce replay/gap, insufficient funds, duplicate),
// 404 not_found, 413 too_large, 503 mempool_full/unavailable, 500 otherwise.
unsigned error_http_status(Code code);

// A JSON error response {"code","message"} with the given HTTP status.
ApiResponse error_response(unsigned http_status, std::string_view code, std::string_view message);

class Api {
 public:
  static constexpr size_t kDefaultMaxBatch = 10'000;

  explicit Api(ChainService& chain, size_t max_batch = kDefaultMaxBatch)
      : chain_(chain), max_batch_(max_batch) {}

  // `method` is the HTTP method token ("GET", "POST", ...); `target` the
  // request target (a query string is ignored).
  ApiResponse handle(std::string_view method, std::string_view target,
                     std::string_view body) const noexcept;

 private:
  ApiResponse route(std::string_view method, std::string_view path, std::string_view query,
                    std::string_view body) const;
  ApiResponse submit_txs(std::string_view body) const;
  ApiResponse get_tx(std::string_view hash_hex) const;
  ApiResponse get_block(std::string_view height_text) const;
  ApiResponse get_account(std::string_view address_text, std::string_view query) const;
  ApiResponse get_status() const;
  ApiResponse get_metrics() const;

  ChainService& chain_;
  const size_t max_batch_;
};

}  // namespace wattle::rpc
