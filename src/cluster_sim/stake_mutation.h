// The staking module as the staking mutations run it (consensus/bft/test_hooks.h,
// docs/consensus.md "Mutations"), built from outside the module so that no
// node can reach it:
//   set-change-immediate  each set the module records for H+2 is moved to
//                         H+1 (CometBFT's delay dropped): every replica
//                         agrees, so only the simulator's H+2 check
//                         (stake_check.h) can see it;
//   slash-skip-unbonding  a double-sign slash leaves the offender's
//                         unbonding entries whole (and burns only what it
//                         took from the bonded tokens, so the module's own
//                         conservation term still balances): only the
//                         simulator's slash check sees the escaped stake.
//
// Only the simulator builds it, for the replicas of a schedule with one of
// these mutations (Cluster::start_full).
#pragma once

#include <memory>

#include "chain/evidence_check.h"
#include "chain/genesis.h"
#include "chain/module.h"
#include "consensus/bft/test_hooks.h"

namespace wattle::cluster_sim {

// The standard modules of `genesis` (which has a staking section), with
// the staking module's end-block mutated as `m` says.
std::shared_ptr<const chain::ModuleSet> mutated_staking_modules(const chain::Genesis& genesis,
                                                                chain::EvidenceChecker checker,
                                                                consensus::bft::Mutation m);

}  // namespace wattle::cluster_sim
