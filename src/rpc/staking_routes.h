// The staking module's GET routes (docs/staking.md, "HTTP"), apart from
// api.cpp like the market's:
//   GET /v1/validators[?height=H]   the set in force at H (default: the head)
//   GET /v1/validators/changes      each set change with state proofs of the
//                                   set index and the new set (light clients)
//   GET /v1/staking/{address}       bonded stake, unbonding entries with their
//                                   release heights, delegations, rewards, jail
// Bad input: a height that is not a decimal uint64 (or a repeated or unknown
// parameter) -> 400 invalid_argument; a bad address -> 400 invalid_address;
// a chain without staking -> 404 no_staking.
#pragma once

#include <string_view>

#include "rpc/api.h"
#include "rpc/chain_service.h"

namespace wattle::rpc {

ApiResponse get_validators(ChainService& chain, std::string_view query);
ApiResponse get_validator_changes(ChainService& chain, std::string_view query);
ApiResponse get_stake(ChainService& chain, std::string_view address);

}  // namespace wattle::rpc
