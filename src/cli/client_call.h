// What the `wattle tx` and `wattle query` commands share (client_cmd.cpp
// defines it; cert_cmd.cpp and stake_cmd.cpp add their modules' commands with
// it): one request to a node, the common tx flags, and signing + submitting a
// tx. Errors are UserErrors.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chain/tx.h"
#include "modules/staking/staking_params.h"

namespace wattle::cli {

struct Endpoint {
  std::string rpc = "127.0.0.1:8645";
};

// The flags every `wattle tx` command shares.
struct TxFlags {
  std::string key_file;
  bool wait = false;
  // With --wait: return once the tx's block is this deep (PoW chains; a
  // BFT block is final at 1).
  uint64_t confirmations = 1;
  std::optional<uint64_t> nonce;
};

// One request to the node at HOST:PORT (see node_call).
nlohmann::json call(const std::string& rpc, const std::string& method, const std::string& target,
                    const std::string& body = "");

void add_tx_flags(CLI::App* c, TxFlags& f, Endpoint& ep, const char* key_help);

// Signs `payload` with the key of `f`, submits it and, with --wait, waits
// until it is committed. A tx the node admitted but then dropped (left out
// of a block: a rule it no longer meets at block time) is reported by
// GET /v1/txs/{hash} as "dropped" with its code, which becomes the error.
// Returns the last answer (committed tx with --wait, else the submit answer).
nlohmann::json submit_tx(const Endpoint& ep, const TxFlags& f, const chain::Payload& payload);

// The certificates module's commands (cert_cmd.cpp): `wattle tx
// register-device`, `wattle tx cert transfer|cancel`, `wattle query
// certificates|matching`.
void add_certificate_txs(CLI::App* tx);
void add_certificate_queries(CLI::App* query);

// `wattle tx stake|authority ...` and `wattle query validators|stake`
// (stake_cmd.cpp).
void add_staking_txs(CLI::App* tx, Endpoint& ep);
void add_staking_queries(CLI::App* query, Endpoint& ep);
// The staking TOML of `wattle init --staking FILE`: the keys of the genesis
// staking section (modules/staking/staking_params.h), e.g. power_unit = 1000.
Result<modules::StakingParams> read_staking_toml(const std::string& path);
// The genesis staking section `--consensus C [--staking FILE]` asks for:
// nullopt without C or for "single" (the fixed genesis set); UserError for
// --staking without poa, pos or dpos, or a file that does not read.
std::optional<modules::StakingParams> staking_section(const std::string& consensus,
                                                      const std::string& staking_file);

}  // namespace wattle::cli
