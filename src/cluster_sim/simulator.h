// The deterministic cluster simulator (docs/architecture.md): N BftEngines (the
// code the node runs, no second copy) in one process over a seeded network.
//
// One schedule = one seed. Until the global stabilisation time (GST, drawn
// from the seed) the network loses messages (SimConfig::loss_percent),
// duplicates and reorders them (random delays up to 120 ms), partitions form
// and heal, honest validators crash and restart from their persisted state.
// At GST every partition heals, every crashed validator restarts, loss
// stops and delays drop to at most 20 ms; Byzantine validators (up to the
// tolerated power) misbehave throughout: equivocating proposals and votes
// split between peer groups, votes for invalid values, silence, replay of old
// messages.
//
// Checked after every step (each is a violation kind in ScheduleResult):
//  safety       no two honest validators commit different values at a height,
//               and every committed value is valid;
//  certificate  every honest Commit's certificate verifies from the set alone;
//  evidence     every EvidenceFound verifies and accuses a Byzantine validator;
//  equivocation no honest validator signs two different proposals or votes
//               for one (height, round, type), across crashes included;
//  justification every honest vote for a value is justified by messages that
//               were really signed and sent: a prevote for v at (h, r) by a
//               proposal of v at (h, r) from proposer(h, r) with vr = -1, or
//               with vr >= 0 and prevotes for v at (h, vr) from > 2/3 of the
//               power; a precommit for v at (h, r) by prevotes for v at (h, r)
//               from > 2/3 of the power;
//  lock         an honest validator that precommitted v at (h, lr) prevotes
//               another value v' at (h, r > lr) only on a proposal of v' with
//               a valid round vr >= lr and prevotes for v' at (h, vr) from
//               > 2/3 of the power (Tendermint's lock invariant, rule 29);
//  liveness     after GST every honest validator commits each height within
//               liveness_round_bound() rounds (counted from the highest honest
//               round at GST for the height then in progress), and all reach
//               SimConfig::heights.
//
// Staked chains (SimConfig::staking, stake_check.h) add: the same validator
// set on every honest replica at every height with the H+2 rule, stake
// conservation, and each double signer slashed exactly once; they also host
// candidates (candidates.h), honest replicas that join the set by
// create-validator, to which every check above applies as well.
//
// Determinism: all randomness comes from Prng(seed); events are ordered by
// (virtual time, insertion sequence); no container whose iteration order is
// unspecified is iterated. The event trace (and its BLAKE2b hash) therefore
// replays byte for byte from the seed and the config alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/bft/test_hooks.h"
#include "core/hash.h"
#include "core/status.h"
#include "modules/staking/staking_params.h"

