// The staking module's rules (docs/staking.md, "Rules"): one function per
// tx, and the end-block steps. CheckTx and execution run the same functions
// on an overlay; every error leaves no write behind (the executor rolls the
// overlay back) and carries a stable code:
//   kNoStaking     the tx is not one this chain's consensus takes
//   kInvalidArgument  amount <= 0, commission over 10000 bp, a self-bond left
//                  below min_self_bond, a proposal that empties the set or
//                  gives one authority >= 1/3 where genesis forbids it
//   kInsufficientFunds  bonding more than the balance, unbonding more than bonded
//   kDuplicate     a second create-validator of one operator
//   kKeyInUse      a consensus key another validator holds (or held)
//   kNotCandidate  a delegation to a non-candidate or tombstoned validator
//   kNotFound      bond/unbond/unjail by a non-validator; an unknown or expired proposal
//   kNotJailed, kJailed, kTombstoned  unjail when not jailed / too early / never
//   kNotAuthority, kAlreadyVoted     poa governance by a non-authority / twice
//   kTooLarge      a list over its bound (candidates, unbonding entries)
// Pure functions of (state, tx, block height, params): deterministic.
#pragma once

#include <vector>

#include "chain/events.h"
#include "chain/module.h"
#include "modules/staking/staking_params.h"
#include "modules/staking/staking_state.h"
#include "modules/staking/staking_txs.h"

namespace wattle::modules {

struct StakingContext {
  const StakingParams& params;
  Money min_balance;
};

// Executes one staking tx of `scope.tx` (already decoded as `tx`).
Status deliver_staking_tx(const StakingContext& c, const StakingTx& tx, chain::TxScope& scope);

// Genesis: the authorities (poa) or validators with power * power_unit
// bonded (pos, dpos), and the set effective from height 0.
Status staking_genesis(const StakingContext& c, const std::vector<SetEntry>& validators,
                       chain::StateOverlay& state);

// End of block `height`, in this order: slash the double-sign evidence the
// block committed, release unbonding entries due, mint and share the block
// reward, recompute the set (recorded to take effect at height + 2).
Status staking_end_block(const StakingContext& c, chain::StateOverlay& state, uint64_t height,
                         std::vector<chain::Event>* events);

// Downtime (staking_downtime.cpp), after begin-block: each member of the set
// in force at `commit.height` that is not jailed records whether it is among
// `commit.signers`; one that missed more than downtime_max_missed_bp of its
// last downtime_window commits is slashed slash_downtime_bp as of
// commit.height, jailed until height + jail_blocks (unjail from then on),
// leaves the set (leave_current_set) and starts a fresh window. pos/dpos only.
Status handle_last_commit(const StakingContext& c, chain::StateOverlay& state, uint64_t height,
                          const chain::LastCommit& commit, std::vector<chain::Event>* events);

// Drops `op` from the set last computed (StakingGlobal::current), so the
// next recorded set, effective two blocks on, is without it even between
// dpos epochs; the last member of a set stays.
Status leave_current_set(chain::StateOverlay& state, const Address& op);

// The top-K set of the candidates as of `state` (pos/dpos): active (not
// jailed, not tombstoned), power = tokens / power_unit > 0, by power desc
// then operator address asc, at most max_validators.
Result<ValidatorSetRecord> compute_top_k(const StakingParams& p, const chain::StateOverlay& state);

// Slashes `bp` of the validator `op`'s stake as of `infraction_height`: its
// tokens (all its delegators, by their shares) and each unbonding entry
// created at or after that height (stake still bonded then); the tokens are
// burned. Returns the amount burned.
Result<int64_t> slash_validator(chain::StateOverlay& state, const Address& op,
                                uint64_t infraction_height, uint32_t bp);

// poa governance (staking_poa.cpp), called by deliver_staking_tx.
Status poa_propose(const StakingContext& c, const Propose& t, chain::TxScope& scope);
Status poa_vote(const StakingContext& c, const Vote& t, chain::TxScope& scope);

// A staking event's hash field: a consensus key or an address, zero-padded
// to 32 bytes (docs/staking.md, "Events").
Hash256 staking_event_hash(ByteView bytes);
// Appends a staking event to `events` (null in CheckTx: nothing).
void emit_staking_event(std::vector<chain::Event>* events, chain::Event::Kind kind, uint64_t height,
                        const Hash256& hash, uint64_t slot, uint32_t index = 0);

// Orders a set canonically: power desc, then operator address asc.
void sort_set(ValidatorSetRecord& set);

}  // namespace wattle::modules
