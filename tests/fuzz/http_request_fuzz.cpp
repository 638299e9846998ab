// Fuzzes the HTTP front door over raw request bytes: Beast's request parser
// with the server's limits (header 16 KiB, body, a bounded read buffer that
// must also hold chunk-size lines and extensions), fed in pieces the way the
// network delivers them, then every complete request (pipelined ones too)
// through rpc::Api. Nothing may crash, hang or grow past the buffer bound,
// and every JSON response must parse. The first input byte picks the piece
// size, so the fuzzer also explores how requests are split across reads.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "rpc/api.h"
#include "rpc/fake_chain_service.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// As HttpServerConfig's defaults, with a smaller body to keep runs fast.
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kBodyLimit = 64 * 1024;
constexpr size_t kReadBuffer = kHeaderLimit + 64 * 1024;  // http_server.cpp: header + kReadChunk

void check(const wattle::rpc::ApiResponse& r) {
  if (r.status < 200 || r.status > 599) __builtin_trap();
  if (r.content_type.find("json") != std::string::npos &&
      nlohmann::json::parse(r.body, nullptr, false).is_discarded())
    __builtin_trap();  // every JSON response must parse
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static wattle::rpc::testing::FakeChainService chain;
  static wattle::rpc::RateLimiter limiter(wattle::rpc::RateLimit{1000, 100, 16});
  static const wattle::rpc::Api api(chain, 64, &limiter);
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64 * (data[0] >= 128 ? 512 : 1);
  const char* in = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;

  beast::flat_buffer buffer(kReadBuffer);
  std::optional<http::request_parser<http::string_body>> parser;
  auto fresh = [&] {
    parser.emplace();
    parser->header_limit(kHeaderLimit);
    parser->body_limit(kBodyLimit);
    parser->eager(true);
  };
  fresh();
  size_t pos = 0;
  for (int guard = 0; guard < 100'000; ++guard) {
    if (pos < n) {  // one "read": as much as the bounded buffer takes
      size_t room = buffer.max_size() - buffer.size();
      if (room == 0) break;  // the server answers 400 bad_request here
      size_t k = std::min({piece, room, n - pos});
      auto dst = buffer.prepare(k);
      std::memcpy(dst.data(), in + pos, k);
      buffer.commit(k);
      pos += k;
    }
    beast::error_code ec;
    size_t used = parser->put(buffer.data(), ec);
    buffer.consume(used);
    if (buffer.size() > kReadBuffer) __builtin_trap();
    if (ec == http::error::need_more) {
      if (pos < n) continue;
      parser->put_eof(ec);
      if (ec || !parser->is_done()) break;
    } else if (ec) {
      break;  // 400/413/431 in the server
    }
    if (parser->is_done()) {
      const auto& req = parser->get();
      auto sv = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
      check(api.handle(sv(req.method_string()), sv(req.target()), req.body(), "fuzz"));
      if (!req.keep_alive()) break;
      fresh();
      if (pos >= n && buffer.size() == 0) break;
    }
  }
  return 0;
}
