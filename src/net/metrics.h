// Metrics: plain counters the Switch updates and the node exports
// (Prometheus text via rpc). Every field is a relaxed std::atomic, so any
// thread may read while the I/O thread writes; snapshot() copies them into a
// plain struct. Counters only grow, except `peers` (a gauge).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "net/channel.h"

namespace wattle::net {

struct ChannelCounts {
  uint64_t bytes_in = 0;   // payload bytes delivered to the receive callback
  uint64_t bytes_out = 0;  // payload bytes written to sockets
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t frames_dropped = 0;  // send queue full (out) or over the rate limit (in)
};

struct MetricsSnapshot {
  uint64_t peers = 0;  // authenticated connections now
  uint64_t handshakes_ok = 0;
  uint64_t handshakes_failed = 0;   // bad bytes, signature, network id, timeout
  uint64_t peers_refused = 0;       // authenticated but not admitted (allow-list, ban, full)
  uint64_t handshakes_evicted = 0;  // pending inbound handshakes closed to make room
  uint64_t peers_banned = 0;        // bans issued
  uint64_t protocol_errors = 0;     // garbage/oversized/tampered frames after the handshake
  uint64_t dials = 0;               // outbound connection attempts
  uint64_t frames_truncated = 0;    // connections that ended in the middle of a frame
  std::array<ChannelCounts, kChannelCount> channels{};
};

class Metrics {
 public:
  struct Channel {
    std::atomic<uint64_t> bytes_in{0}, bytes_out{0}, frames_in{0}, frames_out{0}, frames_dropped{0};
  };
  std::atomic<uint64_t> peers{0}, handshakes_ok{0}, handshakes_failed{0}, peers_refused{0},
      handshakes_evicted{0}, peers_banned{0}, protocol_errors{0}, dials{0}, frames_truncated{0};
  std::array<Channel, kChannelCount> channels;

  Channel& channel(ChannelId c) { return channels[index_of(c)]; }
  MetricsSnapshot snapshot() const;
};

inline void bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace wattle::net
