// `wattle consensus simulate`: runs the deterministic BFT simulator
// (src/cluster_sim, docs/consensus.md) and prints name=value lines.
// Exit codes: 0 no violation found, 3 a violation was found (after printing
// the failing seed and the command that replays it), 1 bad arguments.
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/strict_int.h"
#include "cluster_sim/pow_simulator.h"
#include "cluster_sim/simulator.h"
#include "core/decimal.h"

namespace wattle::cli {

namespace {

struct SimulateArgs {
  uint32_t validators = 4;
  std::string powers;
  uint32_t byzantine = 0;
  uint64_t schedules = 100;
  uint64_t seed = 1;
  uint32_t loss = 0;
  bool partitions = false;
  bool crashes = false;
  uint32_t heights = 3;
  std::string mutation = "none";
  std::string adversary = "random";
  std::string trace_path;
  bool full = false;
  uint32_t txs = 40;
  std::string consensus = "single";
  std::optional<uint32_t> candidates;  // default: SimConfig's
  std::string engine = "bft";
  uint32_t blocks = 40;
  uint32_t converge_blocks = 6;
  uint32_t finality_depth = 10;
  std::string attacker_share = "0";
};

std::vector<uint64_t> parse_powers(const std::string& text) {
  std::vector<uint64_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    // Strict decimal: " 1", "+1", "0x10" are refused, not reinterpreted.
    auto v = parse_decimal(item, 0, UINT64_MAX);
    if (!v)
      throw UserError("--powers must be a comma-separated list of positive integers, got \"" +
                      text + "\": " + v.status().message());
    out.push_back(*v);
  }
  return out;
}

// "0", "0.3", "0.25" -> percent; anything else (1, .3, 0.333, 3e-1) refused.
uint32_t parse_share(const std::string& text) {
  const bool ok =
      text == "0" || (text.size() >= 3 && text.size() <= 4 && text.rfind("0.", 0) == 0 &&
                      text.find_first_not_of("0123456789", 2) == std::string::npos);
  if (!ok)
    throw UserError("--attacker-share must be 0 or 0.N / 0.NN (e.g. 0.3), got \"" + text + "\"");
  if (text == "0") return 0;
  const uint32_t digits = static_cast<uint32_t>(std::stoul(text.substr(2)));
  return text.size() == 3 ? digits * 10 : digits;
}

std::string fraction(uint64_t num, uint64_t den) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(4);
  out << (den ? double(num) / double(den) : 0.0);
  return out.str();
}