namespace wattle::cluster_sim {

// What a Byzantine validator does (adversary.h describes each). kRandom:
// drawn per schedule (a coalition of all of them now and then, else one
// strategy each). Names are the --adversary values.
enum class Adversary : uint8_t {
  kSilent,
  kEquivocate,
  kFork,
  kInvalid,
  kReplay,
  kHonest,
  kMixed,
  kCoalition,
  kForger,
  kRandom,
};
std::string_view adversary_name(Adversary a);
std::optional<Adversary> parse_adversary(std::string_view name);
std::string adversary_names();  // "random, silent, ...": for help texts

struct SimConfig {
  uint32_t validators = 4;
  std::vector<uint64_t> powers;  // empty: all 1; else one per validator
  uint32_t byzantine = 0;        // Byzantine validators, chosen per schedule
  uint32_t heights = 3;          // every honest validator must commit this many
  uint32_t loss_percent = 0;     // message loss before GST, integer percent 0..100
  bool partitions = false;
  bool crashes = false;
  consensus::bft::Mutation mutation = consensus::bft::Mutation::kNone;
  Adversary adversary = Adversary::kRandom;  // every Byzantine validator's strategy
  bool record_trace = false;                 // keep the text trace (its hash is always computed)
  // Benchmarks: no GST; loss and pre-GST delays last the whole run, which ends
  // when every honest validator has committed `heights` (partitions and
  // crashes are ignored). Liveness is then only "done within the time budget".
  bool steady = false;
  // Whole replicas (docs/consensus.md): every honest validator is a node::Replica,
  // the host the node process runs, over its own chain::Application and a
  // RocksDB store on an in-memory file system that survives its crashes;
  // Byzantine validators propose real blocks (valid or not). Random signed
  // txs (`txs` of them, spread until 500 ms after GST or, if longer,
  // `heights` block intervals after it, which the run then lasts at least)
  // go to random honest replicas: half transfers, half txs of an energy
  // community with certificates (community.h: meters, PV devices, readings,
  // certificate transfers and cancels). Adds the checks state_divergences (a replica that cannot
  // execute a block others committed, a tx committed on one replica missing
  // on another), conservation (balances + escrow - debts - minted rewards
  // stay the genesis total) and certificate identity (cert_check.h).
  // Application mutations need it.
  bool full = false;
  uint32_t txs = 40;
  // Whole replicas on a staked chain (docs/consensus.md, "Staking"): kPos or
  // kDpos gives the genesis a staking section whose validators are the
  // simulated ones with bonded stake, and a quarter of the txs become
  // staking txs (stake_load.h) that change the set during the schedule.
  // kSingle (the default): no staking section, the set is fixed.
  modules::ConsensusKind staking = modules::ConsensusKind::kSingle;
  bool staked() const { return full && staking != modules::ConsensusKind::kSingle; }
  // Staked chains: this many candidates (candidates.h), honest whole
  // replicas outside the genesis set with funded operator accounts, each
  // joining by create-validator at a seeded time (and half the time
  // unbonding out again later); 0..kMaxCandidates. Ignored on other chains.
  uint32_t candidates = 1;
  uint32_t hosted_candidates() const { return staked() ? candidates : 0; }
  // Every simulated node: the genesis validators, then the candidates.
  uint32_t nodes() const { return validators + hosted_candidates(); }
};

inline constexpr uint32_t kMaxCandidates = 4;

// kInvalidArgument with a message for the user: application mutations
// without `full`, validator count 1..64, powers
// count, loss range, and the Byzantine power bound: the `byzantine`
// validators with the LARGEST powers must still hold less than 1/3 of the
// total (so whichever are picked per schedule, f < n/3 by power holds).
Status validate_config(const SimConfig& config);

// Rounds within which an honest validator must commit a height after GST
// when messages then take at most `post_gst_delay_ms`: 2n + 4, plus (for
// delays above the usual 20 ms) the rounds it takes the growing timeouts to
// reach four such delays (a round
// needs proposal, prevotes and precommits to cross, and rounds start up to
// one delay apart). Delays longer than the base timeouts are part of the
// fault model: they are what makes the growth of timeouts matter.
uint32_t liveness_round_bound(uint32_t validators, uint64_t post_gst_delay_ms = 20);

struct ScheduleResult {
  uint64_t seed = 0;
  uint32_t safety_violations = 0;
  uint32_t certificate_violations = 0;
  uint32_t evidence_violations = 0;
  uint32_t equivocations = 0;
  uint32_t unjustified_votes = 0;
  uint32_t lock_violations = 0;
  uint32_t liveness_failures = 0;
  uint32_t state_divergences = 0;                // full mode
  uint32_t conservation_violations = 0;          // full mode
  uint32_t certificate_identity_violations = 0;  // full mode: cert_check.h
  uint32_t validator_set_divergences = 0;        // staked: stake_check.h
  uint32_t stake_conservation_violations = 0;    // staked: stake_check.h
  uint32_t evidence_slash_violations = 0;        // staked: stake_check.h
  uint64_t staking_txs_committed = 0;            // staked: staking txs committed (valid ones)
  uint64_t set_changes = 0;               // staked: heights whose set differs from the one before
  uint64_t slashes = 0;                   // staked: validators slashed for double signing
  uint64_t candidate_joins = 0;           // staked: heights whose set newly holds a candidate
  uint64_t candidate_leaves = 0;          // staked: heights whose set no longer holds one
  uint64_t candidate_signed_commits = 0;  // staked: heights whose certificate a candidate signed
  uint64_t candidate_blocks = 0;          // staked: committed blocks a candidate proposed
  uint64_t candidate_votes_checked = 0;   // staked: candidates' own votes the checker judged
  uint64_t txs_committed = 0;             // full mode: distinct txs committed by honest replicas
  uint64_t evidence_committed = 0;        // full mode: evidence items in committed blocks
  uint64_t cert_txs_committed = 0;        // full mode: certificate transfers and cancels committed
  uint64_t cert_wh_issued = 0;            // full mode: certificate Wh issued (most on a replica)
  uint64_t heights_committed = 0;         // heights decided by honest validators
  uint64_t rounds_total = 0;              // sum over those heights of (decision round + 1)
  uint32_t max_rounds_after_gst = 0;
  uint64_t post_gst_delay_ms = 0;  // the schedule's bound on delays after GST
  uint64_t messages = 0;           // point-to-point messages sent
  uint64_t events = 0;
  uint64_t virtual_ms = 0;
  uint64_t evidence_found = 0;
  std::vector<std::string> violations;  // human-readable, first few
  Hash256 trace_hash;
  std::string trace;  // when SimConfig::record_trace

