#include "cluster_sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <vector>

#include "chain/test_hooks.h"
#include "cluster_sim/adversary.h"
#include "cluster_sim/checker.h"
#include "cluster_sim/cluster.h"
#include "cluster_sim/message_text.h"
#include "cluster_sim/network.h"
#include "cluster_sim/world.h"
#include "consensus/bft/test_hooks.h"

// The driver (docs/consensus.md), the part TigerBeetle calls the VOPR: it plans one
// schedule from its seed, runs its events in order, dispatching each to the
// part of the world it concerns (network.h, cluster.h, adversary.h), with
// checker.h watching, and reports the result.

namespace wattle::cluster_sim {

using namespace consensus;
using namespace consensus::bft;

namespace {
constexpr uint64_t kMaxVirtualMsAfterGst = 600'000;
}  // namespace

uint32_t liveness_round_bound(uint32_t validators, uint64_t post_gst_delay_ms) {
  // The usual post-GST delays (<= 20 ms) keep the bound of the old fault
  // model, 2n + 4, which the worst of the CI schedules stays well within.
  if (post_gst_delay_ms <= kPostGstMaxDelayMs) return 2 * validators + 4;
  // Slower networks: plus the rounds until every base timeout, growing by
  // its delta per round, is at least four delays (integer ceiling).
  const TimeoutConfig t = sim_timeouts();
  uint64_t growth = 0;
  for (auto [base, delta] :
       {std::pair{t.propose_ms, t.propose_delta_ms}, std::pair{t.prevote_ms, t.prevote_delta_ms},
        std::pair{t.precommit_ms, t.precommit_delta_ms}}) {
    const uint64_t need = 4 * post_gst_delay_ms;
    if (need > base) growth = std::max(growth, (need - base + delta - 1) / delta);
  }
  return 2 * validators + 4 + static_cast<uint32_t>(growth);
}

Status validate_config(const SimConfig& c) {
  if (mutation_layer(c.mutation) == MutationInfo::Layer::kApp && !c.full)
    return Status(Code::kInvalidArgument,
                  fmt::format("--mutation {} is an application mutation: it needs --full",
                              mutation_name(c.mutation)));
  if (c.staking != modules::ConsensusKind::kSingle && !c.full)
    return Status(Code::kInvalidArgument, "--consensus pos|dpos needs --full");
  if (c.staking == modules::ConsensusKind::kPoa)
    return Status(Code::kInvalidArgument, "the simulator stakes with pos or dpos, not poa");
  if (c.staked() && !c.powers.empty())
    return Status(Code::kInvalidArgument,
                  "--powers is for a fixed set; a staked chain's powers come from its stake");
  if (is_staking_mutation(c.mutation) && !c.staked())
    return Status(Code::kInvalidArgument,
                  fmt::format("--mutation {} is a staking mutation: it needs --consensus pos|dpos",
                              mutation_name(c.mutation)));
  if (c.candidates > kMaxCandidates)
    return Status(Code::kInvalidArgument,
                  fmt::format("--candidates must be between 0 and {}", kMaxCandidates));
  if (c.full && c.steady)
    return Status(Code::kInvalidArgument, "full mode has no steady (benchmark) runs");
  if (c.validators < 1 || c.validators > 64)
    return Status(Code::kInvalidArgument, "--validators must be between 1 and 64");
  if (c.nodes() > 64)
    return Status(Code::kInvalidArgument, "validators and candidates together must be at most 64");
  if (!c.powers.empty() && c.powers.size() != c.validators)
    return Status(Code::kInvalidArgument, fmt::format("--powers lists {} powers for {} validators",
                                                      c.powers.size(), c.validators));
  std::vector<uint64_t> powers = c.powers;
  if (powers.empty()) powers.assign(c.validators, 1);
  uint64_t total = 0;
  for (uint64_t p : powers) {
    if (p == 0 || p > 1'000'000)
      return Status(Code::kInvalidArgument, "every power must be between 1 and 1000000");
    total += p;
  }
  if (c.loss_percent > 100)
    return Status(Code::kInvalidArgument, "--loss is a percentage between 0 and 100");
  if (c.heights < 1 || c.heights > 1000)
    return Status(Code::kInvalidArgument, "--heights must be between 1 and 1000");
  if (c.byzantine > c.validators)
    return Status(Code::kInvalidArgument, "--byzantine exceeds --validators");
  std::sort(powers.rbegin(), powers.rend());
  uint64_t byz = 0;
  for (uint32_t i = 0; i < c.byzantine; ++i) byz += powers[i];
  if (3 * byz >= total)
    return Status(Code::kInvalidArgument,
                  fmt::format("{} Byzantine validators can hold {} of {} voting power; Tendermint "
                              "tolerates strictly less than one third (at most {})",
                              c.byzantine, byz, total, (total - 1) / 3));
  return Status::ok();
}

std::string replay_command(const SimConfig& c, uint64_t seed) {
  std::string cmd = fmt::format("wattle consensus simulate --validators {}", c.validators);
  if (!c.powers.empty()) {
    std::string p;
    for (size_t i = 0; i < c.powers.size(); ++i) p += (i ? "," : "") + std::to_string(c.powers[i]);
    cmd += " --powers " + p;
  }
  cmd += fmt::format(" --byzantine {} --schedules 1 --seed {} --heights {}", c.byzantine, seed,
                     c.heights);
  if (c.loss_percent) cmd += fmt::format(" --loss {}", c.loss_percent);
  if (c.partitions) cmd += " --partitions";
  if (c.crashes) cmd += " --crashes";
  if (c.mutation != Mutation::kNone)
    cmd += fmt::format(" --mutation {}", mutation_name(c.mutation));
  if (c.adversary != Adversary::kRandom)
    cmd += fmt::format(" --adversary {}", adversary_name(c.adversary));
  if (c.full) cmd += fmt::format(" --full --txs {}", c.txs);
  if (c.staked()) cmd += fmt::format(" --consensus {}", modules::consensus_name(c.staking));
  if (c.staked() && c.candidates != 1) cmd += fmt::format(" --candidates {}", c.candidates);
  return cmd + " --trace trace.txt";
}

// One schedule. A class (not a function) because it is TestHooks' and
// AppTestHooks' friend: the only place that can switch on a mutation. It
// owns the parts of the world; each holds references to the others it talks
// to (bound here before they are constructed, used only once all are).
class Simulator {
 public:
  Simulator(const SimConfig& config, uint64_t seed)
      : world_(config, seed),
        hooks_(config.mutation),
        network_(world_, checker_),
        checker_(world_, cluster_),
        cluster_(world_, network_, checker_, adversaries_, hooks_, app_hooks_),
        adversaries_(world_, cluster_, network_) {}

