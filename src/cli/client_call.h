// What the `wattle tx` and `wattle query` commands share (client_cmd.cpp
// defines it; cert_cmd.cpp adds the certificates module's commands with it):
// one request to a node, the common tx flags, and signing + submitting a tx.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chain/tx.h"

namespace wattle::cli {

struct Endpoint {
  std::string rpc = "127.0.0.1:8645";
};

// The flags every `wattle tx` command shares.
struct TxFlags {
  std::string key_file;
  bool wait = false;
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

}  // namespace wattle::cli
