// A local multi-validator network on one machine (`wattle devnet init`):
//
//   DIR/faucet.key          a key funded in genesis, for trying things out
//   DIR/node<i>/            one home per validator (node/home.h layout):
//       genesis.json        the same file in every home: PoA, all N validators, power 1 each
//       validator.key       this validator's key
//       node.key            this node's P2P identity (Ed25519; its public key is the node id)
//       config.toml         node/config.h: listen addresses, every other node as a
//                           persistent peer, default consensus timeouts
//
// Ports: node i listens for RPC on base_port + 2i and for P2P on
// base_port + 2i + 1, on `host`.
//
// Promises: refuses a DIR that exists and is not an empty directory
// (kDuplicate), so it never mixes two networks' keys; on any failure removes
// what it created (DIR itself if it made it, else DIR's new contents). Keys
// are written 0600 through node/home.h (O_EXCL, fsync, rename).
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/genesis.h"
#include "core/address.h"
#include "core/status.h"
#include "core/units.h"
#include "modules/energy/market_params.h"
#include "modules/staking/staking_params.h"
#include "node/config.h"

namespace wattle::node {

struct DevnetOptions {
  std::string dir;
  uint32_t validators = 4;  // 1..kMaxDevnetValidators
  uint16_t base_port = 26600;
  std::string host = "127.0.0.1";
  std::string chain_id = "wattle-devnet";
  uint64_t block_interval_ms = 200;
  Money faucet_balance{1'000'000'000'000};  // 1,000,000 tokens
  // More genesis balances besides the faucet's (benchmarks fund their senders).
  std::vector<std::pair<Address, Money>> extra_balances;
  std::optional<modules::MarketParams> market;  // the genesis market section, if any
  // The genesis staking section (docs/staking.md), if any: who validates.
  std::optional<modules::StakingParams> staking;
  // Set: a proof-of-work chain (docs/consensus.md), every node a miner.
  std::optional<chain::GenesisPow> pow;
  // Homes cand0.. that run as full nodes (not in the genesis set), each with
  // its validator key funded with candidate_balance, so a new validator can be
  // tried (create-validator with --consensus-key and --key its validator.key).
  uint32_t candidates = 0;
  Money candidate_balance{1'000'000'000'000};
};

inline constexpr uint32_t kMaxDevnetValidators = 100;

struct DevnetNode {
  std::string home;
  HomeConfig config;
  PublicKey node_id;
  PublicKey validator;
};

// Writes the network; the nodes in index order.
Result<std::vector<DevnetNode>> init_devnet(const DevnetOptions& options);

// A port P such that P .. P + count - 1 are free on `host` right now (a
// devnet's base port for tests, benchmarks and the demo), below the
// kernel's ephemeral range so a restarted node finds its port free again;
// kUnavailable if none is found.
Result<uint16_t> free_port_range(const std::string& host, size_t count);

// Starts `wattle` (the binary's path) with `args` as a child process,
// stdout and stderr appended to `log`, with an empty signal mask. The pid,
// or kIoError.
Result<pid_t> spawn_wattle(const std::string& wattle, const std::vector<std::string>& args,
                           const std::string& log);
// spawn_wattle of `node --home HOME` plus `extra` arguments.
Result<pid_t> spawn_node(const std::string& wattle, const std::string& home,
                         const std::vector<std::string>& extra, const std::string& log);

}  // namespace wattle::node
