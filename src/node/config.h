// HomeConfig: a node's HOME/config.toml, what `wattle devnet init` writes and
// the node host reads (listen addresses, peers, consensus timeouts). Not
// node.h's NodeConfig (the options of Node::open): the host fills that from
// this file, and the two names must differ (one namespace; same name = ODR
// violation, which crashed node_tests).
//
//   [p2p]
//   listen = "127.0.0.1:26601"                 # HOST:PORT, required
//   persistent_peers = ["<node id hex>@127.0.0.1:26603", ...]   # optional, default none
//   [rpc]
//   listen = "127.0.0.1:26600"                 # HOST:PORT, required
//   [consensus]                                # optional; each key defaults to
//   propose_ms = 3000                          # consensus::bft::TimeoutConfig's
//   propose_delta_ms = 500                     # (timeout(r) = base + delta * r)
//   prevote_ms = 1000
//   prevote_delta_ms = 500
//   precommit_ms = 1000
//   precommit_delta_ms = 500
//   rebroadcast_ms = 2000
//   rebroadcast_delta_ms = 500
//
// Promises: parsing is strict and never throws: a TOML syntax error, an
// unknown table or key (a typo), a wrong type, a value out of range or a
// malformed address is kInvalidArgument whose message names the key
// ("config.toml: p2p.listen: ..."); a missing file is kNotFound. A peer is
// net::PeerAddress syntax, checked by its parser; a node listed as its own
// peer is not detected here (the node id is in node.key, not the config).
// to_toml() writes what parse_config() reads back to an equal value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/bft/bft_engine.h"
#include "core/status.h"
#include "net/peer_address.h"

namespace wattle::node {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const;
  auto operator<=>(const ListenAddress&) const = default;
};

struct HomeConfig {
  ListenAddress p2p_listen;
  ListenAddress rpc_listen;
  std::vector<net::PeerAddress> persistent_peers;
  consensus::bft::TimeoutConfig timeouts;
};

// The file name inside a home directory.
inline constexpr const char* kConfigFile = "config.toml";

// Reads HOME/config.toml.
Result<HomeConfig> load_config(const std::string& home);
// `origin` names the text in error messages (a path).
Result<HomeConfig> parse_config(std::string_view text, std::string_view origin = kConfigFile);
std::string to_toml(const HomeConfig& config);

// "HOST:PORT" (IPv6 in brackets) with a port in 0..65535; kInvalidArgument otherwise.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace wattle::node
