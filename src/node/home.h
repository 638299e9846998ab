// The node's home directory: where a chain's files live.
//
//   HOME/genesis.json     the chain's genesis (chain::Genesis JSON)
//   HOME/validator.key    this node's validator key: {"seed": "<hex>"}, mode 0600
//   HOME/node.key         this node's P2P identity (Ed25519, same format), if it has one
//   HOME/config.toml      listen addresses, peers, timeouts (node/config.h), if written
//   HOME/signing_state.json  what the validator key last signed (signing_state.h); outside
//                         data/ so a wiped store cannot make the validator double-sign
//   HOME/data/            RocksDB store
//
// init_home() refuses to overwrite an existing genesis or validator key
// (kDuplicate), so a typo cannot wipe a chain, and on any failure removes
// what it created (the directory it made, else the files it wrote).
//
// Files are written atomically and durably and never through a symlink:
// a temporary created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, written,
// fsynced, renamed into place, the directory fsynced (key files stay 0600,
// genesis.json becomes 0644).
#pragma once

#include <string>
#include <vector>

#include "chain/genesis.h"
#include "core/keys.h"

namespace wattle::node {

struct InitOptions {
  std::string chain_id = "wattle-local";
  uint64_t block_interval_ms = 200;
  uint64_t genesis_time_ms = 0;  // 0: now
  std::vector<std::pair<Address, Money>> balances;
  // Smallest non-zero balance an account may hold (genesis min_balance).
  Money min_balance{1'000};
  std::optional<KeyPair> validator_key;  // generated if absent
  // The consensus engine the genesis names ("single" or "bft").
  chain::EngineKind engine = chain::EngineKind::kSingle;
  // The genesis validator set; empty: validator_key alone with power 1. A
  // multi-validator network gives every home the same list (and the same
  // genesis_time_ms, so the genesis files are identical).
  std::vector<chain::GenesisValidator> validators;
  std::optional<modules::MarketParams> market;  // the genesis market section, if any
  // The genesis certificates section (needs a market), if any.
  std::optional<modules::CertParams> certificates;
  std::optional<modules::StakingParams> staking;  // the genesis staking section, if any
  std::optional<chain::GenesisPow> pow;           // with engine kPow (defaults if unset)
};

Status init_home(const std::string& home, const InitOptions& options);
Result<chain::Genesis> load_genesis(const std::string& home);
// A genesis file anywhere (e.g. the one a light client trusts).
Result<chain::Genesis> load_genesis_file(const std::string& path);
Result<KeyPair> load_validator_key(const std::string& home);
// HOME/node.key: the node id other nodes dial (`ID@HOST:PORT`).
std::string node_key_path(const std::string& home);
Result<KeyPair> load_node_key(const std::string& home);
std::string data_dir(const std::string& home);

// Key files, shared with `wattle key`: {"seed": "<64 hex>"}; written 0600 as
// above. Without `overwrite`, an existing path (a symlink too) is kDuplicate.
Status write_key_file(const std::string& path, const KeyPair& key, bool overwrite);
Result<KeyPair> read_key_file(const std::string& path);

// Any other file of a home (config.toml): written as above with `mode`;
// read whole if at most max_bytes (kNotFound if absent, kTooLarge if larger).
Status write_home_file(const std::string& path, const std::string& text, unsigned mode,
                       bool overwrite);
Result<std::string> read_home_file(const std::string& path, size_t max_bytes);

}  // namespace wattle::node
