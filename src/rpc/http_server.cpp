#include "rpc/http_server.h"

#include <malloc.h>
#include <array>
#include <atomic>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <deque>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "rpc/event_stream.h"

namespace wattle::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;

namespace {

// After an error response the client may still be sending (a rejected 4 MiB
// body): read and discard for a bounded time and amount before closing, so
// our response is not destroyed by a TCP reset (the "lingering close").
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kMaxLingerBytes = 8 * 1024 * 1024;
// An accept error (e.g. out of file descriptors) is retried after a pause
// instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
// The read buffer holds the headers being parsed plus one read's worth of
// body bytes (Beast moves body bytes out of it into the body as they arrive).
constexpr size_t kReadChunk = 64 * 1024;
// An event stream only sends; what a client sends is read (so pings, pongs
// and its close frame are processed) and discarded, in messages of at most
// this size (a longer one closes the stream).
constexpr size_t kMaxStreamClientMessage = 1024;
// GET /v1/events?from_height=H replays at most this many blocks back from
// the head, kReplayChunk messages built at a time.
constexpr uint64_t kMaxReplayBlocks = 1'000;
constexpr size_t kReplayChunk = 256;
// Allocations of at least this size get their own mapping (see start()).
constexpr int kOwnMappingBytes = 1024 * 1024;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// An event stream's client only answers pings and closes: it may send this
// many bytes at once, refilled at kStreamClientRate per second; more (e.g.
// endless empty continuation frames, which Beast consumes without ever
// completing a read) closes the stream.
constexpr size_t kStreamClientBurst = 16 * 1024;
constexpr size_t kStreamClientRate = 1024;

// A Beast RatePolicy that never throttles but counts what the client sends
// once armed (after a WebSocket upgrade), calling `exceeded` once when the
// client outruns its budget (kStreamClientBurst, kStreamClientRate).
class ClientBytes {
 public:
  void arm(std::function<void()> exceeded) {
    exceeded_ = std::move(exceeded);
    tokens_ = kStreamClientBurst;
    refilled_ = std::chrono::steady_clock::now();
  }

 private:
  friend class beast::rate_policy_access;
  static constexpr size_t kUnlimited = std::numeric_limits<size_t>::max();
  size_t available_read_bytes() const { return kUnlimited; }
  size_t available_write_bytes() const { return kUnlimited; }
  void transfer_write_bytes(size_t) {}
  void on_timer() {}
  void transfer_read_bytes(size_t n) {
    if (!exceeded_) return;
    const auto now = std::chrono::steady_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - refilled_).count();
    if (ms > 0) {
      tokens_ = std::min<size_t>(kStreamClientBurst,
                                 tokens_ + static_cast<size_t>(ms) * kStreamClientRate / 1000);
      refilled_ = now;
    }
    if (n <= tokens_) {
      tokens_ -= n;
      return;
    }
    auto fire = std::move(exceeded_);
    exceeded_ = nullptr;
    fire();
  }

  std::function<void()> exceeded_;  // empty: not armed, or already fired
  size_t tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_;
};

using Stream = beast::basic_stream<tcp, net::any_io_executor, ClientBytes>;

// RFC 6455 4.1: the key is 16 random bytes in base64, so 24 characters
// ending in "==". Beast accepts any non-empty value.
bool valid_websocket_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  for (char c : key.substr(0, 22))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  return true;
}

class Session;

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_version).category();
}

// What sessions share with the server; outlives every session (stop()
// destroys all sessions before the server goes away).
struct Shared {
  Shared(ChainService& chain_service, HttpServerConfig cfg)
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
  // The GET /v1/events fan-out; null when the chain has no event bus.
  std::unique_ptr<EventHub> hub;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> active{0};
  std::atomic<uint64_t> accepted{0};

