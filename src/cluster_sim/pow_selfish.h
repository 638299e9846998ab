// SelfishMiner: the selfish-mining strategy of Eyal & Sirer, "Majority is
// not Enough: Bitcoin Mining is Vulnerable" (2014), Algorithm 1, on top of
// two PowEngines: `pub`, the node peers talk to (it only ever holds blocks
// the attacker has published), and a private view that holds everything
// (published and withheld), used to mine on the private branch.
//
// Lengths are counted in blocks, as in the paper. The driver feeds every
// incoming message to observe() as well as to `pub`, reports each block the
// attacker mines (on_own_block) and each change of `pub`'s tip caused by
// others (on_public_tip); both return the blocks to publish now, oldest first.
// Not thread-safe; owned by one simulated schedule.
#pragma once

#include <vector>

#include "consensus/pow/pow_engine.h"

namespace wattle::cluster_sim {

class SelfishMiner {
 public:
  SelfishMiner(const consensus::pow::PowEngine& pub, const consensus::pow::PowParams& params,
               const consensus::pow::PowBlock& genesis);

  // The header to mine: on the private branch while there is one.
  consensus::pow::PowHeader next_header(const Hash256& tx_root, uint64_t now_ms) const;
  void observe(consensus::NodeIndex from, ByteView message, uint64_t now_ms);
  std::vector<consensus::pow::PowBlock> on_own_block(const consensus::pow::PowBlock& b,
                                                     uint64_t now_ms);
  std::vector<consensus::pow::PowBlock> on_public_tip();

 private:
  uint64_t private_height() const;
  std::vector<consensus::pow::PowBlock> publish_up_to(uint64_t height);
  void adopt_public();

  const consensus::pow::PowEngine& pub_;
  consensus::pow::PowEngine all_;
  Hash256 mine_on_;
  std::vector<consensus::pow::PowBlock> unpublished_;  // oldest first
  uint32_t branch_len_ = 0;  // attacker blocks since the branch left the public chain
};

}  // namespace wattle::cluster_sim
