#include "rpc/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace wattle::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// RFC 9110 token characters: a method is checked here rather than trusting
// Beast, which would send a malformed request line.
bool valid_method(std::string_view m) {
  if (m.empty()) return false;
  for (char c : m) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Origin-form only, visible ASCII: no spaces or CR/LF to smuggle a header in.
bool valid_target(std::string_view t) {
  if (t.empty() || t[0] != '/') return false;
  for (char c : t) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

// Synchronous on the outside, asynchronous inside: Beast's timeouts
// (tcp_stream::expires_after) only apply to asynchronous operations, so each
// call starts one and runs a private io_context until it completes.
struct HttpClient::Impl {
  Impl(std::string h, uint16_t p, HttpClientOptions o) : host(std::move(h)), port(p), options(o) {}

  // Runs the io_context until `start` has called its completion handler.
  template <typename Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = net::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  Status connect() {
    close();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec)
      return Status(Code::kInvalidArgument, "cannot resolve \"" + host + "\": " + ec.message());
    stream.emplace(ioc);
    stream->expires_after(options.timeout);
    ec = run([&](auto handler) { stream->async_connect(endpoints, std::move(handler)); });
    if (ec) {
      close();
      return Status(Code::kUnavailable, "cannot connect to " + where() + ": " + describe(ec));
    }
    ++connects;
    return Status::ok();
  }

  void close() {
    if (!stream) return;
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->socket().close(ignored);
    stream.reset();
    buffer.clear();
  }

  // One write + read on the open connection. `stale` reports an error that
  // means the server had already closed this connection (safe to retry).
  Result<HttpResponse> exchange(http::request<http::string_body>& req, bool& stale) {
    stale = false;
    stream->expires_after(options.timeout);
    beast::error_code ec =
        run([&](auto handler) { http::async_write(*stream, req, std::move(handler)); });
    if (!ec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(options.max_response_bytes);
      // Header first: Beast 1.74 loses the body_limit error for a response
      // whose Content-Length is over the limit, so check that one ourselves.
      ec = run([&](auto handler) {
        http::async_read_header(*stream, buffer, parser, std::move(handler));
      });
      if (!ec && parser.content_length() && *parser.content_length() > options.max_response_bytes)
        ec = http::error::body_limit;
      if (!ec)
        ec = run(
            [&](auto handler) { http::async_read(*stream, buffer, parser, std::move(handler)); });
      if (!ec) {
        auto& res = parser.get();
        HttpResponse out;
        out.status = res.result_int();
        out.content_type = std::string(res[http::field::content_type]);
        for (const auto& field : res)
          out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        out.body = std::move(res.body());
        if (!res.keep_alive()) close();
        return out;
      }
    }
    close();
    stale = ec == http::error::end_of_stream || ec == net::error::eof ||
            ec == net::error::connection_reset || ec == net::error::broken_pipe ||
            ec == net::error::connection_aborted;
    if (ec == http::error::body_limit)
      return Status(Code::kTooLarge, "response from " + where() + " exceeds " +
                                         std::to_string(options.max_response_bytes) + " bytes");
    if (ec.category() == beast::error_code(http::error::bad_version).category() && !stale)
      return Status(Code::kMalformed, "bad HTTP response from " + where() + ": " + ec.message());
    return Status(Code::kUnavailable, "request to " + where() + " failed: " + describe(ec));
  }

  std::string where() const { return host + ":" + std::to_string(port); }
  std::string describe(const beast::error_code& ec) const {
    if (ec == beast::error::timeout)
      return "timed out after " + std::to_string(options.timeout.count()) + " ms";
    return ec.message();
  }

  const std::string host;
  const uint16_t port;
  const HttpClientOptions options;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  uint64_t connects = 0;
};

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(beast::string_view(k.data(), k.size()),
                       beast::string_view(name.data(), name.size())))
      return v;
  }
  return {};
}

HttpClient::HttpClient(std::string host, uint16_t port, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(host), port, options)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                         std::string_view body) {
  Impl& c = *impl_;
  if (!valid_method(method))
    return Status(Code::kInvalidArgument, "invalid HTTP method \"" + std::string(method) + "\"");
  if (!valid_target(target))
    return Status(Code::kInvalidArgument,
                  "invalid request target \"" + std::string(target) + "\" (must start with /)");
  try {
    http::request<http::string_body> req;
    req.method_string(beast::string_view(method.data(), method.size()));
    req.target(beast::string_view(target.data(), target.size()));
    req.version(11);
    req.set(http::field::host, c.where());
    req.set(http::field::user_agent, "wattle");
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::string(body);
    }
    req.keep_alive(true);
    req.prepare_payload();

    const bool reused = c.stream.has_value();
    if (!reused) WATTLE_RETURN_IF_ERROR(c.connect());
    bool stale = false;
    Result<HttpResponse> r = c.exchange(req, stale);
    if (!r && stale && reused) {
      WATTLE_RETURN_IF_ERROR(c.connect());
      r = c.exchange(req, stale);
    }
    return r;
  } catch (const std::exception& e) {
    // Inputs are validated above, so this is allocation failure or a bug.
    c.close();
    return Status(Code::kInternal, std::string("http request failed: ") + e.what());
  }
}

void HttpClient::close() {
  impl_->close();
}
uint64_t HttpClient::connect_count() const {
  return impl_->connects;
}

}  // namespace wattle::rpc
