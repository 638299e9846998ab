// Channels multiplexed over one peer connection (CometBFT's reactors), and
// what each one does when a peer's send queue for it is full.
//
// Every decrypted frame is a Message: one channel id byte, then the payload.
// The connection drains its queues in strict priority order (lower value
// first), so a flood of tx gossip can never delay a consensus vote; the cost
// is that a saturated consensus channel can starve gossip, which is the
// trade CometBFT makes too. Plain values; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wattle::net {

enum class ChannelId : uint8_t {
  kConsensus = 0,     // proposals, votes: small, latency-critical
  kTxGossip = 1,      // mempool txs; each also goes through check_tx on receipt
  kBlockSync = 2,     // block requests/responses for a node that is behind
  kPeerExchange = 3,  // addresses; limited to the configured set for now
};
inline constexpr size_t kChannelCount = 4;

std::string_view channel_name(ChannelId c);
// kMalformed-worthy ids are reported as nullopt so callers choose the code.
std::optional<ChannelId> channel_from_byte(uint8_t b);
inline size_t index_of(ChannelId c) {
  return static_cast<size_t>(c);
}

// Send-queue bound per peer and channel. When a queue is full the NEW message
// is refused (send() returns kUnavailable and frames_dropped is counted):
//  - consensus: refuse; the engine re-sends on its own timeouts, and a peer
//    that cannot drain 1024 votes is too slow to help this round anyway.
//  - tx gossip: refuse; a tx not gossiped to one slow peer still reaches it
//    through the others or is re-submitted by its client.
//  - block sync: refuse; the requester times out and asks another peer.
//  - peer exchange: refuse; addresses are re-announced periodically.
// Dropping the oldest instead would let a flood evict a vote already queued.
struct ChannelPolicy {
  size_t max_queued_messages;
  size_t max_queued_bytes;
};

inline constexpr std::array<ChannelPolicy, kChannelCount> kDefaultChannelPolicies = {{
    {1024, 4u << 20},  // consensus
    {4096, 8u << 20},  // tx gossip
    {64, 32u << 20},   // block sync: few, large responses
    {16, 64u << 10},   // peer exchange
}};

}  // namespace wattle::net
