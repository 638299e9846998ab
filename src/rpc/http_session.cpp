#include "rpc/http_session.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "rpc/event_stream_session.h"

namespace wattle::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// After an error response the client may still be sending (a rejected 4 MiB
// body): read and discard for a bounded time and amount before closing, so
// our response is not destroyed by a TCP reset (the "lingering close").
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kMaxLingerBytes = 8 * 1024 * 1024;
// The read buffer holds the headers being parsed plus one read's worth of
// body bytes (Beast moves body bytes out of it into the body as they arrive).
constexpr size_t kReadChunk = 64 * 1024;

// RFC 6455 4.1: the key is 16 random bytes in base64, so 24 characters
// ending in "==". Beast accepts any non-empty value.
bool valid_websocket_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  for (char c : key.substr(0, 22))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  return true;
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_version).category();
}

std::string_view sv(beast::string_view v) {
  return std::string_view(v.data(), v.size());
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, ServerContext& server,
                         std::shared_ptr<Admission::Ticket> ticket)
    : stream_(std::move(socket)),
      server_(server),
      ticket_(std::move(ticket)),
      executor_(stream_.get_executor()),
      buffer_(server.config.max_header_bytes + kReadChunk) {}

HttpSession::~HttpSession() {
  release_body();
}

void HttpSession::run() {
  ticket_->set_owner(weak_from_this());
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::evict() {
  net::post(executor_, [self = shared_from_this()] { self->close_socket(); });
}

// Waits for the first byte of the next request (unless pipelined bytes are
// already buffered) under the idle timeout, then reads the headers under the
// shorter header timeout.
void HttpSession::do_read() {
  parser_.emplace();
  parser_->body_limit(config().max_body_bytes);
  parser_->header_limit(static_cast<uint32_t>(config().max_header_bytes));
  if (buffer_.size() > 0) return read_header();
  set_phase(Admission::Phase::kIdle);
  stream_.expires_after(config().idle_timeout);
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
      beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
}

void HttpSession::on_first_bytes(beast::error_code ec, size_t n) {
  buffer_.commit(n);
  if (ec == net::error::eof) return close_gracefully();  // client is done
  if (ec) return;
  read_header();
}

void HttpSession::read_header() {
  set_phase(Admission::Phase::kHeader);
  stream_.expires_after(config().header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

// curl sends "Expect: 100-continue" for bodies over 1 KiB and then waits a
// second for the interim response before sending the body; answer at once.
// (A body over the limit was already refused by the header read.)
void HttpSession::on_header(beast::error_code ec, size_t n) {
  if (ec) return on_read(ec, n);
  set_phase(Admission::Phase::kBusy);
  // The body's memory is reserved from its declared length (a chunked one
  // may grow to max_body_bytes): charge that before reading any of it.
  const size_t declared = parser_->chunked()
                              ? config().max_body_bytes
                              : static_cast<size_t>(parser_->content_length().value_or(0));
  if (declared > 0 && !server_.admission.charge_body(ticket_->ip(), declared)) {
    return send(error_response(503, "unavailable",
                               "too many request-body bytes in flight from this address or in "
                               "all; retry later"),
                parser_->get().version(), false);
  }
  body_charge_ = declared;
  body_started_ = std::chrono::steady_clock::now();
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    stream_.expires_after(config().write_timeout);
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code write_ec, size_t) {
                       if (!write_ec) self->read_body();
                     });
    return;
  }
  read_body();
}

// Reads the body piece by piece, each read under the deadline by which the
// bytes so far would fall below min_body_rate (after a grace of
// header_timeout), and never past idle_timeout from the headers' end.
void HttpSession::read_body() {
  if (ticket_->phase() != Admission::Phase::kBody)
    set_phase(Admission::Phase::kBody);  // since: for the rate in eviction
  if (parser_->is_done()) return on_read({}, 0);
  const size_t got = parser_->get().body().size();
  ticket_->set_body_bytes(got);
  auto deadline = body_started_ + config().idle_timeout;
  if (config().min_body_rate > 0) {
    const auto allowed = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(static_cast<double>(got) /
                                      static_cast<double>(config().min_body_rate)));
    deadline = std::min(deadline, body_started_ + config().header_timeout + allowed);
  }
  stream_.expires_at(deadline);
  http::async_read_some(stream_, buffer_, *parser_,
                        beast::bind_front_handler(&HttpSession::on_body_some, shared_from_this()));
}

void HttpSession::on_body_some(beast::error_code ec, size_t n) {
  if (ec || parser_->is_done()) return on_read(ec, n);
  read_body();
}

void HttpSession::release_body() {
  server_.admission.release_body(ticket_->ip(), body_charge_);
  body_charge_ = 0;
  ticket_->set_body_bytes(0);
}

void HttpSession::on_read(beast::error_code ec, size_t) {
  release_body();  // from here the body is handled, answered or dropped
  if (ec == http::error::end_of_stream) return close_gracefully();  // client is done
  if (auto error = read_error(ec)) return send(std::move(*error), 11, false);
  if (ec) return;  // timeout, reset, shutdown: nobody to answer; dropping closes the socket
  handle();
}

