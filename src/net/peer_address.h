// PeerAddress: a peer we dial, written "NODE_ID_HEX@HOST:PORT" in configs
// (CometBFT's persistent_peers syntax). The node id is the peer's Ed25519
// public key: the handshake checks that whoever answers at HOST:PORT holds
// it. Plain value; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/keys.h"

namespace wattle::net {

struct PeerAddress {
  PublicKey id;
  std::string host;
  uint16_t port = 0;

  // kMalformed for anything but 64 hex digits '@' a non-empty host ':' a
  // port in 1..65535 (IPv6 hosts in brackets: "[::1]:26656").
  static Result<PeerAddress> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const PeerAddress&) const = default;
};

// A config's comma-separated list ("ID@H:P,ID@H:P"; spaces around entries
// and empty entries ignored). The first bad entry's kMalformed otherwise.
Result<std::vector<PeerAddress>> parse_peer_list(std::string_view text);

}  // namespace wattle::net
