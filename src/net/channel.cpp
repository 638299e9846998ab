#include "net/channel.h"

namespace wattle::net {

std::string_view channel_name(ChannelId c) {
  switch (c) {
    case ChannelId::kConsensus:
      return "consensus";
    case ChannelId::kTxGossip:
      return "tx_gossip";
    case ChannelId::kBlockSync:
      return "block_sync";
    case ChannelId::kPeerExchange:
      return "peer_exchange";
  }
  return "unknown";
}

std::optional<ChannelId> channel_from_byte(uint8_t b) {
  if (b >= kChannelCount) return std::nullopt;
  return static_cast<ChannelId>(b);
}

}  // namespace wattle::net
