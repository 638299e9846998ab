// SwitchConfig and Limits: everything a node tells its Switch. Every limit
// has a safe default; each one bounds a resource a remote peer could
// otherwise grow (memory, CPU, sockets, time). Plain values.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/keys.h"
#include "net/channel.h"
#include "net/peer_address.h"

namespace wattle::net {

struct Limits {
  // Largest encrypted frame body after the handshake (payload + 1 + 17);
  // clamped to kFrameBodyHardLimit.
  size_t max_frame_bytes = 4u << 20;
  // Authenticated peers, inbound and outbound together.
  size_t max_peers = 50;
  // Inbound TCP connections still in the handshake, in total and per source
  // address. A new socket that finds its address's budget full closes that
  // address's oldest pending handshake; one that finds the total full closes
  // the oldest of the address holding the most. So a crowd of silent sockets
  // (slowloris) holds at most these many sockets, only ever displaces itself
  // or the oldest, and an honest handshake (milliseconds) outlives it.
  // Our own dials are outside both budgets: a validator always dials its
  // persistent peers, whatever crowds its listener (docs/network.md, section 5).
  size_t max_pending_handshakes = 64;
  size_t max_pending_handshakes_per_address = 8;
  // A connection that has not finished the handshake by then is closed.
  std::chrono::milliseconds handshake_timeout{5000};
  // A peer that completes no frame for this long is dropped (silent, or
  // trickling a frame byte by byte); keepalives keep honest idle peers alive.
  // So is one that accepts none of our bytes for this long (stopped reading).
  std::chrono::milliseconds ping_interval{10000};
  std::chrono::milliseconds idle_timeout{60000};
  // Receive limits per peer (token buckets). Frames (messages) over the
  // frame rate are dropped and cost kPenaltyRateLimited each: floods of small
  // messages are what cost us per-message work. Bytes over the byte rate are
  // not dropped: reading pauses until the bucket refills (back-pressure).
  double recv_frames_per_s = 10000;
  double recv_frames_burst = 20000;
  double recv_bytes_per_s = 32u << 20;
  double recv_bytes_burst = 64u << 20;
  std::chrono::milliseconds ban_duration{10 * 60 * 1000};
  size_t max_bans = 4096;
  // Reconnect to persistent peers: exponential from base to cap, jittered.
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_cap{30000};
  std::array<ChannelPolicy, kChannelCount> channels = kDefaultChannelPolicies;
  // All of one peer's send queues together; whichever bound is hit first
  // refuses. With max_peers this caps what slow readers can make us hold.
  size_t max_send_queue_bytes = 8u << 20;
};

struct SwitchConfig {
  // Bound into every handshake: peers of another network (chain id) are
  // refused with kWrongChain before anyone signs anything.
  std::string network_id;
  // Where to accept connections; port 0 picks a free port (Switch::listen_port()).
  // An empty host disables listening (a node that only dials).
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;
  // Dialled at start and redialled with backoff whenever disconnected.
  std::vector<PeerAddress> persistent_peers;
  // Which authenticated node ids may stay connected. When unset, exactly the
  // persistent peers are admitted (a closed validator network).
  std::function<bool(const PublicKey&)> allow;
  Limits limits;
};

}  // namespace wattle::net
