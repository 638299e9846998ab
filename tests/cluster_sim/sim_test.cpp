// Deterministic simulation of the BFT engine (src/cluster_sim): random
// fault schedules find no violation; each deliberate engine bug is caught
// within a stated number of schedules; a failing seed replays byte for byte.
//
// Schedule counts: the random sweep runs 1,000 schedules in Release (250 for
// each of 4, 5, 6 and 7 validators), 100,000 with WATTLE_LONG=1, and fewer
// under ASan/UBSan (WATTLE_SANITIZE_BUILD), which is ~10x slower.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "cluster_sim/simulator.h"
#include "schedule_report.h"

namespace wattle::cluster_sim {
namespace {

using consensus::bft::Mutation;

bool long_mode() {
  const char* v = std::getenv("WATTLE_LONG");
  return v && std::string(v) == "1";
}

uint64_t per_validator_count() {
  if (long_mode()) return 25'000;
#ifdef WATTLE_SANITIZE_BUILD
  return 25;
#else
  return 250;
#endif
}

// The most Byzantine validators of power 1 that n tolerates (f < n/3).
uint32_t max_faulty(uint32_t n) {
  return (n - 1) / 3;
}

// Uneven powers with the given number of Byzantine validators still tolerated
// whichever are picked (validate_config checks it).
std::vector<uint64_t> uneven_powers(uint32_t n) {
  switch (n) {
    case 4:
      return {1, 2, 2, 2};
    case 5:
      return {1, 2, 2, 2, 2};
    case 6:
      return {1, 1, 2, 2, 2, 3};
    default:
      return {2, 2, 2, 2, 2, 2, 1};
  }
}

// One sweep per validator count (4..7), so ctest runs them side by side and
// the long mode splits across cores (--gtest_filter='*FindNoViolation/4').
class RandomSchedules : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RandomSchedules, EngineFindsNoViolation) {
  const uint32_t n = GetParam();
  uint64_t schedules = 0, heights = 0, rounds = 0, evidence = 0;
  uint32_t worst_rounds_after_gst = 0;
  for (uint64_t k = 0; k < per_validator_count(); ++k) {
    SimConfig c;
    c.validators = n;
    c.byzantine = max_faulty(n);
    if (k % 2 == 1) c.powers = uneven_powers(n);
    c.loss_percent = std::array<uint32_t, 3>{0, 10, 30}[k % 3];
    c.partitions = k % 4 < 2;
    c.crashes = k % 5 < 3;
    c.heights = 3;
    ASSERT_TRUE(validate_config(c).is_ok()) << validate_config(c).to_string();
    const uint64_t seed = 1'000'000 * n + k;
    ScheduleResult r = run_schedule(c, seed);
    ASSERT_FALSE(r.failed()) << report(c, r);
    ASSERT_GE(r.heights_committed, c.heights);
    ++schedules;
    heights += r.heights_committed;
    rounds += r.rounds_total;
    evidence += r.evidence_found;
    worst_rounds_after_gst = std::max(worst_rounds_after_gst, r.max_rounds_after_gst);
  }
  std::cout << "validators=" << n << " schedules=" << schedules << " heights=" << heights
            << " mean_rounds_per_height=" << (heights ? double(rounds) / heights : 0.0)
            << " evidence=" << evidence << " worst_rounds_after_gst=" << worst_rounds_after_gst
            << "\n";
  EXPECT_GT(evidence, 0u);  // the Byzantine strategies did equivocate, and were caught
}

SimConfig make_config(uint32_t validators, uint32_t byzantine, uint32_t loss, bool partitions,
                      bool crashes, Mutation mutation = Mutation::kNone) {
  SimConfig c;
  c.validators = validators;
  c.byzantine = byzantine;
  c.loss_percent = loss;
  c.partitions = partitions;
  c.crashes = crashes;
  c.mutation = mutation;
  return c;
}

// Runs schedules from `first_seed` until `caught` holds; returns how many it took.
template <typename Pred>
uint64_t schedules_until(const SimConfig& c, uint64_t first_seed, uint64_t limit, Pred caught,
                         ScheduleResult* found = nullptr) {
  for (uint64_t k = 0; k < limit; ++k) {
    ScheduleResult r = run_schedule(c, first_seed + k);
    if (caught(r)) {
      if (found) *found = std::move(r);
      return k + 1;
    }
  }
  return limit + 1;
}

// Each mutation is caught within the stated number of schedules, by the
// checker named. Seeds are fixed, so the counts are facts about this code;
// the bounds leave room for harmless changes. (docs/consensus.md §4 lists
// the figures.)
struct MutationCase {
  Mutation mutation;
  SimConfig config;
  uint64_t first_seed;
  uint64_t bound;
  const char* checker;
  bool (*caught)(const ScheduleResult&);
};

bool diverged(const ScheduleResult& r) {
  return r.state_divergences > 0;
}
bool stalled_or_diverged(const ScheduleResult& r) {
  return r.liveness_failures > 0 || r.state_divergences > 0;
}
SimConfig full(SimConfig c) {
  c.full = true;
  return c;
}

bool unjustified(const ScheduleResult& r) {
  return r.unjustified_votes > 0;
}
bool broke_lock(const ScheduleResult& r) {
  return r.lock_violations > 0;
}

// Long enough for certificates to be issued and moved (cert_sim_test.cpp).
SimConfig with_certificates(SimConfig c) {
  c.heights = 100;
  c.txs = 150;
  return c;
}

// A staked chain (stake_sim_test.cpp) long enough for staking txs, set
// changes and a double signer's slash.
SimConfig staked(SimConfig c, modules::ConsensusKind kind = modules::ConsensusKind::kPos) {
  c.full = true;
  c.staking = kind;
  c.heights = 30;
  c.txs = 200;
  return c;
}

SimConfig with_adversary(SimConfig c, Adversary a) {
  c.adversary = a;
  return c;
}

std::vector<MutationCase> mutation_cases() {
  return {
      // Its > 1/2 quorums make honest validators precommit without 2f+1
      // prevotes (and certificates that do not verify) at once.
      {Mutation::kQuorumHalf, make_config(7, 2, 20, true, false, Mutation::kQuorumHalf), 1, 5,
       "justification or certificate", [](const ScheduleResult& r) { return r.safety_failed(); }},
      // The lock check sees the broken lock itself (before, only the fork it
      // may lead to showed it, first at schedule 39; a schedule now stops at
      // the lock violation, before any fork).
      {Mutation::kNoLock, make_config(4, 1, 10, true, false, Mutation::kNoLock), 100, 10, "lock",
       broke_lock},
      // Tendermint's pre-2018 unlock on a later nil polka: it forks rarely
      // (3 in 12,750 schedules where it was found); the lock check sees it
      // prevote a new value while it should still be locked.
      {Mutation::kUnlockOnNil, make_config(4, 1, 10, true, false, Mutation::kUnlockOnNil), 100, 100,
       "lock", broke_lock},
      {Mutation::kNoPersist, make_config(4, 1, 20, true, true, Mutation::kNoPersist), 100, 50,
       "honest equivocation", [](const ScheduleResult& r) { return r.equivocations > 0; }},
      {Mutation::kSkipVoteVerify,
       with_adversary(make_config(4, 1, 10, true, false, Mutation::kSkipVoteVerify),
                      Adversary::kForger),
       1, 5, "certificate", [](const ScheduleResult& r) { return r.certificate_violations > 0; }},
      {Mutation::kTrustValidRound,
       with_adversary(make_config(4, 1, 10, true, false, Mutation::kTrustValidRound),
                      Adversary::kForger),
       1, 5, "justification", unjustified},
      {Mutation::kNoProposerCheck,
       with_adversary(make_config(4, 1, 10, true, false, Mutation::kNoProposerCheck),
                      Adversary::kForger),
       1, 5, "justification", unjustified},
      {Mutation::kPrevoteHalf,
       with_adversary(make_config(7, 2, 10, true, false, Mutation::kPrevoteHalf),
                      Adversary::kCoalition),
       1, 5, "justification", unjustified},
      // Application mutations, with whole replicas. A replica executing with
      // a local value refuses blocks the others accept (or halts on one
      // they committed); a follower that skips re-execution prevotes a
      // Byzantine proposer's block with a wrong state root, and halts when
      // it commits.
      {Mutation::kNondeterministicExec,
       full(make_config(4, 0, 0, false, false, Mutation::kNondeterministicExec)), 1, 5,
       "liveness or state-divergence", stalled_or_diverged},
      {Mutation::kSkipRootCheck,
       with_adversary(full(make_config(4, 1, 0, false, false, Mutation::kSkipRootCheck)),
                      Adversary::kInvalid),
       1, 5, "state-divergence", diverged},
      // A transfer that splits a bundle keeps the source's Wh, and the
      // module's own block check is off: the simulator's certificate
      // identity check of the committed state sees the Wh counted twice.
      {Mutation::kCertDoubleCount,
       with_certificates(full(make_config(4, 0, 0, false, false, Mutation::kCertDoubleCount))), 1,
       5, "certificate identity",
       [](const ScheduleResult& r) { return r.certificate_identity_violations > 0; }},
      // Staking mutations, on a staked chain. A set taking effect at H+1:
      // every replica agrees, but the set in force at H+1 is not the one
      // computed at H-1 (and differs from what the replicas read for H+1 a
      // block earlier); caught in the first schedule with a set change.
      {Mutation::kSetChangeImmediate,
       staked(make_config(4, 1, 0, false, false, Mutation::kSetChangeImmediate)), 1, 5,
       "validator set", [](const ScheduleResult& r) { return r.validator_set_divergences > 0; }},
      // A slash that spares the unbonding entries: only a schedule where the
      // double signer unbonds between its infraction and the block that
      // commits the evidence shows it (15 of seeds 1..60; the first is 2).
      {Mutation::kSlashSkipUnbonding,
       with_adversary(staked(make_config(4, 1, 0, false, false, Mutation::kSlashSkipUnbonding)),
                      Adversary::kEquivocate),
       1, 20, "evidence slash",
       [](const ScheduleResult& r) { return r.evidence_slash_violations > 0; }},
  };
}

TEST(Mutations, EachIsCaughtWithinItsBound) {
  for (const MutationCase& mc : mutation_cases()) {
    ASSERT_TRUE(validate_config(mc.config).is_ok());
    const uint64_t n = schedules_until(mc.config, mc.first_seed, mc.bound, mc.caught);
    std::cout << consensus::bft::mutation_name(mc.mutation) << ": caught by the " << mc.checker
              << " check after " << n << " schedules (bound " << mc.bound << ")\n";
    EXPECT_LE(n, mc.bound) << consensus::bft::mutation_name(mc.mutation);
  }
}

// Every mutation, engine or application, has a case in the table above.
TEST(Mutations, EveryMutationIsCovered) {
  auto cases = mutation_cases();
  for (const auto& info : consensus::bft::kMutations) {
    if (info.layer == consensus::bft::MutationInfo::Layer::kNone) continue;
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const MutationCase& c) {
      return c.mutation == info.mutation;
    })) << info.name;
  }
}

