// The TCP stream type every HTTP server session reads and writes through
// (rpc/http_server.h): a Beast basic_stream (timeouts) on a strand, whose
// rate policy counts what an event stream's client sends.
//
// Promises: ClientBytes never throttles; once armed (after a WebSocket
// upgrade) it calls its callback once, on the reading thread, when the
// client has sent more than kStreamClientBurst bytes at once or more than
// kStreamClientRate bytes per second after that. Unarmed it counts nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>

namespace wattle::rpc {

// An event stream's client only answers pings and closes: it may send this
// many bytes at once, refilled at kStreamClientRate per second; more (e.g.
// endless empty continuation frames, which Beast consumes without ever
// completing a read) closes the stream.
inline constexpr size_t kStreamClientBurst = 16 * 1024;
inline constexpr size_t kStreamClientRate = 1024;

// A Beast RatePolicy that counts what the client sends once armed.
class ClientBytes {
 public:
  void arm(std::function<void()> exceeded) {
    exceeded_ = std::move(exceeded);
    tokens_ = kStreamClientBurst;
    refilled_ = std::chrono::steady_clock::now();
  }

 private:
  friend class boost::beast::rate_policy_access;
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

using SessionStream =
    boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::any_io_executor, ClientBytes>;

}  // namespace wattle::rpc
