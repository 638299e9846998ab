// EventClient: a small synchronous WebSocket client for GET /v1/events
// (Boost.Beast), used by `wattle events` and the tests.
//
// Promises:
// - Never hangs longer than asked: connect + upgrade within
//   options.connect_timeout; next() within its timeout (zero: no limit).
// - Errors are Status, never exceptions. connect(): kUnavailable when the
//   node cannot be reached or the upgrade fails on the wire; when the node
//   refuses the upgrade with an HTTP error, a Status whose message is
//   "HTTP <status> <code>: <message>" from the JSON error body
//   (kInvalidArgument for 4xx, kUnavailable otherwise). next(): kUnavailable
//   when the stream ended (close_reason() then says why, if the node said),
//   timed out, or broke; kTooLarge for a message over max_message_bytes. After
//   an error from next() the client is closed.
// - Messages are returned as received (one JSON object each, not parsed
//   here). Pings from the node are answered while next() waits.
// - Thread safety: none; one client per thread. Movable, not copyable.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace wattle::rpc {

struct EventClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  size_t max_message_bytes = 1 << 20;
};

class EventClient {
 public:
  // `target`: "/v1/events" or "/v1/events?account=wat1...".
  static Result<EventClient> connect(const std::string& host, uint16_t port,
                                     const std::string& target = "/v1/events",
                                     EventClientOptions options = {});
  ~EventClient();
  EventClient(EventClient&&) noexcept;
  EventClient& operator=(EventClient&&) noexcept;

  Result<std::string> next(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // The WebSocket close code and reason sent by the node ("1008 too slow: ..."),
  // "" if it sent none (yet).
  std::string close_reason() const;
  // Sends a close frame (best effort) and closes the socket.
  void close();

 private:
  struct Impl;
  explicit EventClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wattle::rpc