// A deadlock once found: validator 3 moved to round 1, crashed and restarted
// there while 0 and 2 waited in round 0 for its lost round-0 precommit.
TEST(Liveness, CrashInHigherRoundNoLongerDeadlocks) {
  SimConfig c = make_config(4, 1, 15, true, true);
  ScheduleResult r = run_schedule(c, 99006825);
  EXPECT_FALSE(r.failed()) << report(c, r);
}

// The stronger adversaries, each forced on every Byzantine
// validator: a coalition backing one second value to a chosen group, and a
// forger (bad signatures, non-proposer proposals, false valid rounds,
// altered block bytes, out-of-range indexes, too-little-power certificates).
// Steady mode (`wattle bench consensus-sim`): no GST, the loss lasts the
// whole run, which ends when every honest validator has its heights. A full-
// mode wait "until some time after GST" once kept these runs from ever
// ending, so every one failed liveness at its event budget.
TEST(Steady, SchedulesEndWhenTheHeightsAreCommitted) {
  for (uint32_t loss : {0u, 10u, 30u}) {
    SimConfig c;
    c.validators = 4;
    c.loss_percent = loss;
    c.heights = 10;
    c.steady = true;
    const SweepTotals t = run_schedules(c, 1, 3);
    EXPECT_FALSE(t.failed()) << "loss " << loss << "%: first failing seed "
                             << (t.first_failure ? t.first_failure->seed : 0);
    EXPECT_GE(t.heights, 3u * 10u) << "loss " << loss << "%";
  }
}

