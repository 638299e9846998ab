#include "cluster_sim/pow_selfish.h"

namespace wattle::cluster_sim {

using namespace consensus::pow;

SelfishMiner::SelfishMiner(const PowEngine& pub, const PowParams& params, const PowBlock& genesis)
    : pub_(pub), all_(params, genesis), mine_on_(genesis.header.hash()) {}

PowHeader SelfishMiner::next_header(const Hash256& tx_root, uint64_t now_ms) const {
  return all_.next_header_on(*all_.tree().find(mine_on_), tx_root, {}, now_ms);
}

void SelfishMiner::observe(consensus::NodeIndex from, ByteView message, uint64_t now_ms) {
  (void)all_.on_message(from, message, now_ms);  // its requests go nowhere: `pub` syncs for both
}

uint64_t SelfishMiner::private_height() const {
  return all_.tree().find(mine_on_)->header.height;
}

std::vector<PowBlock> SelfishMiner::on_own_block(const PowBlock& b, uint64_t now_ms) {
  const bool tie_race = private_height() == pub_.tip().header.height && branch_len_ == 1;
  (void)all_.on_mined(b, now_ms);
  unpublished_.push_back(b);
  mine_on_ = b.header.hash();
  ++branch_len_;
  if (tie_race) {  // Δprev = 0 with a private branch of 2: publish and win the race
    branch_len_ = 0;
    return publish_up_to(UINT64_MAX);
  }
  return {};  // keep the lead private
}

std::vector<PowBlock> SelfishMiner::on_public_tip() {
  const uint64_t pub_height = pub_.tip().header.height;
  const uint64_t mine = private_height();
  const TreeEntry* pub_tip = all_.tree().find(pub_.tip().hash);
  const bool ours_won =
      pub_tip && all_.tree().ancestor(*pub_tip, mine) == all_.tree().find(mine_on_);
  if (branch_len_ == 0 || mine < pub_height || ours_won) {  // the others are ahead: adopt
    adopt_public();
    return {};
  }
  if (mine == pub_height) return publish_up_to(UINT64_MAX);  // Δprev = 1: race with our last
  if (mine == pub_height + 1) {                              // Δprev = 2: publish all, win
    branch_len_ = 0;
    return publish_up_to(UINT64_MAX);
  }
  return publish_up_to(pub_height);  // Δprev > 2: reveal the first unpublished block(s)
}

std::vector<PowBlock> SelfishMiner::publish_up_to(uint64_t height) {
  std::vector<PowBlock> out;
  auto it = unpublished_.begin();
  while (it != unpublished_.end() && it->header.height <= height) ++it;
  out.assign(unpublished_.begin(), it);
  unpublished_.erase(unpublished_.begin(), it);
  return out;
}

void SelfishMiner::adopt_public() {
  mine_on_ = pub_.tip().hash;
  if (!all_.tree().find(mine_on_)) mine_on_ = all_.tip().hash;  // not seen privately yet
  unpublished_.clear();
  branch_len_ = 0;
}

}  // namespace wattle::cluster_sim