// `--engine pow`: the PoW simulator (cluster_sim/pow_simulator.h).
void run_pow_simulate(const SimulateArgs& a) {
  using namespace cluster_sim;
  PowSimConfig c;
  c.miners = a.validators;
  if (!a.powers.empty()) c.powers = parse_powers(a.powers);
  c.loss_percent = a.loss;
  c.partitions = a.partitions;
  c.crashes = a.crashes;
  c.blocks = a.blocks;
  c.converge_blocks = a.converge_blocks;
  c.finality_depth = a.finality_depth;
  c.attacker_share_pct = parse_share(a.attacker_share);
  if (a.byzantine != 0 || a.full)
    throw UserError("--byzantine and --full are BFT options; PoW uses --attacker-share");
  auto mutation = consensus::pow::parse_pow_mutation(a.mutation);
  if (!mutation)
    throw UserError("unknown --mutation \"" + a.mutation + "\" for --engine pow (" +
                    consensus::pow::pow_mutation_names() + ")");
  c.mutation = *mutation;
  if (Status st = validate_pow_config(c); !st) throw UserError(st.message());
  if (a.schedules == 0) throw UserError("--schedules must be at least 1");

  const auto start = std::chrono::steady_clock::now();
  PowSweepTotals t = run_pow_schedules(c, a.seed, a.schedules);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "schedules=" << t.schedules << "\n"
            << "convergence_failures=" << t.convergence_failed << "\n"
            << "finality_violations=" << t.finality_failed << "\n"
            << "refusals=" << t.refusal_failed << "\n"
            << "converge_blocks=" << c.converge_blocks << "\n"
            << "finality_depth=" << c.finality_depth << "\n"
            << "blocks_mined=" << t.blocks_mined << "\n"
            << "main_chain_blocks=" << t.main_chain_blocks << "\n"
            << "stale_rate="
            << fraction(t.blocks_mined - std::min(t.blocks_mined, t.main_chain_blocks),
                        t.blocks_mined)
            << "\n"
            << "reorgs=" << t.reorgs << "\n"
            << "max_reorg_depth=" << t.max_reorg_depth << "\n"
            << "hashes=" << t.hashes << "\n"
            << "messages=" << t.messages << "\n"
            << "tie_break_blocks=" << t.tie_break_blocks << "\n"
            << "counted_finality_reverts=" << t.counted_finality_reverts << "\n"
            << "schedules_per_s=" << (secs > 0 ? double(t.schedules) / secs : 0.0) << "\n";
  if (c.attacker_share_pct > 0) {
    const double alpha = c.attacker_share_pct / 100.0;
    std::cout << "attacker_share=" << fraction(c.attacker_share_pct, 100) << "\n"
              << "selfish_share=" << fraction(t.attacker_main_blocks, t.main_chain_blocks) << "\n"
              << "eyal_sirer_share_gamma0=" << eyal_sirer_share(alpha, 0.0) << "\n"
              << "eyal_sirer_share_gamma05=" << eyal_sirer_share(alpha, 0.5) << "\n";
  }
  const PowScheduleResult traced =
      run_pow_schedule(c, t.failed() ? t.first_failure->seed : a.seed + a.schedules - 1);
  std::cout << "trace_hash=" << traced.trace_hash.hex() << "\n";
  if (t.failed()) {
    std::cout << "failing_seed=" << t.first_failure->seed << "\n"
              << "replay=" << pow_replay_command(c, t.first_failure->seed) << "\n";
    for (const auto& v : t.first_failure->violations) std::cerr << "violation: " << v << "\n";
    throw ExitCode{3};
  }
}

