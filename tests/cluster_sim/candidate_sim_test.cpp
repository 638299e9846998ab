// Candidates on a staked chain (src/cluster_sim/candidates.h): a whole
// replica outside the genesis set sends create-validator at a seeded time
// under loss, partitions, crashes and a Byzantine validator, enters the
// set two blocks after the one that computed it, signs commit certificates
// and proposes blocks, and (in some schedules) unbonds out again, while
// every honest replica, the candidate's included, holds the same set at
// every height, stake is conserved and each double signer is slashed once.
#include <gtest/gtest.h>

#include <iostream>

#include "cluster_sim/simulator.h"
#include "schedule_report.h"

namespace wattle::cluster_sim {
namespace {

using modules::ConsensusKind;

// The measured sweep's faults (docs/consensus.md, "Staking").
SimConfig faulty(ConsensusKind kind, uint32_t candidates = 1) {
  SimConfig c;
  c.full = true;
  c.staking = kind;
  c.candidates = candidates;
  c.validators = 4;
  c.byzantine = 1;
  c.loss_percent = 15;
  c.partitions = true;
  c.crashes = true;
  c.heights = 60;
  return c;
}

ScheduleResult run(const SimConfig& c, uint64_t seed) {
  EXPECT_TRUE(validate_config(c).is_ok());
  ScheduleResult r = run_schedule(c, seed);
  std::cout << modules::consensus_name(c.staking) << " candidates=" << c.candidates
            << " seed=" << seed << " candidate_joins=" << r.candidate_joins
            << " candidate_leaves=" << r.candidate_leaves
            << " candidate_signed_commits=" << r.candidate_signed_commits
            << " candidate_blocks=" << r.candidate_blocks << " set_changes=" << r.set_changes
            << " slashes=" << r.slashes << "\n";
  EXPECT_FALSE(r.failed()) << report(c, r);
  EXPECT_EQ(
      r.validator_set_divergences + r.stake_conservation_violations + r.evidence_slash_violations,
      0u)
      << report(c, r);
  return r;
}

// Seed 1: the candidate joins once and stays; its precommits are in
// certificates, blocks it proposed are committed, and its votes went
// through the honest validators' checks (equivocation, justification, lock).
TEST(CandidateSchedules, PosCandidateJoinsVotesAndProposes) {
  ScheduleResult r = run(faulty(ConsensusKind::kPos), 1);
  EXPECT_EQ(r.candidate_joins, 1u);
  EXPECT_EQ(r.candidate_leaves, 0u);
  EXPECT_GT(r.candidate_signed_commits, 0u);
  EXPECT_GT(r.candidate_blocks, 0u);
  EXPECT_GT(r.candidate_votes_checked, r.candidate_signed_commits);
}

// dpos: its self-bond is a delegation to itself; it enters at an epoch switch.
TEST(CandidateSchedules, DposCandidateJoinsVotesAndProposes) {
  ScheduleResult r = run(faulty(ConsensusKind::kDpos), 1);
  EXPECT_EQ(r.candidate_joins, 1u);
  EXPECT_GT(r.candidate_signed_commits, 0u);
  EXPECT_GT(r.candidate_blocks, 0u);
}

// Seed 3: it joins, then unbonds its whole self-bond and leaves the set;
// the Byzantine validator is slashed on the way.
TEST(CandidateSchedules, CandidateLeavesByUnbondingAll) {
  ScheduleResult r = run(faulty(ConsensusKind::kPos), 3);
  EXPECT_EQ(r.candidate_joins, 1u);
  EXPECT_EQ(r.candidate_leaves, 1u);
  EXPECT_GT(r.candidate_signed_commits, 0u);
}

// Seed 5: the double signer (validator 3) is tombstoned and the candidate
// (node 4) sorts into index 3 of the set: its own votes are still told
// apart from others' by key, so the equivocation, justification and lock
// checks judge them (by index they would judge none).
TEST(CandidateSchedules, CandidateTakesATombstonedValidatorsIndex) {
  ScheduleResult r = run(faulty(ConsensusKind::kPos), 5);
  EXPECT_EQ(r.slashes, 1u);
  EXPECT_EQ(r.candidate_joins, 1u);
  EXPECT_GT(r.candidate_signed_commits, 0u);
  EXPECT_GT(r.candidate_votes_checked, r.candidate_signed_commits);
}

// Four candidates (the most) join and leave around a double signer that is
// tombstoned, which moves their indices in the set: peers are told apart
// by key, so the checks and the engines still agree on who is who.
TEST(CandidateSchedules, FourCandidatesUnderFaults) {
  uint64_t joins = 0, leaves = 0, signed_commits = 0, slashes = 0;
  for (uint64_t seed : {4u, 5u, 6u}) {
    ScheduleResult r = run(faulty(ConsensusKind::kPos, kMaxCandidates), seed);
    joins += r.candidate_joins;
    leaves += r.candidate_leaves;
    signed_commits += r.candidate_signed_commits;
    slashes += r.slashes;
    EXPECT_GT(r.candidate_votes_checked, 0u);
  }
  EXPECT_GT(joins, 4u);
  EXPECT_GT(leaves, 0u);
  EXPECT_GT(signed_commits, 0u);
  EXPECT_GT(slashes, 0u);
}

// Seed 12 (dpos): a forger re-signs a proposal it heard from the candidate,
// whose index lies past the genesis set; the block it forges names the
// proposer from the set of that height (it once indexed the genesis set
// and threw).
TEST(CandidateSchedules, ForgerReusesACandidatesProposal) {
  ScheduleResult r = run(faulty(ConsensusKind::kDpos), 12);
  EXPECT_EQ(r.candidate_joins, 1u);
  EXPECT_GT(r.candidate_blocks, 0u);
}

// Seed 1037 (5 validators, 4 candidates): after GST messages take up to
// 238 ms, so each of 9 nodes' heights costs ~8,000 events; the event budget
// grows with the square of the nodes (it once ran out at height 35).
TEST(CandidateSchedules, NineNodesOnASlowNetworkFitTheEventBudget) {
  SimConfig c = faulty(ConsensusKind::kPos, kMaxCandidates);
  c.validators = 5;
  ScheduleResult r = run(c, 1037);
  EXPECT_EQ(r.heights_committed, 60u);
  EXPECT_EQ(r.candidate_joins, kMaxCandidates);
}

TEST(CandidateSchedules, NoneWhenNoneAreAsked) {
  ScheduleResult r = run(faulty(ConsensusKind::kPos, 0), 1);
  EXPECT_EQ(r.candidate_joins + r.candidate_signed_commits + r.candidate_blocks, 0u);
  EXPECT_GT(r.set_changes, 0u);  // bond and unbond still move the powers
}

TEST(CandidateSchedules, ReplayFromTheirSeed) {
  const SimConfig c = faulty(ConsensusKind::kPos, 2);
  ScheduleResult a = run_schedule(c, 7);
  ScheduleResult b = run_schedule(c, 7);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.candidate_joins, b.candidate_joins);
  EXPECT_GT(a.candidate_joins, 0u);
  EXPECT_NE(replay_command(c, 7).find("--candidates 2"), std::string::npos);
}

// More than kMaxCandidates, or more than 64 nodes in all, is refused;
// candidates on a chain without staking are none.
TEST(CandidateSchedules, BadConfigsAreRefused) {
  SimConfig c = faulty(ConsensusKind::kPos, kMaxCandidates + 1);
  EXPECT_EQ(validate_config(c).code(), Code::kInvalidArgument);
  c = faulty(ConsensusKind::kPos, 2);
  c.validators = 63;
  EXPECT_EQ(validate_config(c).code(), Code::kInvalidArgument);
  c.validators = 62;
  EXPECT_TRUE(validate_config(c).is_ok());
  c = faulty(ConsensusKind::kSingle, 2);
  EXPECT_EQ(c.nodes(), c.validators);
}

}  // namespace
}  // namespace wattle::cluster_sim