  // Every live session, for eviction, and the count per client address.
  // Sessions add themselves in run() and remove themselves when destroyed.
  std::mutex registry_mu;
  std::list<std::weak_ptr<Session>> sessions;
  std::unordered_map<std::string, size_t> per_ip;
  size_t evicting = 0;  // sessions told to close that have not closed yet
  // Request-body bytes in flight, per address and in all (see charge_body).
  std::unordered_map<std::string, size_t> body_per_ip;
  size_t body_total = 0;

  // Reserves `n` body bytes for `ip` within both budgets; false if over.
  bool charge_body(const std::string& ip, size_t n) {
    std::lock_guard lock(registry_mu);
    size_t& mine = body_per_ip[ip];
    if (mine + n > config.max_body_bytes_per_ip || body_total + n > config.max_body_bytes_total) {
      if (mine == 0) body_per_ip.erase(ip);
      return false;
    }
    mine += n;
    body_total += n;
    return true;
  }
  void release_body(const std::string& ip, size_t n) {
    if (n == 0) return;
    std::lock_guard lock(registry_mu);
    body_total -= n;
    if (auto it = body_per_ip.find(ip); it != body_per_ip.end() && (it->second -= n) == 0)
      body_per_ip.erase(it);
  }
};

// One connection: read a request, answer it, repeat while keep-alive; or,
// after a GET /v1/events upgrade, a WebSocket stream of events until either
// side closes. Owned by the shared_ptrs in its pending handlers; it dies
// (closing the socket) when its last operation completes without starting
// another.
class Session : public std::enable_shared_from_this<Session>, public EventSubscriber {
 public:
  // What a session is doing, for choosing whom to evict.
  enum class Phase : int { kIdle, kHeader, kBody, kBusy };

  Session(tcp::socket&& socket, Shared& server, std::string ip)
      : stream_(std::move(socket)),
        server_(server),
        ip_(std::move(ip)),
        executor_(stream_.get_executor()),
        buffer_(server.config.max_header_bytes + kReadChunk) {
    server_.active.fetch_add(1);
    server_.open.add(1);
  }
  ~Session() {
    release_body();
    {
      std::lock_guard lock(server_.registry_mu);
      if (registered_) server_.sessions.erase(self_);
      if (auto it = server_.per_ip.find(ip_); it != server_.per_ip.end() && --it->second == 0)
        server_.per_ip.erase(it);
      if (evicted_.load()) --server_.evicting;
    }
    server_.open.add(-1);
    server_.active.fetch_sub(1);
  }

