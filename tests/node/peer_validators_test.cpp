// Peer -> validator routing across a set change: a directed send (the
// engine's Send{to}) must reach the peer holding validator `to` of the set in
// force now, not of the genesis set.
#include "node/peer_validators.h"

#include <gtest/gtest.h>

#include <vector>

namespace wattle::node {
namespace {

consensus::bft::ValidatorSet make_set(const std::vector<KeyPair>& keys) {
  std::vector<consensus::bft::Validator> vs;
  for (const KeyPair& k : keys) vs.push_back({k.public_key(), 10});
  auto set = consensus::bft::ValidatorSet::create(std::move(vs));
  EXPECT_TRUE(set.is_ok());
  return std::move(*set);
}

std::vector<PublicKey> peers_of(const PeerValidators& pv, consensus::NodeIndex i) {
  std::vector<PublicKey> out;
  pv.for_each_peer_of(i, [&](const PublicKey& p) { out.push_back(p); });
  return out;
}

TEST(PeerValidators, DirectedSendFollowsTheSetInForceAfterAChange) {
  std::vector<KeyPair> val, node;
  for (int i = 0; i < 4; ++i) {
    val.push_back(KeyPair::from_label("pv-test/validator/" + std::to_string(i)));
    node.push_back(KeyPair::from_label("pv-test/node/" + std::to_string(i)));
  }
  // Genesis: validators 0..2; validator 3's node is a candidate (proved its
  // key, in no set yet).
  const auto genesis = make_set({val[0], val[1], val[2]});
  PeerValidators pv(genesis);
  for (int i = 0; i < 4; ++i) pv.claim(node[i].public_key(), val[i].public_key());
  EXPECT_EQ(pv.index_of(node[3].public_key()), PeerValidators::kNotAValidator);
  for (int i = 0; i < 3; ++i) {
    const auto idx = *genesis.index_of(val[i].public_key());
    EXPECT_EQ(pv.index_of(node[i].public_key()), idx);
    EXPECT_EQ(peers_of(pv, idx), std::vector<PublicKey>{node[i].public_key()});
  }

  // The set changes: validator 0 leaves, 3 joins, so indices shift.
  const auto changed = make_set({val[1], val[2], val[3]});
  pv.set_validators(changed);
  EXPECT_EQ(pv.index_of(node[0].public_key()), PeerValidators::kNotAValidator);
  for (int i = 1; i < 4; ++i) {
    const auto idx = *changed.index_of(val[i].public_key());
    EXPECT_EQ(pv.index_of(node[i].public_key()), idx) << i;
    EXPECT_EQ(peers_of(pv, idx), std::vector<PublicKey>{node[i].public_key()}) << i;
  }
  // Nobody holds an index outside the set; a forgotten peer holds none.
  EXPECT_TRUE(peers_of(pv, 3).empty());
  EXPECT_TRUE(peers_of(pv, PeerValidators::kNotAValidator).empty());
  pv.forget(node[3].public_key());
  EXPECT_TRUE(peers_of(pv, *changed.index_of(val[3].public_key())).empty());
  EXPECT_EQ(pv.index_of(node[3].public_key()), PeerValidators::kNotAValidator);
}

}  // namespace
}  // namespace wattle::node
