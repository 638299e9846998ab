// HttpClient: a small synchronous HTTP/1.1 client (Boost.Beast) for the CLI,
// tests, the crash test and the HTTP benchmark.
//
// Promises:
// - Keep-alive: one TCP connection is reused across requests. If the server
//   closed it meanwhile (idle timeout, restart), the request is retried once
//   on a fresh connection; a timeout is never retried.
// - Never hangs: connect, and each request's write + read together, must
//   finish within `timeout`; a response body is capped at max_response_bytes.
// - Errors are Status, never exceptions: kUnavailable when the server cannot
//   be reached (refused, reset, timed out), kTooLarge for an oversized
//   response, kMalformed for a response that is not HTTP, kInvalidArgument
//   for an unresolvable host or an invalid method/target (checked before
//   sending: no CR/LF injection). Any HTTP status (including 4xx/5xx) is a
//   successful exchange: check HttpResponse::status.
// - Thread safety: none; use one client per thread. Movable, not copyable.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace wattle::rpc {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order

  // The first header named `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30'000};
  size_t max_response_bytes = 64 * 1024 * 1024;  // a block of 20,000 txs is ~10 MB of JSON
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // `method` is any HTTP method token ("GET", "POST"...); a non-empty body is
  // sent as application/json.
  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body = {});
  Result<HttpResponse> get(std::string_view target) { return request("GET", target); }
  Result<HttpResponse> post(std::string_view target, std::string_view body) {
    return request("POST", target, body);
  }

  // Closes the connection; the next request opens a new one.
  void close();
  // TCP connections opened so far (tests check keep-alive with it).
  uint64_t connect_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wattle::rpc