  void run() {
    {
      std::lock_guard lock(server_.registry_mu);
      self_ = server_.sessions.insert(server_.sessions.end(), weak_from_this());
      registered_ = true;
    }
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

  Phase phase() const { return static_cast<Phase>(phase_.load()); }
  int64_t phase_since_ns() const { return phase_since_.load(); }
  // While reading a body: its bytes so far (else 0).
  size_t body_bytes() const { return body_bytes_.load(); }
  // Claims this session for eviction; false if someone already did.
  bool claim_eviction() { return !evicted_.exchange(true); }
  bool evicted() const { return evicted_.load(); }
  // Closes the socket on the session's strand: its pending read fails and the
  // session ends without answering.
  void evict() {
    net::post(executor_, [self = shared_from_this()] { self->close_socket(); });
  }

  // EventSubscriber, on the hub thread: queue the message and get the
  // strand writing if it is not; a full queue closes the stream instead
  // (never waits, never grows past event_queue).
  bool offer(const std::shared_ptr<const std::string>& message) override {
    bool start_write = false, overflow = false;
    {
      std::lock_guard lock(q_mu_);
      if (q_closed_) return false;
      if (q_.size() >= config().event_queue) {
        overflow = q_closed_ = true;
        q_.clear();
      } else {
        q_.push_back(message);
        start_write = !q_writing_;
        q_writing_ = true;
      }
    }
    if (start_write) {
      net::post(executor_, beast::bind_front_handler(&Session::ws_write_next, shared_from_this()));
      return true;
    }
    if (!overflow) return true;  // a write is under way; it will take this one too
    server_.hub->count_dropped();
    net::post(executor_, [self = shared_from_this()] {
      self->ws_close("too slow: more than " + std::to_string(self->config().event_queue) +
                     " events queued");
    });
    return false;
  }

  // EventSubscriber, from the hub (any thread): close with 1008 on the strand.
  void on_evicted() override {
    net::post(executor_, [self = shared_from_this()] {
      self->ws_close("evicted to make room for another client's stream");
    });
  }

 private:
  const HttpServerConfig& config() const { return server_.config; }

  void set_phase(Phase p) {
    phase_.store(static_cast<int>(p));
    phase_since_.store(now_ns());
  }

  // Waits for the first byte of the next request (unless pipelined bytes are
  // already buffered) under the idle timeout, then reads the headers under
  // the shorter header timeout.
  void do_read() {
    parser_.emplace();
    parser_->body_limit(config().max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(config().max_header_bytes));
    if (buffer_.size() > 0) return read_header();
    set_phase(Phase::kIdle);
    stream_.expires_after(config().idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, size_t n) {
    buffer_.commit(n);
    if (ec == net::error::eof) return close_gracefully();  // client is done
    if (ec) return;
    read_header();
  }

  void read_header() {
    set_phase(Phase::kHeader);
    stream_.expires_after(config().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  // curl sends "Expect: 100-continue" for bodies over 1 KiB and then waits a
  // second for the interim response before sending the body; answer at once.
  // (A body over the limit was already refused by the header read.)
  void on_header(beast::error_code ec, size_t n) {
    if (ec) return on_read(ec, n);
    set_phase(Phase::kBusy);
    // The body's memory is reserved from its declared length (a chunked one
    // may grow to max_body_bytes): charge that before reading any of it.
    const size_t declared = parser_->chunked()
                                ? config().max_body_bytes
                                : static_cast<size_t>(parser_->content_length().value_or(0));
    if (declared > 0 && !server_.charge_body(ip_, declared)) {
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
  void read_body() {
    if (phase() != Phase::kBody) set_phase(Phase::kBody);  // since: for the rate in eviction
    if (parser_->is_done()) return on_read({}, 0);
    const size_t got = parser_->get().body().size();
    body_bytes_.store(got);
    auto deadline = body_started_ + config().idle_timeout;
    if (config().min_body_rate > 0) {
      const auto allowed = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(static_cast<double>(got) /
                                        static_cast<double>(config().min_body_rate)));
      deadline = std::min(deadline, body_started_ + config().header_timeout + allowed);
    }
    stream_.expires_at(deadline);
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_body_some, shared_from_this()));
  }

  void on_body_some(beast::error_code ec, size_t n) {
    if (ec || parser_->is_done()) return on_read(ec, n);
    read_body();
  }

  void release_body() {
    server_.release_body(ip_, body_charge_);
    body_charge_ = 0;
    body_bytes_.store(0);
  }

  void on_read(beast::error_code ec, size_t) {
    release_body();  // from here the body is handled, answered or dropped
    if (ec == http::error::end_of_stream) return close_gracefully();  // client is done
    if (ec == http::error::body_limit) {
      return send(error_response(
                      413, "payload_too_large",
                      "request body exceeds " + std::to_string(config().max_body_bytes) + " bytes"),
                  11, false);
    }
    if (ec == http::error::header_limit) {
      return send(error_response(431, "header_too_large",
                                 "request header exceeds " +
                                     std::to_string(config().max_header_bytes) + " bytes"),
                  11, false);
    }
    if (ec == http::error::buffer_overflow) {
      return send(error_response(400, "bad_request",
                                 "a request line, header or chunk line exceeds " +
                                     std::to_string(buffer_.max_size()) + " bytes"),
                  11, false);
    }
    if (is_http_parse_error(ec)) {
      return send(error_response(400, "bad_request", "malformed HTTP request: " + ec.message()), 11,
                  false);
    }
    if (ec) return;  // timeout, reset, shutdown: nobody to answer; dropping closes the socket

    const auto& req = parser_->get();
    auto sv = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
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
    ApiResponse res =
        web ? std::move(*web)
            : server_.api.handle(sv(req.method_string()), sv(req.target()), req.body(), ip_);
    server_.latency.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    const bool keep_alive = req.keep_alive() && !server_.stopping.load();
    const unsigned version = req.version();
    parser_.reset();  // the request body is not needed while the response is written
    send(std::move(res), version, keep_alive);
  }

  void send(ApiResponse&& r, unsigned version, bool keep_alive) {
    set_phase(Phase::kBusy);
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
        beast::bind_front_handler(&Session::on_write, shared_from_this(), keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, size_t) {
    if (ec) return;
    res_.reset();
    if (keep_alive) return do_read();
    close_gracefully();
  }

  // Half-close, then drain what the client still sends until it closes too
  // (bounded by kLingerTime and kMaxLingerBytes).
  void close_gracefully() {
    set_phase(Phase::kIdle);  // nothing more to answer: first to go if room is needed
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buf_),
                            beast::bind_front_handler(&Session::on_drain, shared_from_this()));
  }

  void on_drain(beast::error_code ec, size_t n) {
    drained_ += n;
    if (ec || drained_ > kMaxLingerBytes) return;
    drain();
  }

  void close_socket() {
    beast::error_code ignored;
    if (ws_) {
      beast::get_lowest_layer(*ws_).socket().close(ignored);
    } else {
      stream_.socket().close(ignored);
    }
  }

  // --- GET /v1/events (WebSocket) ---
  // Everything below runs on the session's strand, except offer() above;
  // q_mu_ guards what the two share (the queue and its two flags).

  // Checks the request, subscribes (before the handshake is answered, so the
  // client gets every event committed after its handshake returns), then
  // accepts the upgrade.
  void upgrade(std::string_view query, unsigned version) {
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
    if (filter.from_height) {
      const uint64_t head = server_.chain.status().height;
      const uint64_t oldest = head >= kMaxReplayBlocks ? head - kMaxReplayBlocks + 1 : 0;
      if (*filter.from_height < oldest || *filter.from_height > head + 1)
        return send(error_response(400, "invalid_height",
                                   "from_height must be within the last " +
                                       std::to_string(kMaxReplayBlocks) + " blocks (" +
                                       std::to_string(oldest) + ".." + std::to_string(head + 1) +
                                       "); read older history from /v1/blocks"),
                    version, false);
      replay_next_ = std::max<uint64_t>(1, *filter.from_height);  // block 0 has no events
      const uint64_t cost = 1 + (head + 1 - std::min(head + 1, replay_next_)) / 10;
      if (!server_.query_limiter.try_take(ip_, cost))
        return send(error_response(429, "rate_limited",
                                   "too many queries from this client; retry later (this replay "
                                   "costs " +
                                       std::to_string(cost) + " units)"),
                    version, false);
    }
    {
      std::lock_guard lock(q_mu_);
      q_writing_ = true;  // nothing is written before the handshake response
    }
    const bool replay = filter.from_height.has_value();
    replay_filter_ = filter;
    if (!server_.hub->subscribe(weak_from_this(), std::move(filter), ip_,
                                replay ? &replay_end_ : nullptr))
      return send(
          error_response(
              503, "unavailable",
              "too many event subscribers (max " + std::to_string(config().max_event_subscribers) +
                  ", " + std::to_string(config().max_event_subscribers_per_ip) + " per address)"),
          version, false);
    set_phase(Phase::kBusy);  // a stream is never idle: it is not evicted
    ws_.emplace(std::move(stream_));
    beast::get_lowest_layer(*ws_).expires_never();  // the stream's own timeouts below
    // A flood is cut off at once, without a close handshake.
    beast::get_lowest_layer(*ws_).rate_policy().arm([weak = weak_from_this()] {
      if (auto self = weak.lock()) net::post(self->executor_, [self] { self->ws_finish(); });
    });
    ws_->set_option(
        websocket::stream_base::timeout{config().header_timeout, config().idle_timeout, true});
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "wattle"); }));
    ws_->read_message_max(kMaxStreamClientMessage);
    ws_timer_.emplace(executor_);
    ws_->async_accept(parser_->get(),
                      beast::bind_front_handler(&Session::on_ws_accept, shared_from_this()));
  }

  void on_ws_accept(beast::error_code ec) {
    parser_.reset();
    if (ec) return ws_finish();
    accepted_ = true;
    ws_->text(true);
    ws_read();
    ws_write_next();
  }

  void ws_read() {
    ws_->async_read(ws_in_, beast::bind_front_handler(&Session::on_ws_read, shared_from_this()));
  }

  void on_ws_read(beast::error_code ec, size_t) {
    if (ec) return ws_finish();  // the client closed, went silent, or sent too much
    ws_in_.consume(ws_in_.size());
    ws_read();
  }

  // Writes the replay's next message, else the queue's front message, if
  // any, under write_timeout; the message leaves its queue once written.
  void ws_write_next() {
    std::shared_ptr<const std::string> message;
    if (replay_q_.empty() && !closing_) fill_replay();
    if (!replay_q_.empty() && !closing_) {
      message = replay_q_.front();
    } else {
      std::lock_guard lock(q_mu_);
      if (q_closed_ || q_.empty() || closing_) {
        q_writing_ = false;
        return;
      }
      message = q_.front();
    }
    arm_timer(config().write_timeout, [](Session& s) {
      s.server_.hub->count_dropped();
      s.ws_finish();  // the client stopped reading: a close frame would not get through
    });
    ws_->async_write(net::buffer(*message),
                     [self = shared_from_this(), message](beast::error_code ec, size_t) {
                       self->on_ws_write(ec);
                     });
  }

  void on_ws_write(beast::error_code ec) {
    ++timer_gen_;  // disarms the write timeout
    if (ec) return ws_finish();
    if (!replay_q_.empty()) {
      replay_q_.pop_front();
    } else {
      std::lock_guard lock(q_mu_);
      if (!q_.empty()) q_.pop_front();
    }
    ws_write_next();
  }

  // Queues the next at most kReplayChunk replayed messages (heights
  // replay_next_..replay_end_, read from the store a block at a time), so a
  // replay holds one block's events and one chunk of text at most. A block
  // the store cannot give (pruned, or from before events were stored) ends
  // the replay with a "missed" message naming it.
  void fill_replay() {
    while (replay_q_.empty() && replay_next_ != 0 && replay_next_ <= replay_end_) {
      if (replay_pos_ == 0) {
        auto events = server_.chain.committed_events(replay_next_);
        auto block =
            events ? server_.chain.block(replay_next_) : Result<chain::Block>(events.status());
        if (!block) {
          replay_q_.push_back(std::make_shared<const std::string>(json{
              {"type", "missed"},
              {"seq", 0},
              {"message", "cannot replay block " + std::to_string(replay_next_) + ": " +
                              block.status().message()}}.dump(-1, ' ', false,
                                                              json::error_handler_t::replace)));
          replay_next_ = 0;
          return;
        }
        replay_events_ = std::move(events).value();
        replay_block_ = std::move(block).value();
      }
      while (replay_pos_ < replay_events_.size() && replay_q_.size() < kReplayChunk) {
        chain::Event e = replay_events_[replay_pos_++];
        e.seq = 0;  // seq numbers the live stream of one process; the cursor is durable
        auto message = event_json(e, *replay_block_);
        if (message && event_matches(replay_filter_, *message))
          replay_q_.push_back(std::make_shared<const std::string>(
              message->dump(-1, ' ', false, json::error_handler_t::replace)));
      }
      if (replay_pos_ == replay_events_.size()) {
        replay_pos_ = 0;
        replay_events_.clear();
        replay_block_.reset();
        ++replay_next_;
      }
    }
  }

  // Closes the stream with 1008 and `reason` (after the write under way, if
  // any); a client that has not taken the close frame within write_timeout
  // is cut off.
  void ws_close(const std::string& reason) {
    if (closing_) return;
    closing_ = true;
    {
      std::lock_guard lock(q_mu_);
      q_closed_ = true;
      q_.clear();
    }
    if (!accepted_) return ws_finish();
    arm_timer(config().write_timeout, [](Session& s) { s.ws_finish(); });
    ws_->async_close(websocket::close_reason(websocket::close_code::policy_error, reason),
                     [self = shared_from_this()](beast::error_code) {});
  }

  // Ends the stream at once: the pending read and write fail and the
  // session is destroyed when they return.
  void ws_finish() {
    {
      std::lock_guard lock(q_mu_);
      q_closed_ = true;
      q_.clear();
    }
    ++timer_gen_;
    if (ws_timer_) ws_timer_->cancel();
    close_socket();
  }

  // One timer serves the write timeout and the close deadline; a generation
  // number makes a wait that was overtaken (completed just as it was
  // re-armed) do nothing.
  void arm_timer(std::chrono::steady_clock::duration after, void (*fire)(Session&)) {
    const uint64_t gen = ++timer_gen_;
    ws_timer_->expires_after(after);
    ws_timer_->async_wait([self = shared_from_this(), gen, fire](beast::error_code ec) {
      if (!ec && gen == self->timer_gen_) fire(*self);
    });
  }

  Stream stream_;  // moved into ws_ by an upgrade
  Shared& server_;
  const std::string ip_;
  const Stream::executor_type executor_;  // the strand, valid after an upgrade too
  beast::flat_buffer buffer_;             // bounded: see the constructor
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  std::array<char, 4096> drain_buf_{};
  size_t drained_ = 0;
  std::atomic<int> phase_{static_cast<int>(Phase::kIdle)};
  std::atomic<int64_t> phase_since_{now_ns()};
  std::atomic<bool> evicted_{false};
  bool registered_ = false;
  size_t body_charge_ = 0;  // bytes charged by charge_body for the current request
  std::chrono::steady_clock::time_point body_started_;
  std::atomic<size_t> body_bytes_{0};
  std::list<std::weak_ptr<Session>>::iterator self_;

  // Event stream state (see upgrade()).
  std::optional<websocket::stream<Stream>> ws_;
  std::optional<net::steady_timer> ws_timer_;
  beast::flat_buffer ws_in_;
  uint64_t timer_gen_ = 0;
  bool accepted_ = false;
  bool closing_ = false;
  std::mutex q_mu_;
  std::deque<std::shared_ptr<const std::string>> q_;  // at most event_queue messages
  // The replay (strand only): heights replay_next_..replay_end_ (0: none).
  EventFilter replay_filter_;
  uint64_t replay_next_ = 0;
  uint64_t replay_end_ = 0;
  size_t replay_pos_ = 0;  // next event of replay_events_
  std::vector<chain::Event> replay_events_;
  std::optional<chain::Block> replay_block_;
  std::deque<std::shared_ptr<const std::string>> replay_q_;  // at most kReplayChunk
  bool q_writing_ = false;  // a ws_write_next is posted or a write is under way
  bool q_closed_ = false;   // the stream is ending: offer() refuses
};

}  // namespace