void run_simulate(const SimulateArgs& a) {
  using namespace cluster_sim;
  if (a.engine == "pow") return run_pow_simulate(a);
  if (a.engine != "bft") throw UserError("unknown --engine \"" + a.engine + "\" (bft, pow)");
  SimConfig c;
  c.validators = a.validators;
  if (!a.powers.empty()) c.powers = parse_powers(a.powers);
  c.byzantine = a.byzantine;
  c.loss_percent = a.loss;
  c.partitions = a.partitions;
  c.crashes = a.crashes;
  c.heights = a.heights;
  c.full = a.full;
  c.txs = a.txs;
  auto staking = modules::parse_consensus(a.consensus);
  if (!staking) throw UserError("unknown --consensus \"" + a.consensus + "\" (single, pos, dpos)");
  c.staking = *staking;
  if (a.candidates) {
    if (!c.staked()) throw UserError("--candidates needs --full --consensus pos|dpos");
    c.candidates = *a.candidates;
  }
  auto mutation = consensus::bft::parse_mutation(a.mutation);
  if (!mutation)
    throw UserError("unknown --mutation \"" + a.mutation + "\" (" +
                    consensus::bft::mutation_names() + ")");
  c.mutation = *mutation;
  auto adversary = parse_adversary(a.adversary);
  if (!adversary)
    throw UserError("unknown --adversary \"" + a.adversary + "\" (" + adversary_names() + ")");
  c.adversary = *adversary;
  if (Status st = validate_config(c); !st) throw UserError(st.message());
  if (a.schedules == 0) throw UserError("--schedules must be at least 1");

  const auto start = std::chrono::steady_clock::now();
  SweepTotals t = run_schedules(c, a.seed, a.schedules);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << "schedules=" << t.schedules << "\n"
            << "safety_violations=" << t.safety_failed << "\n"
            << "certificate_violations=" << t.certificate_failed << "\n"
            << "equivocations=" << t.equivocation_failed << "\n"
            << "evidence_violations=" << t.evidence_failed << "\n"
            << "liveness_failures=" << t.liveness_failed << "\n"
            << "heights_committed=" << t.heights << "\n"
            << "mean_rounds_per_height=" << t.mean_rounds_per_height() << "\n"
            << "messages=" << t.messages << "\n"
            << "evidence_found=" << t.evidence_found << "\n"
            << "schedules_per_s=" << (secs > 0 ? double(t.schedules) / secs : 0.0) << "\n"
            << "unjustified_votes=" << t.unjustified_failed << "\n"
            << "lock_violations=" << t.lock_failed << "\n";
  if (c.full)
    std::cout << "state_divergences=" << t.divergence_failed << "\n"
              << "conservation_violations=" << t.conservation_failed << "\n"
              << "certificate_identity_violations=" << t.certificate_identity_failed << "\n"
              << "txs_committed=" << t.txs_committed << "\n"
              << "cert_txs_committed=" << t.cert_txs_committed << "\n"
              << "cert_wh_issued=" << t.cert_wh_issued << "\n"
              << "evidence_committed=" << t.evidence_committed << "\n";
  if (c.staked())
    std::cout << "validator_set_divergences=" << t.validator_set_failed << "\n"
              << "stake_conservation_violations=" << t.stake_conservation_failed << "\n"
              << "evidence_slash_violations=" << t.evidence_slash_failed << "\n"
              << "staking_txs_committed=" << t.staking_txs_committed << "\n"
              << "set_changes=" << t.set_changes << "\n"
              << "slashes=" << t.slashes << "\n"
              << "candidate_joins=" << t.candidate_joins << "\n"
              << "candidate_leaves=" << t.candidate_leaves << "\n"
              << "candidate_signed_commits=" << t.candidate_signed_commits << "\n"
              << "candidate_blocks=" << t.candidate_blocks << "\n";

  // The schedule whose trace is written: the first failing one, else the last.
  std::optional<ScheduleResult> traced;
  if (!a.trace_path.empty() || t.failed()) {
    c.record_trace = true;
    traced = run_schedule(c, t.failed() ? t.first_failure->seed : a.seed + a.schedules - 1);
    std::cout << "trace_hash=" << traced->trace_hash.hex() << "\n";
  }
  if (!a.trace_path.empty()) {
    std::ofstream out(a.trace_path, std::ios::binary);
    out << traced->trace;
    if (!out) throw UserError("cannot write --trace file " + a.trace_path);
  }
  if (t.failed()) {
    const ScheduleResult& f = *t.first_failure;
    std::cout << "failing_seed=" << f.seed << "\n"
              << "replay=" << replay_command(c, f.seed) << "\n";
    for (const auto& v : f.violations) std::cerr << "violation: " << v << "\n";
    throw ExitCode{3};
  }
}

}  // namespace

