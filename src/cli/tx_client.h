// What every `wattle tx` and `wattle query` command shares: the node it
// talks to (--rpc), one HTTP call, the tx flags (--key, --nonce, --wait) and
// signing + submitting a payload (client_cmd.cpp). Errors are UserErrors.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chain/tx.h"
#include "modules/staking/staking_params.h"

namespace wattle::cli {

struct Endpoint {
  std::string rpc = "127.0.0.1:8645";
};

// One request to the node at HOST:PORT (see node_call).
nlohmann::json call(const std::string& rpc, const std::string& method, const std::string& target,
                    const std::string& body = "");

struct TxFlags {
  std::string key_file;
  bool wait = false;
  std::optional<uint64_t> nonce;
};

void add_tx_flags(CLI::App* c, TxFlags& f, Endpoint& ep, const char* key_help);

// Signs `payload` with the key of `f`, submits it and, with --wait, waits
// until it is committed (a dropped tx becomes the error). Returns the last
// answer (the committed tx with --wait, else the submit answer).
nlohmann::json submit_tx(const Endpoint& ep, const TxFlags& f, const chain::Payload& payload);

// `wattle tx stake|authority ...` and `wattle query validators|stake`
// (stake_cmd.cpp).
void add_staking_txs(CLI::App* tx, Endpoint& ep);
void add_staking_queries(CLI::App* query, Endpoint& ep);
// The staking TOML of `wattle init --staking FILE`: the keys of the genesis
// staking section (modules/staking/staking_params.h), e.g. power_unit = 1000.
Result<modules::StakingParams> read_staking_toml(const std::string& path);

}  // namespace wattle::cli