  bool safety_failed() const {
    return safety_violations + certificate_violations + evidence_violations + equivocations +
               unjustified_votes + lock_violations + state_divergences + conservation_violations +
               certificate_identity_violations + validator_set_divergences +
               stake_conservation_violations + evidence_slash_violations >
           0;
  }
  bool failed() const { return safety_failed() || liveness_failures > 0; }
};

// Runs one schedule. Precondition: validate_config(config) is ok.
ScheduleResult run_schedule(const SimConfig& config, uint64_t seed);

// Totals over schedules first_seed, first_seed + 1, ... (schedule i's seed is
// first_seed + i, so `--seed <that> --schedules 1` replays it alone).
struct SweepTotals {
  uint64_t schedules = 0;
  uint64_t safety_failed = 0;  // schedules with a fork or an invalid commit
  uint64_t certificate_failed = 0;
  uint64_t equivocation_failed = 0;
  uint64_t unjustified_failed = 0;
  uint64_t lock_failed = 0;
  uint64_t evidence_failed = 0;
  uint64_t liveness_failed = 0;
  uint64_t divergence_failed = 0;
  uint64_t conservation_failed = 0;
  uint64_t certificate_identity_failed = 0;
  uint64_t validator_set_failed = 0;
  uint64_t stake_conservation_failed = 0;
  uint64_t evidence_slash_failed = 0;
  uint64_t staking_txs_committed = 0;
  uint64_t set_changes = 0;
  uint64_t slashes = 0;
  uint64_t candidate_joins = 0;
  uint64_t candidate_leaves = 0;
  uint64_t candidate_signed_commits = 0;
  uint64_t candidate_blocks = 0;
  uint64_t txs_committed = 0;
  uint64_t cert_txs_committed = 0;
  uint64_t cert_wh_issued = 0;
  uint64_t evidence_committed = 0;
  uint64_t heights = 0;
  uint64_t rounds = 0;
  uint64_t messages = 0;
  uint64_t evidence_found = 0;
  std::optional<ScheduleResult> first_failure;
  bool failed() const { return first_failure.has_value(); }
  // Mean (decision round + 1) over committed heights as decimal text with
  // three places ("0.000" if none), computed in integers: consensus code
  // stays free of floating point even in its statistics.
  std::string mean_rounds_per_height() const {
    uint64_t milli = heights ? (rounds * 1000 + heights / 2) / heights : 0;
    std::string frac = std::to_string(milli % 1000);
    return std::to_string(milli / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
  }
};
SweepTotals run_schedules(const SimConfig& config, uint64_t first_seed, uint64_t count);

// The `wattle consensus simulate` command line that replays `seed` alone.
std::string replay_command(const SimConfig& config, uint64_t seed);

}  // namespace wattle::cluster_sim