void register_consensus_commands(CLI::App& app) {
  auto* consensus = app.add_subcommand("consensus", "Consensus tools (BFT and PoW)");
  consensus->require_subcommand(1);
  auto* sim = consensus->add_subcommand(
      "simulate",
      "Run the deterministic BFT simulator over random fault schedules; prints name=value lines. "
      "Exit 0: no violation, 3: violation found (seed and replay command printed), 1: bad "
      "arguments");
  static SimulateArgs args;
  sim->add_option("--validators", args.validators, "Number of validators (1-64)")
      ->required()
      ->transform(decimal_in(0, UINT32_MAX));
  sim->add_option("--powers", args.powers,
                  "Voting powers, comma-separated, one per validator (default: all 1)");
  sim->add_option("--byzantine", args.byzantine,
                  "Byzantine validators, picked at random per schedule; the B largest powers "
                  "must stay below 1/3 of the total")
      ->transform(decimal_in(0, UINT32_MAX));
  sim->add_option("--schedules", args.schedules, "Number of schedules (seeds SEED, SEED+1, ...)")
      ->transform(decimal_in(0, UINT64_MAX));
  sim->add_option("--seed", args.seed, "Seed of the first schedule")
      ->transform(decimal_in(0, UINT64_MAX));
  sim->add_option("--loss", args.loss,
                  "Message loss before the network heals, in integer PERCENT 0-100 (e.g. 10)")
      ->transform(decimal_in(0, UINT32_MAX));
  sim->add_flag("--partitions", args.partitions, "Partitions form and heal before GST");
  sim->add_flag("--crashes", args.crashes,
                "Honest validators crash and restart from persisted state before GST");
  sim->add_option("--heights", args.heights,
                  "Heights every honest validator must commit (at least one after GST)")
      ->transform(decimal_in(0, UINT32_MAX));
  sim->add_option("--mutation", args.mutation,
                  "Switch on a deliberate engine bug the checks must catch: " +
                      consensus::bft::mutation_names());
  sim->add_option("--adversary", args.adversary,
                  "Strategy of every Byzantine validator: " + cluster_sim::adversary_names() +
                      " (random: drawn per schedule)");
  sim->add_flag("--full", args.full,
                "Whole replicas: each honest validator runs the node's host, ledger application "
                "and an in-memory RocksDB store; random signed transfers and an energy community's "
                "meter readings and certificate txs; adds state_divergences=, "
                "conservation_violations=, certificate_identity_violations=, txs_committed=, "
                "cert_txs_committed=, cert_wh_issued=");
  sim->add_option("--txs", args.txs,
                  "With --full: txs submitted per schedule (half transfers, half community txs)")
      ->capture_default_str()
      ->transform(decimal_in(0, 10000));
  sim->add_option("--consensus", args.consensus,
                  "With --full: single (default, fixed set), pos or dpos: a staked genesis and "
                  "random staking txs that change the set; adds validator_set_divergences=, "
                  "stake_conservation_violations=, evidence_slash_violations=, "
                  "staking_txs_committed=, set_changes=, slashes=, candidate_joins=, "
                  "candidate_leaves=, candidate_signed_commits=, candidate_blocks=")
      ->capture_default_str();
  auto* candidates = sim->add_option(
      "--candidates", args.candidates,
      "With --consensus pos|dpos: replicas outside the genesis set (0-4) that join by "
      "create-validator at a seeded time and sometimes unbond out again (default 1)");
  candidates->transform(decimal_in(0, UINT32_MAX));
  sim->add_option("--engine", args.engine,
                  "Consensus engine: bft (default) or pow (Nakamoto: miners with --powers as "
                  "hash power; adds --blocks, --converge-blocks, --finality-depth, "
                  "--attacker-share; prints convergence_failures=, finality_violations=, "
                  "selfish_share=)")
      ->capture_default_str();
  sim->add_option("--blocks", args.blocks, "With --engine pow: blocks mined per schedule")
      ->capture_default_str()
      ->transform(decimal_in(0, UINT32_MAX));
  sim->add_option("--converge-blocks", args.converge_blocks,
                  "With --engine pow: blocks mined after the network heals, within which every "
                  "honest miner must converge on the heaviest chain")
      ->capture_default_str()
      ->transform(decimal_in(0, UINT32_MAX));
  sim->add_option("--finality-depth", args.finality_depth,
                  "With --engine pow: depth at which no block may be reverted (honest majority)")
      ->capture_default_str()
      ->transform(decimal_in(0, UINT32_MAX));
  sim->add_option("--attacker-share", args.attacker_share,
                  "With --engine pow: hash-power share of a selfish miner (miner 0), e.g. 0.3; "
                  "prints selfish_share= and Eyal & Sirer's expected share")
      ->capture_default_str();
  sim->add_option("--trace", args.trace_path,
                  "Write the event trace of the first failing (else the last) schedule here");
  sim->callback([] { run_simulate(args); });
}

}  // namespace wattle::cli
