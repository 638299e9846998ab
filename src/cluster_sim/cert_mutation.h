// The certificates module as the cert-double-count mutation runs it
// (consensus/bft/test_hooks.h, docs/consensus.md "Mutations"): its
// transfers split a bundle without debiting the source
// (modules::CertMutation::kSplitKeepsSource), and its conservation term
// no longer runs the no-double-counting identity (it only reports the
// minted rewards), so the double count reaches committed state and only
// the simulator's own check (cert_check.h) can catch it.
//
// Only the simulator builds it, for replicas of a schedule with that
// mutation (Cluster::start_full): a node never does.
#pragma once

#include <memory>

#include "chain/evidence_check.h"
#include "chain/genesis.h"
#include "chain/module.h"

namespace wattle::cluster_sim {

// The standard modules of `genesis`, with the certificates module replaced
// by the mutated one.
std::shared_ptr<const chain::ModuleSet> double_counting_modules(const chain::Genesis& genesis,
                                                                chain::EvidenceChecker checker);

}  // namespace wattle::cluster_sim