  ScheduleResult run();

 private:
  void plan();
  void plan_faults();
  void step(Event& e);
  void deliver(const Event& e);
  void on_gst();
  bool done() const;
  // Whether the run must end before the next event (budget spent).
  bool out_of_budget();

  World world_;
  TestHooks hooks_;
  std::vector<chain::AppTestHooks> app_hooks_;  // one per validator (local values differ)
  Network network_;
  Checker checker_;
  Cluster cluster_;
  Adversaries adversaries_;
  uint64_t target_heights_ = 0;
};

void Simulator::plan() {
  const SimConfig& config = world_.config;
  cluster_.create();
  // nondeterministic-exec: replica i's own min_balance (1000 * (i + 1)).
  if (config.full)
    for (uint32_t i = 0; i < config.nodes(); ++i)
      app_hooks_.push_back(chain::AppTestHooks(config.mutation == Mutation::kNondeterministicExec,
                                               kMinBalance * (i + 1),
                                               config.mutation == Mutation::kSkipRootCheck));
  adversaries_.choose();
  world_.gst = world_.rng.between(300, 3000);
  if (config.steady) {
    world_.gst = kMaxVirtualMsAfterGst;  // never reached: the run ends when heights are done
    world_.trace("steady");
    return;
  }
  plan_faults();
  Event gst{.kind = EventKind::kGst};
  gst.time = world_.gst;
  world_.push(std::move(gst));
}

// Before GST: slow delays after it, partitions, crashes, and (full mode) the
// submissions, in this order of draws.
void Simulator::plan_faults() {
  const SimConfig& config = world_.config;
  network_.plan_post_gst_delay();
  world_.trace(fmt::format("gst={} post_gst_delay={}", world_.gst, network_.post_gst_delay_ms()));
  if (config.partitions && config.validators > 1) network_.plan_partitions();
  if (config.crashes) cluster_.plan_crashes();
  if (config.full) cluster_.plan_submissions();
  if (config.staked()) cluster_.plan_candidates();
}

void Simulator::on_gst() {
  world_.trace(fmt::format("{} gst", world_.now));
  world_.after_gst = true;
  network_.heal();
  for (NodeIndex i = 0; i < cluster_.size(); ++i)
    if (!cluster_.node(i).alive) cluster_.start(i);
  uint64_t highest = 0;
  for (NodeIndex i = 0; i < cluster_.size(); ++i)
    if (!cluster_.node(i).byzantine)
      highest = std::max<uint64_t>(highest, cluster_.node(i).chain.size());
  checker_.record_gst_rounds();
  target_heights_ = std::max<uint64_t>(world_.config.heights, highest + 1);
}

bool Simulator::done() const {
  const uint64_t target = world_.config.steady ? world_.config.heights : target_heights_;
  if (!world_.config.steady && !world_.after_gst) return false;
  // Full mode runs on for a while after GST (plan_submissions); steady runs
  // have no GST (it is set beyond the run), so the wait is not theirs.
  if (world_.after_gst && world_.now < world_.gst + min_run_after_gst_ms(world_.config))
    return false;
  for (NodeIndex i = 0; i < cluster_.size(); ++i)
    if (!cluster_.node(i).byzantine && cluster_.node(i).chain.size() < target) return false;
  return true;
}

void Simulator::deliver(const Event& e) {
  if (!network_.connected(e.from, e.node) || !cluster_.can_receive(e.node)) {
    world_.trace(fmt::format("{} drop {}->{}", world_.now, e.from, e.node));
    return;
  }
  // The hash covers the exact bytes delivered; the text (when kept) a summary.
  world_.hash_bytes(as_bytes(fmt::format("{} d {} {}", world_.now, e.from, e.node)));
  world_.hash_bytes(e.message);
  if (world_.config.record_trace)
    world_.result.trace +=
        fmt::format("{} deliver {}->{} {}\n", world_.now, e.from, e.node, describe(e.message));
  if (cluster_.node(e.node).byzantine) adversaries_.on_receive(e.node, e.from, e.message);
  cluster_.deliver(e.node, e.from, e.message);
  checker_.check_liveness(e.node, network_.post_gst_delay_ms());
}

void Simulator::step(Event& e) {
  switch (e.kind) {
    case EventKind::kDeliver:
      return deliver(e);
    case EventKind::kTimeout:
      if (cluster_.on_timeout(e)) checker_.check_liveness(e.node, network_.post_gst_delay_ms());
      return;
    case EventKind::kValueReady:
      if (cluster_.on_value_ready(e)) checker_.check_liveness(e.node, network_.post_gst_delay_ms());
      return;
    case EventKind::kCrash:
      return cluster_.crash(e.node);
    case EventKind::kOneWay:
      return network_.on_one_way(e);
    case EventKind::kRestart:
      if (!cluster_.node(e.node).alive) cluster_.start(e.node);
      return;
    case EventKind::kPartition:
      return network_.on_partition(e);
    case EventKind::kGst:
      return on_gst();
    case EventKind::kSubmit:
      return cluster_.submit(e.node);
    case EventKind::kCandidateTx:
      return cluster_.on_candidate_tx(e);
    case EventKind::kSync:
      return cluster_.on_sync(e);
  }
}

bool Simulator::out_of_budget() {
  ScheduleResult& result = world_.result;
  if (++result.events > world_.event_limit) {
    if (result.certificate_violations == 0)
      world_.violation(result.liveness_failures, "liveness: event budget exhausted");
    return true;
  }
  const uint64_t now = world_.now;
  const bool late = world_.config.steady
                        ? now > kMaxVirtualMsAfterGst
                        : world_.after_gst && now > world_.gst + kMaxVirtualMsAfterGst;
  if (late && result.certificate_violations == 0) {
    world_.violation(result.liveness_failures, "liveness: no decision within the time budget");
    return true;
  }
  return false;
}

ScheduleResult Simulator::run() {
  const SimConfig& config = world_.config;
  world_.trace(fmt::format(
      "schedule seed={} validators={} byzantine={} loss={} partitions={} "
      "crashes={} heights={} mutation={}",
      world_.seed, config.validators, config.byzantine, config.loss_percent, config.partitions,
      config.crashes, config.heights, mutation_name(config.mutation)));
  plan();
  for (NodeIndex i = 0; i < cluster_.size(); ++i) cluster_.start(i);
  while (!world_.events.empty() && !world_.stop && !done()) {
    Event e = world_.events.pop();
    cluster_.free_crashed();
    world_.now = e.time;
    if (out_of_budget()) break;
    step(e);
  }
  ScheduleResult& result = world_.result;
  if (!world_.stop && !done() && world_.events.empty() && result.certificate_violations == 0)
    world_.violation(result.liveness_failures, "liveness: nothing left to happen");
  if (config.full) checker_.check_full_end();
  result.virtual_ms = world_.now;
  world_.trace(fmt::format("{} end heights={} messages={}", world_.now, result.heights_committed,
                           result.messages));
  result.trace_hash = world_.finish_trace();
  return std::move(result);
}

ScheduleResult run_schedule(const SimConfig& config, uint64_t seed) {
  assert(validate_config(config).is_ok());
  crypto_init();
  return Simulator(config, seed).run();
}

SweepTotals run_schedules(const SimConfig& config, uint64_t first_seed, uint64_t count) {
  SweepTotals t;
  for (uint64_t i = 0; i < count; ++i) {
    ScheduleResult r = run_schedule(config, first_seed + i);
    ++t.schedules;
    t.safety_failed += r.safety_violations > 0;
    t.certificate_failed += r.certificate_violations > 0;
    t.equivocation_failed += r.equivocations > 0;
    t.unjustified_failed += r.unjustified_votes > 0;
    t.lock_failed += r.lock_violations > 0;
    t.evidence_failed += r.evidence_violations > 0;
    t.liveness_failed += r.liveness_failures > 0;
    t.divergence_failed += r.state_divergences > 0;
    t.conservation_failed += r.conservation_violations > 0;
    t.certificate_identity_failed += r.certificate_identity_violations > 0;
    t.validator_set_failed += r.validator_set_divergences > 0;
    t.stake_conservation_failed += r.stake_conservation_violations > 0;
    t.evidence_slash_failed += r.evidence_slash_violations > 0;
    t.staking_txs_committed += r.staking_txs_committed;
    t.set_changes += r.set_changes;
    t.slashes += r.slashes;
    t.candidate_joins += r.candidate_joins;
    t.candidate_leaves += r.candidate_leaves;
    t.candidate_signed_commits += r.candidate_signed_commits;
    t.candidate_blocks += r.candidate_blocks;
    t.txs_committed += r.txs_committed;
    t.cert_txs_committed += r.cert_txs_committed;
    t.cert_wh_issued += r.cert_wh_issued;
    t.evidence_committed += r.evidence_committed;
    t.heights += r.heights_committed;
    t.rounds += r.rounds_total;
    t.messages += r.messages;
    t.evidence_found += r.evidence_found;
    if (r.failed() && !t.first_failure) t.first_failure = std::move(r);
  }
  return t;
}

}  // namespace wattle::cluster_sim