struct HttpServer::Impl {
  Impl(ChainService& chain, HttpServerConfig cfg) : shared(chain, std::move(cfg)) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Admits a new connection from `ip` if there is room (evicting an idle or
  // slow one if needed): "" if admitted, else why it must be refused.
  std::string_view admit(const std::string& ip);
  static void refuse(tcp::socket& socket, std::string_view why);
  static std::shared_ptr<Session> pick_victim(
      const std::vector<std::shared_ptr<Session>>& candidates);

  Shared shared;
  const HttpServerConfig& config = shared.config;
  std::mutex mu;  // serialises start() and stop()
  bool started = false;
  bool stopped = false;
  std::atomic<uint16_t> port{0};

  // Destroyed in stop() in reverse order of need: the acceptor and timer
  // before the io_context, whose destruction frees the remaining sessions.
  std::unique_ptr<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> retry_timer;
  std::vector<std::thread> threads;
};

void HttpServer::Impl::do_accept() {
  acceptor->async_accept(net::make_strand(*ioc), beast::bind_front_handler(&Impl::on_accept, this));
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (shared.stopping.load() || ec == net::error::operation_aborted) return;
  if (ec) {
    retry_timer->expires_after(kAcceptRetryDelay);
    retry_timer->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !shared.stopping.load()) do_accept();
    });
    return;
  }
  beast::error_code addr_ec;
  const tcp::endpoint peer = socket.remote_endpoint(addr_ec);
  if (addr_ec) {  // already gone
    do_accept();
    return;
  }
  const std::string ip = peer.address().to_string();
  if (std::string_view why = admit(ip); !why.empty()) {
    shared.refused.inc();
    refuse(socket, why);
  } else {
    shared.accepted.fetch_add(1);
    std::make_shared<Session>(std::move(socket), shared, ip)->run();
  }
  do_accept();
}

