// HttpSession: one HTTP/1.1 connection of the HTTP server (rpc/http_server.h
// describes the behaviour a client sees; docs/rpc.md): read a request,
// answer it, repeat while keep-alive. A GET /v1/events upgrade is checked
// here (errors are HTTP responses) and the connection handed to an
// EventStreamSession.
//
// Promises:
// - Bounded memory: the read buffer holds at most max_header_bytes +
//   kReadChunk bytes (a longer request line, header or chunk line is a 400);
//   a body is read only once its declared size (max_body_bytes if chunked)
//   is charged to the Admission's body budgets, and released as soon as it
//   is handled. One response at a time: the next pipelined request is read
//   only after it was written.
// - Deadlines: idle_timeout for the next request's first byte, header_timeout
//   for its headers, for its body idle_timeout and min_body_rate (after a
//   grace of header_timeout), write_timeout per response. Past any, the
//   connection is dropped without an answer.
// - Its admission ticket shows what it is doing (idle, headers, body, busy)
//   so the Admission can pick it for eviction; evict() closes the socket on
//   its strand.
// - Owned by the shared_ptrs in its pending handlers: it dies (closing the
//   socket) when its last operation completes without starting another.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "rpc/admission.h"
#include "rpc/api.h"
#include "rpc/server_context.h"
#include "rpc/session_stream.h"

namespace wattle::rpc {

class EventStreamSession;

class HttpSession : public std::enable_shared_from_this<HttpSession>, public Admission::Evictable {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& server,
              std::shared_ptr<Admission::Ticket> ticket);
  ~HttpSession() override;

  // Starts reading the first request on the connection's strand.
  void run();
  // Admission::Evictable: close the socket on the strand; the pending read
  // fails and the session ends without answering.
  void evict() override;

 private:
  const HttpServerConfig& config() const { return server_.config; }
  void set_phase(Admission::Phase p) { ticket_->set_phase(p); }
  void do_read();
  void on_first_bytes(boost::beast::error_code ec, size_t n);
  void read_header();
  void on_header(boost::beast::error_code ec, size_t n);
  void read_body();
  void on_body_some(boost::beast::error_code ec, size_t n);
  void release_body();
  void on_read(boost::beast::error_code ec, size_t);
  // The response to a failed read, if there is anyone to answer.
  std::optional<ApiResponse> read_error(boost::beast::error_code ec) const;
  void handle();
  void send(ApiResponse&& r, unsigned version, bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code ec, size_t);
  void close_gracefully();
  void drain();
  void on_drain(boost::beast::error_code ec, size_t n);
  void close_socket();
  // GET /v1/events with an upgrade: checks the query, key, hub, replay range
  // and rate, subscribes, then hands the connection to an EventStreamSession.
  void upgrade(std::string_view query, unsigned version);

  SessionStream stream_;  // moved to an EventStreamSession by an upgrade
  ServerContext& server_;
  const std::shared_ptr<Admission::Ticket> ticket_;
  const SessionStream::executor_type executor_;  // the strand, valid after an upgrade too
  boost::beast::flat_buffer buffer_;             // bounded: see the constructor
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> res_;
  std::array<char, 4096> drain_buf_{};
  size_t drained_ = 0;
  size_t body_charge_ = 0;  // bytes charged by charge_body for the current request
  std::chrono::steady_clock::time_point body_started_;
  std::weak_ptr<EventStreamSession> upgraded_;  // after an upgrade: who has the socket
};

}  // namespace wattle::rpc
