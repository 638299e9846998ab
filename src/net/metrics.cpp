#include "net/metrics.h"

namespace wattle::net {

MetricsSnapshot Metrics::snapshot() const {
  constexpr auto r = std::memory_order_relaxed;
  MetricsSnapshot s;
  s.peers = peers.load(r);
  s.handshakes_ok = handshakes_ok.load(r);
  s.handshakes_failed = handshakes_failed.load(r);
  s.peers_refused = peers_refused.load(r);
  s.handshakes_evicted = handshakes_evicted.load(r);
  s.peers_banned = peers_banned.load(r);
  s.protocol_errors = protocol_errors.load(r);
  s.dials = dials.load(r);
  s.frames_truncated = frames_truncated.load(r);
  for (size_t i = 0; i < kChannelCount; ++i) {
    const Channel& c = channels[i];
    s.channels[i] = {c.bytes_in.load(r), c.bytes_out.load(r), c.frames_in.load(r),
                     c.frames_out.load(r), c.frames_dropped.load(r)};
  }
  return s;
}

}  // namespace wattle::net
