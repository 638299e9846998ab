// One test per upon-rule of Algorithm 1 (lines 22-67 of "The latest gossip on
// BFT consensus"), each on a hand-built message sequence against one engine.
// Four validators of power 1 unless stated; the engine under test is
// validator 0; proposer(1, r) = (1 + r) mod 4, so rounds 0, 1, 2, 3 at height
// 1 are proposed by validators 1, 2, 3 and 0.
#include "bft_harness.h"

namespace wattle::consensus::bft::testing {
namespace {

const Value A = value_named("block-A");
const Value B = value_named("block-B");
const Value BAD = value_named("bad-block");
constexpr auto kPrevote = VoteType::kPrevote;
constexpr auto kPrecommit = VoteType::kPrecommit;

// Locks the engine on A in round 0 (rules 22 and 36) and moves it to round 1
// through 2f+1 precommits and OnTimeoutPrecommit.
void lock_on_a_then_round_1(Harness& h) {
  h.engine->start(1);
  h.deliver(h.proposal(0, A));
  h.votes({1, 2}, kPrevote, 0, A.id);
  ASSERT_EQ(h.engine->locked_round(), 0);
  h.votes({1, 2}, kPrecommit, 0, std::nullopt);
  h.timeout(TimeoutStep::kPrecommit, 0);
  ASSERT_EQ(h.engine->round(), 1u);
}

TEST(BftRules, Line10_StartSchedulesProposeTimeoutForNonProposer) {
  Harness h;
  Out o = read(h.engine->start(1));
  EXPECT_EQ(h.engine->round(), 0u);
  EXPECT_EQ(h.engine->step(), Step::kPropose);
  EXPECT_TRUE(o.has_timeout(TimeoutStep::kPropose));
  EXPECT_TRUE(o.requests.empty());
  EXPECT_EQ(o.persists, 1);
}

TEST(BftRules, Line14_ProposerAsksForValueAndBroadcastsProposal) {
  Harness h({1, 1, 1, 1}, 1);  // validator 1 proposes round 0 of height 1
  Out o = read(h.engine->start(1));
  ASSERT_EQ(o.requests.size(), 1u);
  Out p = read(h.engine->on_value_ready(1, 0, A));
  ASSERT_EQ(p.proposals.size(), 1u);
  EXPECT_EQ(p.proposals[0].proposal.value.id, A.id);
  EXPECT_EQ(p.proposals[0].proposal.valid_round, -1);
  EXPECT_TRUE(p.persist_first);
  // It receives its own proposal at once (line 22): prevote for A.
  ASSERT_TRUE(p.vote(kPrevote));
  EXPECT_EQ(p.vote(kPrevote)->value_id, A.id);
}

TEST(BftRules, Line22_PrevoteForValidProposal) {
  Harness h;
  h.engine->start(1);
  Out o = h.deliver(h.proposal(0, A));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_EQ(o.vote(kPrevote)->value_id, A.id);
  EXPECT_EQ(h.engine->step(), Step::kPrevote);  // line 27
  EXPECT_TRUE(o.persist_first);
}

TEST(BftRules, Line22_IgnoresProposalNotFromProposer) {
  Harness h;
  h.engine->start(1);
  ProposalMessage fake{sign_proposal(kChain, key_of(2), 2, 1, 0, A, -1), {}};
  Out o = h.deliver(fake);
  EXPECT_TRUE(o.votes.empty());
  EXPECT_EQ(h.engine->step(), Step::kPropose);
}

TEST(BftRules, Line26_PrevoteNilForInvalidValue) {
  Harness h;
  h.engine->start(1);
  Out o = h.deliver(h.proposal(0, BAD));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_FALSE(o.vote(kPrevote)->value_id.has_value());
}

TEST(BftRules, Line26_PrevoteNilWhenLockedOnOtherValue) {
  Harness h;
  lock_on_a_then_round_1(h);
  Out o = h.deliver(h.proposal(1, B));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_FALSE(o.vote(kPrevote)->value_id.has_value());
}

TEST(BftRules, Line23_PrevoteForLockedValueReproposedWithoutPol) {
  Harness h;
  lock_on_a_then_round_1(h);
  Out o = h.deliver(h.proposal(1, A));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_EQ(o.vote(kPrevote)->value_id, A.id);
}

TEST(BftRules, Line28_PrevoteWhenPolRoundAtLeastLockedRound) {
  Harness h;
  lock_on_a_then_round_1(h);  // locked A at round 0
  // Round 1: 2f+1 prevotes for B (a POL for B at round 1 > lockedRound 0).
  h.deliver(h.proposal(1, B));  // we prevote nil (locked on A)
  h.votes({1, 2, 3}, kPrevote, 1, B.id);
  // Rule 36 (step prevote, quorum for B): we lock B at round 1 now. Move on.
  h.votes({1, 2}, kPrecommit, 1, std::nullopt);
  h.timeout(TimeoutStep::kPrecommit, 1);
  ASSERT_EQ(h.engine->round(), 2u);
  EXPECT_EQ(h.engine->locked_round(), 1);
  // Round 2: proposer 3 re-proposes B with validRound 1: lockedRound 1 <= 1.
  std::vector<Vote> pol;
  for (NodeIndex w : {1u, 2u, 3u}) pol.push_back(h.vote(w, kPrevote, 1, B.id));
  Out o = h.deliver(h.proposal(2, B, 1, pol));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_EQ(o.vote(kPrevote)->value_id, B.id);
  EXPECT_EQ(h.engine->step(), Step::kPrevote);  // line 33
}

TEST(BftRules, Line28_PolCarriedInProposalMessageCounts) {
  // The proof-of-lock prevotes reach us only inside the proposal message.
  Harness h;
  h.engine->start(1);
  h.timeout(TimeoutStep::kPropose, 0);  // prevote nil
  h.timeout(TimeoutStep::kPrevote, 0);  // precommit nil
  h.timeout(TimeoutStep::kPrecommit, 0);
  ASSERT_EQ(h.engine->round(), 1u);
  std::vector<Vote> pol = {h.vote(1, kPrevote, 0, B.id), h.vote(2, kPrevote, 0, B.id),
                           h.vote(3, kPrevote, 0, B.id)};
  Out o = h.deliver(h.proposal(1, B, 0, pol));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_EQ(o.vote(kPrevote)->value_id, B.id);
}

TEST(BftRules, Line32_PrevoteNilWhenLockedAfterPolRound) {
  Harness h;
  h.engine->start(1);
  // Round 0: 2f+1 prevotes for B exist (we timed out and precommitted nil).
  h.timeout(TimeoutStep::kPropose, 0);
  h.votes({1, 2, 3}, kPrevote, 0, B.id);
  h.votes({1, 2}, kPrecommit, 0, std::nullopt);
  h.timeout(TimeoutStep::kPrecommit, 0);
  // Round 1: lock on A.
  h.deliver(h.proposal(1, A));
  h.votes({1, 2}, kPrevote, 1, A.id);
  ASSERT_EQ(h.engine->locked_round(), 1);
  h.votes({1, 2}, kPrecommit, 1, std::nullopt);
  h.timeout(TimeoutStep::kPrecommit, 1);
  // Round 2: B with validRound 0 < lockedRound 1 and B != A -> nil.
  Out o = h.deliver(h.proposal(2, B, 0));
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_FALSE(o.vote(kPrevote)->value_id.has_value());
}

TEST(BftRules, Line28_WaitsForPolQuorum) {
  Harness h;
  h.engine->start(1);
  h.timeout(TimeoutStep::kPropose, 0);
  h.votes({1, 2}, kPrecommit, 0, std::nullopt);
  h.timeout(TimeoutStep::kPrevote, 0);
  h.timeout(TimeoutStep::kPrecommit, 0);
  ASSERT_EQ(h.engine->round(), 1u);
  // Proposal with validRound 0 but only 2 prevotes for B at round 0: no rule fires.
  Out o = h.deliver(h.proposal(1, B, 0, {h.vote(1, kPrevote, 0, B.id)}));
  EXPECT_TRUE(o.votes.empty());
  o = h.deliver(h.vote(2, kPrevote, 0, B.id));
  EXPECT_TRUE(o.votes.empty());
  o = h.deliver(h.vote(3, kPrevote, 0, B.id));  // now 2f+1: rule 28 fires
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_EQ(o.vote(kPrevote)->value_id, B.id);
}

TEST(BftRules, Line34_PrevoteTimeoutOnAnyQuorumOnce) {
  Harness h;
  h.engine->start(1);
  h.deliver(h.proposal(0, A));  // prevote A
  Out o = h.deliver(h.vote(1, kPrevote, 0, std::nullopt));
  EXPECT_FALSE(o.has_timeout(TimeoutStep::kPrevote));
  o = h.deliver(h.vote(2, kPrevote, 0, B.id));  // A, nil, B: 2f+1 of anything
  ASSERT_TRUE(o.has_timeout(TimeoutStep::kPrevote));
  EXPECT_EQ(o.timeouts[0].delay_ms, test_timeouts().prevote(0));
  o = h.deliver(h.vote(3, kPrevote, 0, std::nullopt));
  EXPECT_FALSE(o.has_timeout(TimeoutStep::kPrevote));  // "for the first time"
}

TEST(BftRules, Line36_LockAndPrecommitOnPrevoteQuorum) {
  Harness h;
  h.engine->start(1);
  h.deliver(h.proposal(0, A));
  h.deliver(h.vote(1, kPrevote, 0, A.id));
  Out o = h.deliver(h.vote(2, kPrevote, 0, A.id));
  ASSERT_TRUE(o.vote(kPrecommit));
  EXPECT_EQ(o.vote(kPrecommit)->value_id, A.id);  // line 40
  EXPECT_EQ(h.engine->step(), Step::kPrecommit);  // line 41
  EXPECT_EQ(h.engine->locked_round(), 0);         // lines 38-39
  EXPECT_EQ(h.engine->locked_value()->id, A.id);
  EXPECT_EQ(h.engine->valid_round(), 0);  // lines 42-43
  EXPECT_TRUE(o.persist_first);
}

TEST(BftRules, Line42_ValidValueUpdatedAfterPrecommitStep) {
  Harness h;
  h.engine->start(1);
  h.timeout(TimeoutStep::kPropose, 0);  // prevote nil
  h.timeout(TimeoutStep::kPrevote, 0);  // precommit nil: step precommit
  h.deliver(h.proposal(0, A));
  Out o = h.votes({1, 2, 3}, kPrevote, 0, A.id);
  EXPECT_TRUE(o.votes.empty());             // line 37: not at prevote, so no precommit
  EXPECT_EQ(h.engine->locked_round(), -1);  // and no lock
  EXPECT_EQ(h.engine->valid_round(), 0);    // lines 42-43
  EXPECT_EQ(h.engine->valid_value()->id, A.id);
}

TEST(BftRules, Line44_PrecommitNilOnNilQuorum) {
  Harness h;
  h.engine->start(1);
  h.timeout(TimeoutStep::kPropose, 0);  // our prevote nil
  Out o = h.votes({1, 2}, kPrevote, 0, std::nullopt);
  ASSERT_TRUE(o.vote(kPrecommit));
  EXPECT_FALSE(o.vote(kPrecommit)->value_id.has_value());
  EXPECT_EQ(h.engine->step(), Step::kPrecommit);
}

TEST(BftRules, Line47_PrecommitTimeoutOnAnyQuorumOnce) {
  Harness h;
  h.engine->start(1);
  h.deliver(h.vote(1, kPrecommit, 0, A.id));
  Out o = h.deliver(h.vote(2, kPrecommit, 0, std::nullopt));
  EXPECT_FALSE(o.has_timeout(TimeoutStep::kPrecommit));
  o = h.deliver(h.vote(3, kPrecommit, 0, B.id));
  ASSERT_TRUE(o.has_timeout(TimeoutStep::kPrecommit));  // no step condition
  EXPECT_EQ(h.engine->step(), Step::kPropose);
  o = h.deliver(h.vote(0, kPrecommit, 0, std::nullopt));
  EXPECT_FALSE(o.has_timeout(TimeoutStep::kPrecommit));
}

TEST(BftRules, Line49_DecideWithCertificate) {
  Harness h;
  h.engine->start(1);
  h.deliver(h.proposal(0, A));
  h.votes({1, 2}, kPrevote, 0, A.id);  // we precommit A
  Out o = h.deliver(h.vote(1, kPrecommit, 0, A.id));
  EXPECT_TRUE(o.commits.empty());
  o = h.deliver(h.vote(3, kPrecommit, 0, A.id));
  ASSERT_EQ(o.commits.size(), 1u);
  EXPECT_EQ(o.commits[0].height, 1u);
  EXPECT_EQ(o.commits[0].value.id, A.id);
  auto cert = decode_exact<CommitCertificate>(o.commits[0].certificate);
  ASSERT_TRUE(cert.is_ok());
  EXPECT_TRUE(verify_certificate(kChain, h.set, *cert).is_ok());
  EXPECT_TRUE(h.engine->decided());
  // Lines 52-54 once the block is executed: next height, round 0, reset.
  read(h.engine->on_block_executed(1));
  EXPECT_EQ(h.engine->height(), 2u);
  EXPECT_EQ(h.engine->round(), 0u);
  EXPECT_EQ(h.engine->locked_round(), -1);
  EXPECT_EQ(h.engine->valid_round(), -1);
}

TEST(BftRules, Line49_DecideInAnotherRoundAndNotOnInvalidValue) {
  Harness h;
  h.engine->start(1);
  // Round 2 (proposer 3): proposal and 2f+1 precommits, while we are at round 0.
  h.deliver(h.proposal(2, A));
  Out o = h.votes({1, 2, 3}, kPrecommit, 2, A.id);
  ASSERT_EQ(o.commits.size(), 1u);
  auto cert = decode_exact<CommitCertificate>(o.commits[0].certificate);
  EXPECT_EQ(cert->round, 2u);
  // An invalid value never decides (line 50), even with a certificate's worth.
  Harness g;
  g.engine->start(1);
  g.deliver(g.proposal(0, BAD));
  o = g.votes({1, 2, 3}, kPrecommit, 0, BAD.id);
  EXPECT_TRUE(o.commits.empty());
}

TEST(BftRules, Line55_RoundSkipOnOneThirdOfPower) {
  Harness h;
  h.engine->start(1);
  Out o = h.deliver(h.vote(1, kPrevote, 3, std::nullopt));
  EXPECT_EQ(h.engine->round(), 0u);  // 1 of 4: not > 1/3
  o = h.deliver(h.vote(2, kPrecommit, 3, std::nullopt));
  EXPECT_EQ(h.engine->round(), 3u);  // 2 of 4 > 1/3: StartRound(3)
  // Round 3 of height 1 is ours to propose: StartRound asked for a value.
  EXPECT_EQ(o.requests.size(), 1u);
}

TEST(BftRules, Line57_TimeoutProposePrevotesNil) {
  Harness h;
  h.engine->start(1);
  Out o = h.timeout(TimeoutStep::kPropose, 1);  // stale round: ignored
  EXPECT_TRUE(o.votes.empty());
  o = h.timeout(TimeoutStep::kPropose, 0);
  ASSERT_TRUE(o.vote(kPrevote));
  EXPECT_FALSE(o.vote(kPrevote)->value_id.has_value());
  EXPECT_EQ(h.engine->step(), Step::kPrevote);
  o = h.timeout(TimeoutStep::kPropose, 0);  // step moved on: no second prevote
  EXPECT_TRUE(o.votes.empty());
}

TEST(BftRules, Line61_TimeoutPrevotePrecommitsNil) {
  Harness h;
  h.engine->start(1);
  Out o = h.timeout(TimeoutStep::kPrevote, 0);  // step propose: ignored
  EXPECT_TRUE(o.votes.empty());
  h.timeout(TimeoutStep::kPropose, 0);
  o = h.timeout(TimeoutStep::kPrevote, 0);
  ASSERT_TRUE(o.vote(kPrecommit));
  EXPECT_FALSE(o.vote(kPrecommit)->value_id.has_value());
  EXPECT_EQ(h.engine->step(), Step::kPrecommit);
}

TEST(BftRules, Line65_TimeoutPrecommitStartsNextRoundWithGrowingTimeouts) {
  Harness h;
  h.engine->start(1);
  Out o = h.timeout(TimeoutStep::kPrecommit, 0);
  EXPECT_EQ(h.engine->round(), 1u);
  EXPECT_EQ(h.engine->step(), Step::kPropose);
  ASSERT_TRUE(o.has_timeout(TimeoutStep::kPropose));
  for (const auto& t : o.timeouts)
    if (t.step == TimeoutStep::kPropose) EXPECT_EQ(t.delay_ms, test_timeouts().propose(1));
  EXPECT_GT(test_timeouts().propose(1), test_timeouts().propose(0));
}

TEST(BftRules, Line15_ProposerReproposesValidValueWithProofOfLock) {
  Harness h;
  lock_on_a_then_round_1(h);  // validValue A, validRound 0
  h.timeout(TimeoutStep::kPropose, 1);
  h.votes({1, 2}, kPrecommit, 1, std::nullopt);
  h.timeout(TimeoutStep::kPrecommit, 1);
  h.timeout(TimeoutStep::kPropose, 2);
  h.votes({1, 2}, kPrecommit, 2, std::nullopt);
  Out o = h.timeout(TimeoutStep::kPrecommit, 2);  // round 3: ours to propose
  ASSERT_EQ(h.engine->round(), 3u);
  EXPECT_TRUE(o.requests.empty());  // no getValue(): validValue is set
  ASSERT_EQ(o.proposals.size(), 1u);
  const ProposalMessage& p = o.proposals[0];
  EXPECT_EQ(p.proposal.value.id, A.id);
  EXPECT_EQ(p.proposal.valid_round, 0);
  EXPECT_EQ(p.proof_of_lock.size(), 3u);  // our prevote and those of 1 and 2
}

}  // namespace
}  // namespace wattle::consensus::bft::testing
