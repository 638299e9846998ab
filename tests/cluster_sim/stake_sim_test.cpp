// Whole replicas on a staked chain (src/cluster_sim/stake_load.h,
// stake_check.h): under loss, partitions, crashes and a Byzantine
// validator, staking txs reach the chain and change the validator set
// while every honest replica holds the same set at every height, stake is
// conserved and each double signer is slashed exactly once; a schedule
// replays from its seed. That the checks can fail is
// Mutations.EachIsCaughtWithinItsBound (set-change-immediate,
// slash-skip-unbonding, sim_test.cpp).
#include <gtest/gtest.h>

#include <array>
#include <iostream>

#include "cluster_sim/simulator.h"
#include "cluster_sim/stake_load.h"
#include "schedule_report.h"

namespace wattle::cluster_sim {
namespace {

using modules::ConsensusKind;

SimConfig staked_schedule(ConsensusKind kind, uint32_t validators, uint32_t loss, bool partitions,
                          bool crashes) {
  SimConfig c;
  c.full = true;
  c.staking = kind;
  c.validators = validators;
  c.byzantine = 1;
  c.loss_percent = loss;
  c.partitions = partitions;
  c.crashes = crashes;
  c.heights = 30;
  c.txs = 120;
  return c;
}

uint64_t schedule_count() {
#ifdef WATTLE_SANITIZE_BUILD
  return 2;
#else
  return 8;
#endif
}

// pos and dpos under every fault: no violation, and the schedules really
// carry staking txs, change the set and slash a double signer.
void expect_staked_schedules_hold(ConsensusKind kind, uint64_t first_seed) {
  uint64_t staking_txs = 0, set_changes = 0, slashes = 0;
  for (uint64_t k = 0; k < schedule_count(); ++k) {
    SimConfig c = staked_schedule(kind, 4 + k % 2, std::array<uint32_t, 3>{0, 10, 20}[k % 3],
                                  k % 2 == 0, k % 3 != 2);
    ASSERT_TRUE(validate_config(c).is_ok());
    const uint64_t seed = first_seed + k;
    ScheduleResult r = run_schedule(c, seed);
    std::cout << modules::consensus_name(kind) << " seed=" << seed
              << " staking_txs=" << r.staking_txs_committed << " set_changes=" << r.set_changes
              << " slashes=" << r.slashes << " evidence=" << r.evidence_committed << "\n";
    EXPECT_FALSE(r.failed()) << report(c, r);
    EXPECT_EQ(
        r.validator_set_divergences + r.stake_conservation_violations + r.evidence_slash_violations,
        0u)
        << report(c, r);
    staking_txs += r.staking_txs_committed;
    set_changes += r.set_changes;
    slashes += r.slashes;
  }
  EXPECT_GT(staking_txs, 0u);
  EXPECT_GT(set_changes, 0u);
  EXPECT_GT(slashes, 0u);
}

TEST(StakedSchedules, PosChangesTheSetAndKeepsItsChecks) {
  expect_staked_schedules_hold(ConsensusKind::kPos, 26'000);
}

TEST(StakedSchedules, DposChangesTheSetAndKeepsItsChecks) {
  expect_staked_schedules_hold(ConsensusKind::kDpos, 26'100);
}

// Two double signers at 7 validators: tombstoning the first moves the
// second one's index (the honest ones, before them, keep theirs); its bare
// engine's evidence is not judged (seed 503 once failed on it).
TEST(StakedSchedules, TwoDoubleSignersLeaveTheSet) {
  uint64_t slashes = 0;
  for (uint64_t seed : {503u, 501u}) {
    SimConfig c = staked_schedule(ConsensusKind::kPos, 7, 10, true, true);
    c.byzantine = 2;
    ASSERT_TRUE(validate_config(c).is_ok());
    ScheduleResult r = run_schedule(c, seed);
    std::cout << "seed=" << seed << " slashes=" << r.slashes << " set_changes=" << r.set_changes
              << "\n";
    EXPECT_FALSE(r.failed()) << report(c, r);
    slashes += r.slashes;
  }
  EXPECT_GT(slashes, 0u);
}

TEST(StakedSchedules, ReplayFromTheirSeed) {
  SimConfig c = staked_schedule(ConsensusKind::kPos, 4, 10, true, true);
  ScheduleResult a = run_schedule(c, 26'200);
  ScheduleResult b = run_schedule(c, 26'200);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.set_changes, b.set_changes);
  EXPECT_GT(a.staking_txs_committed, 0u);
}

// A staked chain needs whole replicas and takes its powers from its stake;
// poa is not simulated; a staking mutation needs a staked chain.
TEST(StakedSchedules, BadConfigsAreRefused) {
  SimConfig c = staked_schedule(ConsensusKind::kPos, 4, 0, false, false);
  c.full = false;
  EXPECT_EQ(validate_config(c).code(), Code::kInvalidArgument);
  c = staked_schedule(ConsensusKind::kPos, 4, 0, false, false);
  c.powers = {1, 1, 1, 1};
  EXPECT_EQ(validate_config(c).code(), Code::kInvalidArgument);
  c = staked_schedule(ConsensusKind::kPoa, 4, 0, false, false);
  EXPECT_EQ(validate_config(c).code(), Code::kInvalidArgument);
  c = staked_schedule(ConsensusKind::kSingle, 4, 0, false, false);
  c.mutation = consensus::bft::Mutation::kSlashSkipUnbonding;
  EXPECT_EQ(validate_config(c).code(), Code::kInvalidArgument);
  c.mutation = consensus::bft::Mutation::kSetChangeImmediate;
  EXPECT_EQ(validate_config(c).code(), Code::kInvalidArgument);
}

// The powers start kPowerGap apart and staking txs move them by less than
// half of it: the set's order (and each validator's index) never changes.
TEST(StakedSchedules, GenesisPowersKeepTheSetOrder) {
  for (uint32_t n : {1u, 4u, 64u})
    for (uint32_t i = 0; i + 1 < n; ++i)
      EXPECT_GE(stake::genesis_power(i, n) - stake::genesis_power(i + 1, n),
                2 * stake::kMaxDrift + 1);
}

}  // namespace
}  // namespace wattle::cluster_sim