std::optional<ApiResponse> HttpSession::read_error(beast::error_code ec) const {
  if (ec == http::error::body_limit)
    return error_response(
        413, "payload_too_large",
        "request body exceeds " + std::to_string(config().max_body_bytes) + " bytes");
  if (ec == http::error::header_limit)
    return error_response(
        431, "header_too_large",
        "request header exceeds " + std::to_string(config().max_header_bytes) + " bytes");
  if (ec == http::error::buffer_overflow)
    return error_response(400, "bad_request",
                          "a request line, header or chunk line exceeds " +
                              std::to_string(buffer_.max_size()) + " bytes");
  if (is_http_parse_error(ec))
    return error_response(400, "bad_request", "malformed HTTP request: " + ec.message());
  return std::nullopt;
}

// A complete request: the event stream's upgrade, a dashboard file, or the API.
void HttpSession::handle() {
  const auto& req = parser_->get();
  if (websocket::is_upgrade(req)) {
    const std::string_view target = sv(req.target());
    const size_t q = target.find('?');
    if (target.substr(0, q) == "/v1/events")
      return upgrade(q == std::string_view::npos ? std::string_view() : target.substr(q + 1),
                     req.version());
  }
  auto started = std::chrono::steady_clock::now();
  auto web = server_.config.web
                 ? server_.config.web->serve(sv(req.method_string()), sv(req.target()))
                 : std::nullopt;
  ApiResponse res = web ? std::move(*web)
                        : server_.api.handle(sv(req.method_string()), sv(req.target()), req.body(),
                                             ticket_->ip());
  server_.latency.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  const bool keep_alive = req.keep_alive() && !server_.stopping.load();
  const unsigned version = req.version();
  parser_.reset();  // the request body is not needed while the response is written
  send(std::move(res), version, keep_alive);
}

void HttpSession::send(ApiResponse&& r, unsigned version, bool keep_alive) {
  set_phase(Admission::Phase::kBusy);
  server_.responses.inc();
  if (r.status >= 400) server_.errors.inc();
  res_.emplace();
  res_->version(version);
  res_->result(r.status);
  res_->set(http::field::server, "wattle");
  res_->set(http::field::content_type, r.content_type);
  if (!r.allow.empty()) res_->set(http::field::allow, r.allow);
  for (const auto& [name, value] : r.headers) res_->set(name, value);
  res_->body() = std::move(r.body);
  res_->keep_alive(keep_alive);
  res_->prepare_payload();
  stream_.expires_after(config().write_timeout);
  http::async_write(
      stream_, *res_,
      beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, size_t) {
  if (ec) return;
  res_.reset();
  if (keep_alive) return do_read();
  close_gracefully();
}

// Half-close, then drain what the client still sends until it closes too
// (bounded by kLingerTime and kMaxLingerBytes).
void HttpSession::close_gracefully() {
  set_phase(Admission::Phase::kIdle);  // nothing more to answer: first to go if room is needed
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  drain();
}

void HttpSession::drain() {
  stream_.async_read_some(net::buffer(drain_buf_),
                          beast::bind_front_handler(&HttpSession::on_drain, shared_from_this()));
}

void HttpSession::on_drain(beast::error_code ec, size_t n) {
  drained_ += n;
  if (ec || drained_ > kMaxLingerBytes) return;
  drain();
}

void HttpSession::close_socket() {
  // An eviction decided before an upgrade closes the stream that took the socket.
  if (auto stream = upgraded_.lock()) return stream->close_socket();
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

void HttpSession::upgrade(std::string_view query, unsigned version) {
  EventFilter filter;
  if (auto err = parse_event_query(query, filter)) return send(std::move(*err), version, false);
  const auto key = parser_->get()[http::field::sec_websocket_key];
  if (!valid_websocket_key(std::string_view(key.data(), key.size())))
    return send(error_response(400, "bad_request",
                               "Sec-WebSocket-Key must be 16 bytes in base64 (24 characters)"),
                version, false);
  if (!server_.hub || server_.stopping.load())
    return send(error_response(503, "unavailable", "this node serves no event stream"), version,
                false);
  std::optional<uint64_t> replay_from;
  if (filter.from_height) {
    const uint64_t head = server_.chain.status().height;
    const uint64_t oldest = head >= kMaxReplayBlocks ? head - kMaxReplayBlocks + 1 : 0;
    if (*filter.from_height < oldest || *filter.from_height > head + 1)
      return send(
          error_response(400, "invalid_height",
                         "from_height must be within the last " + std::to_string(kMaxReplayBlocks) +
                             " blocks (" + std::to_string(oldest) + ".." +
                             std::to_string(head + 1) + "); read older history from /v1/blocks"),
          version, false);
    replay_from = std::max<uint64_t>(1, *filter.from_height);  // block 0 has no events
    const uint64_t cost = 1 + (head + 1 - std::min(head + 1, *replay_from)) / 10;
    if (!server_.query_limiter.try_take(ticket_->ip(), cost))
      return send(error_response(429, "rate_limited",
                                 "too many queries from this client; retry later (this replay "
                                 "costs " +
                                     std::to_string(cost) + " units)"),
                  version, false);
  }
  auto stream = std::make_shared<EventStreamSession>(server_, ticket_, executor_);
  if (!stream->subscribe(std::move(filter), replay_from))
    return send(
        error_response(503, "unavailable",
                       "too many event subscribers (max " +
                           std::to_string(config().max_event_subscribers) + ", " +
                           std::to_string(config().max_event_subscribers_per_ip) + " per address)"),
        version, false);
  set_phase(Admission::Phase::kBusy);  // a stream is never idle: it is not evicted
  upgraded_ = stream;
  stream->start(std::move(stream_), parser_->release());
  parser_.reset();
}

}  // namespace wattle::rpc
