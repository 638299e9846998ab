// StakeCheck: the whole-replica simulator's checks of a staked chain
// (docs/consensus.md, "Staking"; docs/staking.md), on every honest
// replica's committed state after each of its commits:
//
//  validator_set_divergences  every replica has the same set at every height
//      (the sets of the next two heights, read as the replica's engine reads
//      them, agree with what any other replica read for those heights), and
//      the set the module computed at the end of block H is the one in force
//      at H+2, and the one in force at H+1 was computed at the end of H-1
//      (CometBFT's delay: "Set changes" in docs/staking.md);
//  stake_conservation  balances + escrow - debts - certificate rewards +
//      the staking module's own conservation terms (bonded tokens, unbonding
//      entries, undistributed rewards, burned - minted) = the genesis
//      balances + the genesis stake (Checker::check_conservation adds the
//      staking part through held());
//  evidence_slash  each validator a committed evidence item accuses is
//      slashed exactly once, in the block that first commits evidence
//      against it (its `slashed` events), and that slash cut every unbonding
//      entry created at or after the infraction by slash_double_sign_bp (the
//      entries as the replica held them at its previous commit).
//
// It also records each height's set in World::staked_sets (the sets the
// other checks and the adversaries use) and counts set changes, the
// candidates' joins and leaves (candidates.h), slashes and committed
// staking txs. One per schedule; not thread-safe.
#pragma once

#include <map>
#include <set>

#include "chain/application.h"
#include "chain/genesis.h"
#include "chain/module.h"
#include "cluster_sim/world.h"
#include "modules/staking/staking_state.h"

namespace wattle::cluster_sim {

class StakeCheck {
 public:
  // Precondition: `genesis` has a pos or dpos staking section.
  StakeCheck(World& world, const chain::Genesis& genesis);

  // What the staking module holds in `state` by its own conservation term.
  Result<__int128> held(const chain::StateReader& state) const;
  // The stake bonded at genesis (power times power_unit of each validator).
  __int128 genesis_stake() const { return genesis_stake_; }

  // Replica i committed block `height`; `first` when no replica did
  // before (its evidence and txs are counted once).
  void on_commit(NodeIndex i, uint64_t height, bool first, const chain::Application& app);

 private:
  void check_sets(NodeIndex i, uint64_t height, const chain::StateReader& state);
  void count_candidates(const consensus::bft::ValidatorSet& before,
                        const consensus::bft::ValidatorSet& after);
  void check_slashes(uint64_t height, const chain::Block& block, const chain::Application& app);
  void check_unbonding_cuts(NodeIndex i, uint64_t height, const chain::StateReader& state);
  void divergence(const std::string& text);

  World& world_;
  const chain::Genesis& genesis_;
  std::shared_ptr<const chain::Module> staking_;
  __int128 genesis_stake_ = 0;
  std::map<uint64_t, Hash256> in_force_;  // height -> hash of the set in force there
  std::map<uint64_t, Hash256> computed_;  // height -> hash of the set computed at its end
  struct Accused {
    uint64_t infraction = 0;  // height of the first committed evidence's misbehaviour
    uint64_t included = 0;    // the block that first committed evidence against it
    uint32_t slashes = 0;
  };
  std::map<PublicKey, Accused> accused_;
  // Per replica: the validators' unbonding entries at its previous commit, and that height.
  struct Shadow {
    uint64_t height = 0;
    std::map<Address, std::vector<modules::UnbondingEntry>> entries;
  };
  std::map<NodeIndex, Shadow> shadows_;
};

}  // namespace wattle::cluster_sim