TEST(Simulation, CoalitionAndForgerFindNoViolation) {
  const uint64_t count = long_mode() ? 5'000 : per_validator_count() / 5;
  for (Adversary a : {Adversary::kCoalition, Adversary::kForger}) {
    for (uint32_t n : {4u, 7u}) {
      for (uint64_t k = 0; k < count; ++k) {
        SimConfig c = make_config(n, max_faulty(n), std::array<uint32_t, 3>{0, 10, 30}[k % 3],
                                  k % 2 == 0, k % 3 != 0);
        c.adversary = a;
        const uint64_t seed = 7'000'000 + 100'000 * n + k;
        ScheduleResult r = run_schedule(c, seed);
        ASSERT_FALSE(r.failed()) << adversary_name(a) << " " << report(c, r);
      }
    }
  }
}

// Whole replicas (node::Replica + chain::Application + an in-memory RocksDB
// store each) over 4-7 validators with f Byzantine (random strategies, the
// coalition and the forger), loss, partitions and crashes, random signed
// transfers: no violation of any check, state and tx checks included.
TEST_P(RandomSchedules, FullReplicasFindNoViolation) {
  const uint32_t n = GetParam();
  uint64_t per_n = long_mode() ? 2'500 : 60;
#ifdef WATTLE_SANITIZE_BUILD
  per_n = 6;
#endif
  uint64_t schedules = 0, txs = 0, heights = 0, evidence = 0;
  for (uint64_t k = 0; k < per_n; ++k) {
    SimConfig c = full(make_config(n, max_faulty(n), std::array<uint32_t, 3>{0, 10, 30}[k % 3],
                                   k % 4 < 2, k % 5 < 3));
    c.adversary = std::array<Adversary, 3>{Adversary::kRandom, Adversary::kCoalition,
                                           Adversary::kForger}[k % 3];
    c.heights = 4;
    ASSERT_TRUE(validate_config(c).is_ok());
    const uint64_t seed = 9'000'000 + 100'000 * n + k;
    ScheduleResult r = run_schedule(c, seed);
    ASSERT_FALSE(r.failed()) << report(c, r);
    ASSERT_GE(r.heights_committed, c.heights);
    ++schedules;
    txs += r.txs_committed;
    heights += r.heights_committed;
    evidence += r.evidence_committed;
  }
  std::cout << "validators=" << n << " full_schedules=" << schedules << " heights=" << heights
            << " txs_committed=" << txs << " evidence_committed=" << evidence << "\n";
  EXPECT_GT(txs, schedules);  // the workload reached the chain, not only the mempools
  EXPECT_GT(evidence, 0u);    // Byzantine equivocation was found, pooled and committed
}

