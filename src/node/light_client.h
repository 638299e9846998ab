// Light-client check of an account proof, as `wattle query account ADDR
// --prove` runs it: trusting only the chain's genesis, it follows
//   proof -> state root -> block header -> commit certificate -> validator set
// and fails at the first link that does not hold.
//
// On a chain whose set changes with its state (poa, pos, dpos: docs/staking.md)
// the set that signs a height is learned first, sequentially from genesis
// (docs/staking.md, "The light client"): for each recorded change, the
// header of a height before it takes effect is checked with the set trusted
// there, then state proofs of the set index and the new set against that
// header's state root; the new set is trusted from its effective height on.
// The index proof makes a skipped change visible; a certificate by a set
// other than the one in force fails, as certificates name their set's hash.
//
// Inputs are the node's JSON answers to GET /v1/accounts/{addr}?prove=true,
// GET /v1/validators/changes and GET /v1/blocks/{height}; nothing in them is
// trusted. Pure; no I/O (blocks come through a callback).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "chain/genesis.h"
#include "consensus/bft/validator_set.h"
#include "core/address.h"

namespace wattle::node {

// Validator sets the client trusts, by the height each takes effect.
using TrustedSets = std::map<uint64_t, consensus::bft::ValidatorSet>;

// The answer of GET /v1/blocks/{height}, or why there is none.
using BlockFetcher = std::function<Result<nlohmann::json>(uint64_t height)>;

// The sets of a staked chain from its genesis set through every change in
// `changes` (the "changes" array of GET /v1/validators/changes, ascending).
// kCorruption naming the change and the failed link ("set change at H:
// certificate|index|set proof|header: ...") otherwise.
Result<TrustedSets> follow_set_changes(const chain::Genesis& genesis, const nlohmann::json& changes,
                                       const BlockFetcher& block_at);

// The height the account state was proven at; kCorruption naming the
// failed link otherwise (kMalformed for answers missing fields). On a
// chain with staked sets, `sets` (follow_set_changes) is required and the
// block's certificate is checked against the set in force at its height.
Result<uint64_t> verify_account_answer(const chain::Genesis& genesis, const Address& address,
                                       const nlohmann::json& account, const nlohmann::json& block,
                                       const TrustedSets* sets = nullptr);

}  // namespace wattle::node
