// The staking workload of the whole-replica simulator on a staked chain
// (docs/consensus.md, "Staking"): the genesis staking section and a
// seed-driven stream of staking txs beside the transfers and community txs.
//
// The validators' powers start in bands kPowerGap apart, in validator order
// (the staking module's set order is power descending), and no schedule
// moves a validator's stake by more than kMaxDrift power units, so staking
// txs change the powers (and the set's hash, quorums and proposers) but
// never the order of the validators in the set: a validator's index stays
// its index in the simulator. A double signer that is slashed and
// tombstoned leaves the set; the Byzantine validators are the last ones so
// the honest validators' indices stay put (adversary.h).
//
// The validators that join are the schedule's candidates (candidates.h:
// replicas of their own, whose create-validator and unbond they send), so
// the create-validator txs drawn here are the invalid kind: a key already
// in use. Unjail is always refused (no validator is jailed but for double
// signing, which tombstones it). Some bonds and delegations overdraw their
// balance.
//
// Promises: draw() reads only the replica's committed state and mempool and
// draws only from the schedule's Prng, so a schedule still replays.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chain/application.h"
#include "chain/genesis.h"
#include "cluster_sim/prng.h"
#include "cluster_sim/sim_app.h"
#include "modules/staking/staking_params.h"

namespace wattle::cluster_sim::stake {

inline constexpr uint64_t kBasePower = 100'000;
inline constexpr uint64_t kPowerGap = 1'000;
inline constexpr int64_t kPowerUnit = 1'000;  // micro-units per unit of power
// At most this many staking txs per schedule, each moving at most
// kMaxStepPower units: kMaxDrift stays below half the gap.
inline constexpr uint32_t kMaxStakingTxs = 200;
inline constexpr uint64_t kMaxStepPower = 2;
inline constexpr uint64_t kMaxDrift = kMaxStakingTxs * kMaxStepPower;
static_assert(2 * kMaxDrift < kPowerGap, "staking txs could reorder the set");

// Validator i's genesis power (i = 0 is the largest).
inline uint64_t genesis_power(uint32_t i, uint32_t validators) {
  return kBasePower + kPowerGap * (validators - 1 - i);
}

// The staking section of a simulated chain of `kind` (pos or dpos) with
// room for `seats` validators (the genesis ones and the candidates): short
// unbonding and epochs so entries, releases and epoch switches happen within
// a schedule, a block reward, and the double-sign slash.
modules::StakingParams params(modules::ConsensusKind kind, uint32_t seats);

struct Draw {
  std::optional<chain::Tx> tx;
  std::string what;  // for the trace: "bond", "unbond", ...
};

// One staking tx: bond/unbond of a validator's own stake (pos), delegate/
// undelegate by a funded account (dpos), some create-validator and unjail
// (refused), some overdrawn. `validators` sign as operators; `accounts`
// are the funded holders.
Draw draw(const chain::Application& app, Prng& rng, modules::ConsensusKind kind,
          const std::vector<KeyPair>& validators, const std::vector<KeyPair>& accounts);

// Whether a committed tx is a staking tx.
bool is_staking_tx(const chain::Tx& tx);

}  // namespace wattle::cluster_sim::stake
