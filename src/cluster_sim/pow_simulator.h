// The PoW cluster simulator (docs/consensus.md, "Proof of work: simulation"):
// N PowEngines (the code a PoW node runs) in one process, mining for real
// (easy targets) over a seeded network with loss, partitions that heal and
// crashes, each miner with its own hash power.
//
// One schedule = one seed. Each miner finds blocks as a Poisson process
// whose mean interval is target_block_ms x (work of its next block / work of
// the initial target) / its share of the hash power, redrawn whenever its tip
// changes (memoryless, so redrawing is exact). Faults happen while the first
// blocks - converge_blocks blocks are mined; then the network heals (loss
// stops, partitions end, crashed miners restart from their stored chain and
// ask peers for headers), converge_blocks more blocks are mined, mining stops
// and the network drains. If honest miners then sit on different tips of
// equal work (a tie only a next block breaks), one more block is mined and
// the network drains again, at most kMaxTieBreaks times (tie_break_blocks).
//
// Checked (each a violation kind in PowScheduleResult):
//  convergence  after the drain (and tie breaks) every honest miner has the
//               same tip, and no published block has more chain work;
//  finality     no honest miner ever disconnects a block that was
//               finality_depth deep on its chain (all miners honest, at
//               least 3 of them so that one crash or a partition leaves a
//               majority side; partitions last at most kMaxPartitionIntervals
//               block intervals; with a selfish miner, whose lead reaches the
//               depth with a small probability, or 2 miners, such reverts are
//               counted instead: counted_finality_reverts);
//  refusals     honest miners never refuse each other's blocks or headers.
// With attacker_share_pct > 0, miner 0 is a selfish miner (Eyal & Sirer
// 2014, pow_selfish.h) and the result reports its share of the main chain.
//
// Determinism: all randomness comes from Prng(seed) in program order; events
// leave the queue in (time, sequence) order; the trace hash replays from the
// seed and config alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/pow/mutation.h"
#include "core/hash.h"
#include "core/status.h"

namespace wattle::cluster_sim {

inline constexpr uint64_t kMaxPartitionIntervals = 3;
inline constexpr uint32_t kMaxTieBreaks = 5;

struct PowSimConfig {
  uint32_t miners = 4;
  std::vector<uint64_t> powers;  // hash power per miner; empty: all equal
  uint32_t loss_percent = 0;     // message loss before healing, integer percent
  bool partitions = false;
  bool crashes = false;
  uint32_t blocks = 40;             // blocks mined in a schedule
  uint32_t converge_blocks = 6;     // of which mined after the network heals
  uint32_t finality_depth = 10;     // depth at which a block must never be reverted
  uint64_t block_ms = 1000;         // target block interval
  uint32_t attacker_share_pct = 0;  // > 0: miner 0 mines selfishly with this share
  consensus::pow::PowMutation mutation = consensus::pow::PowMutation::kNone;
};

// kInvalidArgument with a message for the user: 1..64 miners, powers count
// and positivity, loss 0..100, converge_blocks 1..blocks-1, attacker share 0..99.
Status validate_pow_config(const PowSimConfig& config);

struct PowScheduleResult {
  uint64_t seed = 0;
  uint32_t convergence_failures = 0;
  uint32_t finality_violations = 0;
  uint32_t refusals = 0;
  uint64_t blocks_mined = 0;       // published blocks (an attacker's withheld ones excluded)
  uint64_t main_chain_blocks = 0;  // height of the final common tip
  uint64_t reorgs = 0;             // tip changes that disconnected blocks, over honest miners
  uint64_t max_reorg_depth = 0;
  uint64_t attacker_main_blocks = 0;  // main-chain blocks mined by the selfish miner
  uint64_t hashes = 0;                // nonces tried by all miners
  uint64_t messages = 0;
  uint64_t tie_break_blocks = 0;  // blocks mined after `blocks` to break a final tie
  // finality_depth-deep blocks reverted where that is not a violation (a
  // selfish miner, or 2 miners), per honest miner that reverted one
  uint64_t counted_finality_reverts = 0;
  std::vector<std::string> violations;
  Hash256 trace_hash;
  bool failed() const { return convergence_failures + finality_violations + refusals > 0; }
};

PowScheduleResult run_pow_schedule(const PowSimConfig& config, uint64_t seed);

struct PowSweepTotals {
  uint64_t schedules = 0;
  uint64_t convergence_failed = 0;
  uint64_t finality_failed = 0;
  uint64_t refusal_failed = 0;
  uint64_t blocks_mined = 0;
  uint64_t main_chain_blocks = 0;
  uint64_t reorgs = 0;
  uint64_t max_reorg_depth = 0;
  uint64_t attacker_main_blocks = 0;
  uint64_t hashes = 0;
  uint64_t messages = 0;
  uint64_t tie_break_blocks = 0;
  uint64_t counted_finality_reverts = 0;
  std::optional<PowScheduleResult> first_failure;
  bool failed() const { return first_failure.has_value(); }
};
PowSweepTotals run_pow_schedules(const PowSimConfig& config, uint64_t first_seed, uint64_t count);

// The `wattle consensus simulate --engine pow` command line that replays `seed`.
std::string pow_replay_command(const PowSimConfig& config, uint64_t seed);

// Eyal & Sirer's relative revenue of a selfish miner with hash share alpha
// when honest miners pick the attacker's block in a tie with probability
// gamma (their equation (8)); for comparison output only.
double eyal_sirer_share(double alpha, double gamma);

}  // namespace wattle::cluster_sim
