// Light-client check of an account proof, as `wattle query account ADDR
// --prove` runs it: trusting only the chain's genesis, it follows
//   proof -> state root -> block header -> commit certificate -> genesis validators
// and fails at the first link that does not hold.
//
// Inputs are the node's JSON answers to GET /v1/accounts/{addr}?prove=true
// and GET /v1/blocks/{height}; nothing in them is trusted. Pure; no I/O.
#pragma once

#include <nlohmann/json.hpp>

#include "chain/genesis.h"
#include "core/address.h"

namespace wattle::node {

// The height the account state was proven at; kCorruption naming the
// failed link otherwise (kMalformed for answers missing fields).
Result<uint64_t> verify_account_answer(const chain::Genesis& genesis, const Address& address,
                                       const nlohmann::json& account, const nlohmann::json& block);

}  // namespace wattle::node
