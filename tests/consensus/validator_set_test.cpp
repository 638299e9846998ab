// Proposer priority (CometBFT's weighted round robin) and the validator-set
// hash that certificates name.
#include <map>

#include "bft_harness.h"

namespace wattle::consensus::bft::testing {
namespace {

TEST(ProposerPriority, EqualPowersAreRoundRobin) {
  const ValidatorSet s = make_set({1, 1, 1, 1, 1});
  for (uint64_t h = 0; h < 20; ++h)
    for (uint32_t r = 0; r < 12; ++r) EXPECT_EQ(s.proposer(h, r), (h + r) % 5) << h << " " << r;
}

TEST(ProposerPriority, ElectedInProportionToPower) {
  const std::vector<uint64_t> powers = {1, 2, 3, 4, 10};
  const ValidatorSet s = make_set(powers);
  const uint64_t total = s.total_power();
  std::map<NodeIndex, uint64_t> count;
  const uint32_t windows = 7;
  for (uint32_t r = 0; r < total * windows; ++r) ++count[s.proposer(0, r)];
  for (NodeIndex i = 0; i < powers.size(); ++i) EXPECT_EQ(count[i], powers[i] * windows) << i;
}

TEST(ProposerPriority, SetAtAHeightAgreesWithTheSetAtGenesis) {
  const ValidatorSet s = make_set({3, 1, 2, 7});
  const ValidatorSet later = s.at_height(40);
  EXPECT_EQ(later.height(), 40u);
  EXPECT_EQ(later.hash(), s.hash());  // same validators and powers
  for (uint64_t h = 40; h < 60; ++h)
    for (uint32_t r = 0; r < 9; ++r) EXPECT_EQ(later.proposer(h, r), s.proposer(h, r));
}

TEST(ProposerPriority, HugePowersStayInRange) {
  const uint64_t big = ValidatorSet::kMaxTotalPower / 4;
  const ValidatorSet s = make_set({big, big, big, 1, 2, 3});
  std::map<NodeIndex, uint64_t> count;
  for (uint32_t r = 0; r < 3000; ++r) ++count[s.proposer(0, r)];
  EXPECT_GT(count[0], 900u);  // each big validator about a third of the rounds
  const ValidatorSet later = s.at_height(5000);
  for (int64_t p : later.priorities())
    EXPECT_LT(p < 0 ? -p : p, 4 * static_cast<int64_t>(ValidatorSet::kMaxTotalPower));
}

TEST(ValidatorSetHash, CoversKeysPowersAndOrder) {
  EXPECT_EQ(make_set({1, 2, 3}).hash(), make_set({1, 2, 3}).hash());
  EXPECT_NE(make_set({1, 2, 3}).hash(), make_set({1, 2, 4}).hash());
  EXPECT_NE(make_set({1, 2, 3}).hash(), make_set({1, 2, 3, 1}).hash());
}

// A host whose state changes the set: height 2 adds a heavy validator 4
// and drops our key (validator 0).
class ChangingSets final : public ValidatorSetProvider {
 public:
  ValidatorSet validator_set(uint64_t height) override {
    ++asked;
    return (height < 2 ? make_set({1, 1, 1, 1}) : without_0).at_height(height);
  }
  ValidatorSet without_0 = [] {
    std::vector<Validator> vs;
    for (NodeIndex i = 1; i <= 4; ++i) vs.push_back({key_of(i).public_key(), i == 4 ? 3u : 1u});
    return std::move(*ValidatorSet::create(vs));
  }();
  int asked = 0;
};

TEST(ValidatorSetPerHeight, EngineUsesTheHostsSetOfEachHeight) {
  ChangingSets sets;
  TestApp app;
  BftConfig config{kChain, make_set({1, 1, 1, 1}), test_timeouts()};
  config.validator_sets = &sets;
  auto e = BftEngine::create(config, key_of(0), app);
  ASSERT_TRUE(e.is_ok());
  BftEngine& engine = **e;
  engine.start(1);
  EXPECT_TRUE(engine.is_validator());
  EXPECT_EQ(engine.validators().hash(), make_set({1, 1, 1, 1}).hash());
  // Decide height 1 with the height-1 set; the certificate names it.
  const Value A = value_named("block-A");
  const NodeIndex p = engine.validators().proposer(1, 0);
  engine.on_message(
      p, encode_message(ProposalMessage{sign_proposal(kChain, key_of(p), p, 1, 0, A, -1), {}}));
  Out o;
  for (NodeIndex i : {1u, 2u, 3u}) {
    engine.on_message(
        i, encode_message(sign_vote(kChain, key_of(i), i, VoteType::kPrevote, 1, 0, A.id)));
    o = read(engine.on_message(
        i, encode_message(sign_vote(kChain, key_of(i), i, VoteType::kPrecommit, 1, 0, A.id))));
    if (!o.commits.empty()) break;
  }
  ASSERT_EQ(o.commits.size(), 1u);
  auto cert = decode_exact<CommitCertificate>(o.commits[0].certificate);
  ASSERT_TRUE(cert.is_ok());
  EXPECT_EQ(cert->validator_set_hash, make_set({1, 1, 1, 1}).hash());
  // Height 2: the host's new set, without our key: we follow, never sign.
  Out next = read(engine.on_block_executed(1));
  EXPECT_EQ(engine.validators().hash(), sets.without_0.hash());
  EXPECT_FALSE(engine.is_validator());
  EXPECT_TRUE(next.votes.empty() && next.proposals.empty() && next.requests.empty());
  Out t = read(engine.on_timeout(Timeout{2, 0, TimeoutStep::kPropose, 0}));
  EXPECT_TRUE(t.votes.empty());
  EXPECT_EQ(sets.asked, 2);
}

}  // namespace
}  // namespace wattle::consensus::bft::testing