std::string_view HttpServer::Impl::admit(const std::string& ip) {
  static constexpr std::string_view kPerIp = "too many connections from this address";
  static constexpr std::string_view kFull = "too many connections";
  std::vector<std::shared_ptr<Session>> candidates;
  {
    std::lock_guard lock(shared.registry_mu);
    size_t& mine = shared.per_ip[ip];
    if (mine >= std::max<size_t>(1, config.max_connections_per_ip)) {
      return kPerIp;
    }
    if (shared.active.load() - shared.evicting < config.max_connections) {
      ++mine;  // the Session's destructor gives it back
      return {};
    }
    if (mine == 0) shared.per_ip.erase(ip);
    candidates.reserve(shared.sessions.size());
    for (const auto& w : shared.sessions)
      if (auto sp = w.lock()) candidates.push_back(std::move(sp));
  }
  // Outside the lock: dropping the last reference to a session runs its
  // destructor, which takes the lock. Idle first, then the slowest header,
  // then the slowest body.
  std::shared_ptr<Session> victim = pick_victim(candidates);
  // Holding `victim` keeps its destructor (which counts evicting down) from
  // running before the count goes up.
  if (!victim || !victim->claim_eviction()) return kFull;
  {
    std::lock_guard lock(shared.registry_mu);
    ++shared.evicting;
    ++shared.per_ip[ip];
  }
  shared.evicted.inc();
  victim->evict();
  return {};
}