INSTANTIATE_TEST_SUITE_P(Validators, RandomSchedules, ::testing::Values(4u, 5u, 6u, 7u),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return std::to_string(info.param);
                         });

// A replica that crashes after committing restarts from its store and
// catches up: with crashes on, some schedule restarts a replica at a height
// above 1 and every replica still reaches the target.
TEST(FullReplicas, CrashedReplicaRestartsFromItsStoreAndCatchesUp) {
  SimConfig c = full(make_config(4, 0, 10, false, true));
  c.heights = 8;
  c.record_trace = true;
  bool restarted_above_one = false;
  for (uint64_t seed = 1; seed <= 40 && !restarted_above_one; ++seed) {
    ScheduleResult r = run_schedule(c, seed);
    ASSERT_FALSE(r.failed()) << report(c, r);
    // Trace lines "<time> start node=<i> height=<h>": a restart is one after time 0.
    std::istringstream lines(r.trace);
    for (std::string line; std::getline(lines, line);) {
      uint64_t time = 0, node = 0, height = 0;
      if (std::sscanf(line.c_str(), "%lu start node=%lu height=%lu", &time, &node, &height) == 3 &&
          time > 0 && height > 1)
        restarted_above_one = true;
    }
  }
  EXPECT_TRUE(restarted_above_one);
}

TEST(FullReplicas, ScheduleReplaysByteForByte) {
  SimConfig c = full(make_config(5, 1, 15, true, true));
  c.record_trace = true;
  ScheduleResult a = run_schedule(c, 77);
  ScheduleResult b = run_schedule(c, 77);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_GT(a.txs_committed, 0u);
}

TEST(FullReplicas, ApplicationMutationNeedsFullMode) {
  SimConfig c = make_config(4, 0, 0, false, false, Mutation::kSkipRootCheck);
  EXPECT_FALSE(validate_config(c).is_ok());
  c.full = true;
  EXPECT_TRUE(validate_config(c).is_ok());
}

TEST(Replay, FailingSeedReplaysByteForByte) {
  SimConfig c = make_config(4, 1, 20, true, true, Mutation::kNoPersist);
  c.record_trace = true;
  ScheduleResult first;
  ASSERT_LE(schedules_until(
                c, 100, 50, [](const ScheduleResult& r) { return r.failed(); }, &first),
            50u);
  ScheduleResult again = run_schedule(c, first.seed);
  EXPECT_EQ(again.trace, first.trace);
  EXPECT_EQ(again.trace_hash, first.trace_hash);
  EXPECT_EQ(again.violations, first.violations);
  EXPECT_NE(first.trace.find("VIOLATION"), std::string::npos);
  // The hash does not depend on whether the text is kept.
  c.record_trace = false;
  EXPECT_EQ(run_schedule(c, first.seed).trace_hash, first.trace_hash);
  // Another seed is another schedule.
  c.record_trace = true;
  EXPECT_NE(run_schedule(c, first.seed + 1).trace, first.trace);
}

TEST(Config, RejectsMoreByzantinePowerThanTolerated) {
  SimConfig c;
  c.validators = 4;
  c.byzantine = 2;
  EXPECT_FALSE(validate_config(c).is_ok());
  c.byzantine = 1;
  EXPECT_TRUE(validate_config(c).is_ok());
  c.powers = {3, 1, 1, 1};  // the power-3 validator could be the Byzantine one
  Status st = validate_config(c);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("one third"), std::string::npos);
  c.powers = {1, 2, 2, 2};
  EXPECT_TRUE(validate_config(c).is_ok());
  c.powers = {1, 2};
  EXPECT_FALSE(validate_config(c).is_ok());
  c.powers.clear();
  c.loss_percent = 101;
  EXPECT_FALSE(validate_config(c).is_ok());
}

}  // namespace
}  // namespace wattle::cluster_sim
