// JSON views of the staking module (docs/staking.md, "HTTP"), over an
// application's committed state:
//   validators_json: {"consensus", "height", "next_proposal",
//     "validators": [{"address", "consensus_key", "power", "status"}]}
//     status: "active", "jailed" or "tombstoned" (as of the head)
//   stake_json: {"address", "validator": {...} | null, "delegations": [...],
//     "unbonding": [{"validator"?, "amount", "creation_height", "release_height"}]}
// kNoStaking on a chain whose genesis has no staking section.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "chain/application.h"
#include "chain/events.h"

namespace wattle::rpc {

// The set in force at `height` (default: the head).
Result<nlohmann::json> validators_json(const chain::Application& app,
                                       std::optional<uint64_t> height);
Result<nlohmann::json> stake_json(const chain::Application& app, const Address& address);

// The JSON of a staking event (validator_set_changed, slashed, jailed,
// unbonded); nullopt for other kinds.
std::optional<nlohmann::json> staking_event_json(const chain::Event& event);

}  // namespace wattle::rpc