// The connection to close for a newcomer: the longest idle, else the one
// reading its headers longest, else the one whose body has arrived at the
// lowest average rate; null if every connection is busy answering.
std::shared_ptr<Session> HttpServer::Impl::pick_victim(
    const std::vector<std::shared_ptr<Session>>& candidates) {
  std::shared_ptr<Session> victim;
  for (const auto wanted : {Session::Phase::kIdle, Session::Phase::kHeader}) {
    int64_t oldest = INT64_MAX;
    for (const auto& c : candidates) {
      if (c->phase() == wanted && !c->evicted() && c->phase_since_ns() < oldest) {
        oldest = c->phase_since_ns();
        victim = c;
      }
    }
    if (victim) return victim;
  }
  const int64_t now = now_ns();
  double slowest = 0;
  for (const auto& c : candidates) {
    if (c->phase() != Session::Phase::kBody || c->evicted()) continue;
    const double seconds =
        static_cast<double>(std::max<int64_t>(1, now - c->phase_since_ns())) / 1e9;
    const double rate = static_cast<double>(c->body_bytes()) / seconds;
    if (!victim || rate < slowest) {
      slowest = rate;
      victim = c;
    }
  }
  return victim;
}

// Over a connection limit: one best-effort non-blocking write of a 503 so
// the client learns why, then close. Never waits, so a flood of connections
// costs nothing but the accept.
void HttpServer::Impl::refuse(tcp::socket& socket, std::string_view why) {
  const std::string body = R"({"code":"unavailable","message":")" + std::string(why) + R"("})";
  const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nServer: wattle\r\nContent-Type: "
      "application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(response), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

HttpServer::HttpServer(ChainService& chain, HttpServerConfig config)
    : impl_(std::make_unique<Impl>(chain, std::move(config))) {}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (s.started) return Status(Code::kInvalidArgument, "http server already started");
  const std::string where = s.config.host + ":" + std::to_string(s.config.port);
  try {
    s.ioc = std::make_unique<net::io_context>(static_cast<int>(std::max(1u, s.config.threads)));
    beast::error_code ec;
    tcp::endpoint endpoint;
    net::ip::address addr = net::ip::make_address(s.config.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(addr, s.config.port);
    } else {
      tcp::resolver resolver(*s.ioc);
      auto results = resolver.resolve(s.config.host, std::to_string(s.config.port), ec);
      if (ec || results.empty()) {
        s.ioc.reset();
        return Status(Code::kInvalidArgument,
                      "cannot resolve http host \"" + s.config.host + "\": " + ec.message());
      }
      endpoint = results.begin()->endpoint();
    }

    s.acceptor.emplace(net::make_strand(*s.ioc));
    auto fail = [&](const char* step) {
      std::string msg =
          std::string("cannot ") + step + " http address " + where + ": " + ec.message();
      s.acceptor.reset();
      s.ioc.reset();
      return Status(Code::kUnavailable, std::move(msg));
    };
    s.acceptor->open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    // Lets a restarted node rebind while old connections sit in TIME_WAIT;
    // on Linux it does not allow two listeners on one port.
    s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return fail("configure");
    s.acceptor->bind(endpoint, ec);
    if (ec) return fail("bind");
    s.acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen on");
    s.port.store(s.acceptor->local_endpoint().port());
    // Large request bodies in their own mappings, returned to the OS when
    // freed (glibc's default threshold slides up to 32 MiB after the first
    // large free, after which freed bodies stay in the heap).
    mallopt(M_MMAP_THRESHOLD, kOwnMappingBytes);
    if (s.shared.hub) s.shared.hub->start();

    s.retry_timer.emplace(s.acceptor->get_executor());
    s.work.emplace(s.ioc->get_executor());
    s.started = true;
    s.do_accept();
    for (unsigned i = 0; i < std::max(1u, s.config.threads); ++i) {
      s.threads.emplace_back([&s] {
        // A handler that throws must not take the thread (and the API) down.
        for (;;) {
          try {
            s.ioc->run();
            return;
          } catch (...) {
          }
        }
      });
    }
  } catch (const std::exception& e) {
    return Status(Code::kInternal, std::string("http server start failed: ") + e.what());
  }
  return Status::ok();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.shared.stopping.store(true);
  // The hub first: it holds references to stream sessions and posts to
  // their strands, which must not outlive the io_context.
  if (s.shared.hub) s.shared.hub->stop();
  s.ioc->stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
  s.work.reset();
  s.retry_timer.reset();
  s.acceptor.reset();
  // Destroying the io_context destroys the handlers still queued, and with
  // them the last references to every open Session (closing its socket).
  s.ioc.reset();
}

uint16_t HttpServer::port() const {
  return impl_->port.load();
}
size_t HttpServer::active_connections() const {
  return impl_->shared.active.load();
}
uint64_t HttpServer::connections_accepted() const {
  return impl_->shared.accepted.load();
}
uint64_t HttpServer::connections_evicted() const {
  return impl_->shared.evicted.value();
}
size_t HttpServer::body_bytes_in_flight() const {
  std::lock_guard lock(impl_->shared.registry_mu);
  return impl_->shared.body_total;
}
size_t HttpServer::event_subscribers() const {
  return impl_->shared.hub ? impl_->shared.hub->subscribers() : 0;
}

}  // namespace wattle::rpc
