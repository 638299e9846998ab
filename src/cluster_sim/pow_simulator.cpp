#include "cluster_sim/pow_simulator.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <set>

#include "cluster_sim/events.h"
#include "cluster_sim/pow_selfish.h"
#include "cluster_sim/prng.h"
#include "consensus/pow/miner.h"
#include "consensus/pow/target.h"

namespace wattle::cluster_sim {

using namespace consensus::pow;
using consensus::Broadcast;
using consensus::NodeIndex;
using consensus::Send;

namespace {

constexpr uint64_t kGenesisMs = 1'000'000;
constexpr uint32_t kSimBits = 0x2100ffff;  // about one hash per block at the limit
constexpr uint64_t kPreHealMaxDelayMs = 200;
constexpr uint64_t kPostHealMaxDelayMs = 50;
constexpr uint64_t kMaxEvents = 2'000'000;

enum class Kind : uint8_t { kMine, kDeliver, kCrash, kRestart, kPartition, kTick };
// How often a miner waiting for bodies asks again (the engine's on_tick).
constexpr uint64_t kTickMs = 250;

struct Ev {
  uint64_t time = 0;
  uint64_t seq = 0;
  Kind kind = Kind::kMine;
  NodeIndex node = 0;
  NodeIndex from = 0;
  uint64_t epoch = 0;           // kMine: the miner's epoch it was drawn in
  Bytes message;                // kDeliver
  std::vector<uint8_t> groups;  // kPartition: group per node (all 0: healed)
};
struct Miner {
  std::unique_ptr<PowEngine> engine;
  uint64_t power = 1;
  bool up = true;
  uint64_t epoch = 0;         // bumped on every tip change: older kMine events are stale
  uint64_t final_height = 0;  // highest height that was finality_depth deep here
  bool tick_pending = false;  // a kTick is queued for this miner
};

PowParams sim_params(const PowSimConfig& c) {
  PowParams p;
  p.target_block_ms = c.block_ms;
  p.retarget_blocks = 10;
  p.initial_bits = p.pow_limit_bits = kSimBits;
  p.max_future_ms = 10 * c.block_ms;
  p.max_orphans = 64;
  p.max_headers = 50;
  p.finality_depth = c.finality_depth;
  return p;
}

PowBlock sim_genesis() {
  PowBlock g;
  g.header.bits = kSimBits;
  g.header.time_ms = kGenesisMs;
  g.header.tx_root = blake2b256(g.body);
  return g;
}

class PowSim {
 public:
  PowSim(const PowSimConfig& c, uint64_t seed)
      : c_(c), params_(sim_params(c)), genesis_(sim_genesis()), rng_(seed) {
    result_.seed = seed;
    for (uint32_t i = 0; i < c.miners; ++i) {
      Miner m;
      m.engine = make_engine();
      m.power = c.powers.empty() ? 1 : c.powers[i];
      miners_.push_back(std::move(m));
    }
    if (c.attacker_share_pct > 0) {
      // Miner 0 holds attacker_share_pct of the total; the rest keep their
      // ratios: honest powers scale by (100 - s), the attacker gets H * s.
      const uint64_t s = c.attacker_share_pct;
      uint64_t honest = 0;
      for (uint32_t i = 1; i < c.miners; ++i) honest += miners_[i].power;
      for (uint32_t i = 1; i < c.miners; ++i) miners_[i].power *= 100 - s;
      miners_[0].power = honest * s;
      selfish_ = std::make_unique<SelfishMiner>(*miners_[0].engine, params_, genesis_);
    }
    for (const Miner& m : miners_) total_power_ += m.power;
    groups_.assign(c.miners, 0);
    work0_ = block_work(*decode_compact(kSimBits));
  }

  PowScheduleResult run() {
    plan_faults();
    for (NodeIndex i = 0; i < c_.miners; ++i) draw_mining(i);
    // Mining stops after `blocks`; if the network then drains with honest
    // miners split between equal-work tips (a tie only the next block can
    // break), one more block is mined, up to kMaxTieBreaks times.
    uint64_t events = 0;
    for (uint32_t round = 0;; ++round) {
      while (!queue_.empty() && events++ < kMaxEvents) {
        Ev e = queue_.pop();
        now_ = e.time;
        trace_.update(as_bytes(fmt::format("{} {} {} {};", e.time, int(e.kind), e.node, e.from)));
        dispatch(e);
      }
      if (honest_tips_agree() || round == kMaxTieBreaks || events >= kMaxEvents) break;
      ++result_.tie_break_blocks;
      tie_breaking_ = true;  // honest miners only: a selfish miner would keep the tie alive
      stopped_ = false;
      stop_at_ = mined_ + 1;
      for (NodeIndex i = 0; i < c_.miners; ++i) draw_mining(i);
    }
    check_convergence();
    result_.trace_hash = trace_.finish();
    return std::move(result_);
  }

 private:
  std::unique_ptr<PowEngine> make_engine() const {
    return std::make_unique<PowEngine>(params_, genesis_, consensus::blake2b_value_hasher(),
                                       c_.mutation);
  }
  bool attacker(NodeIndex i) const { return selfish_ && i == 0; }
  uint64_t now_ms() const { return kGenesisMs + now_; }
  void push(Ev e) { queue_.push(std::move(e)); }
  void violation(uint32_t& counter, std::string text) {
    ++counter;
    if (result_.violations.size() < 5) result_.violations.push_back(std::move(text));
  }

  void plan_faults() {
    const uint64_t window = uint64_t(c_.blocks - c_.converge_blocks) * c_.block_ms;
    if (c_.partitions)
      for (uint64_t k = rng_.between(1, 2); k > 0; --k) {
        Ev split{rng_.below(window), 0, Kind::kPartition};
        split.groups.resize(c_.miners);
        for (auto& g : split.groups) g = static_cast<uint8_t>(rng_.below(2));
        if (c_.miners > 1) {  // both sides non-empty: miner 0 on one, another on the other
          split.groups[0] = 0;
          split.groups[1 + rng_.below(c_.miners - 1)] = 1;
        }
        Ev join{split.time + rng_.between(c_.block_ms / 2, kMaxPartitionIntervals * c_.block_ms), 0,
                Kind::kPartition};
        join.groups.assign(c_.miners, 0);
        push(std::move(split));
        push(std::move(join));
      }
    if (c_.crashes)
      for (uint64_t k = rng_.between(1, 2); k > 0; --k) {
        const NodeIndex first_honest = selfish_ ? 1 : 0;
        const NodeIndex i = first_honest + rng_.below(c_.miners - first_honest);
        const uint64_t at = rng_.below(window);
        push(Ev{at, 0, Kind::kCrash, i});
        push(Ev{at + rng_.between(c_.block_ms, 3 * c_.block_ms), 0, Kind::kRestart, i});
      }
  }

  // Exponential waiting time for miner i's next block on its current tip.
  void draw_mining(NodeIndex i) {
    Miner& m = miners_[i];
    ++m.epoch;
    if (!m.up || stopped_ || m.power == 0 || (tie_breaking_ && attacker(i))) return;
    const uint32_t bits = m.engine->tree().next_bits(m.engine->tip());
    const U256 work = block_work(*decode_compact(bits));
    // Work ratios stay small (retargets move x4 per window): low 64 bits suffice.
    const double mean = double(c_.block_ms) * double(work.low64()) / double(work0_.low64()) *
                        double(total_power_) / double(m.power);
    const double u = double(rng_.next() >> 11) * 0x1.0p-53;
    const uint64_t delay = 1 + static_cast<uint64_t>(-mean * std::log1p(-u));
    push(Ev{now_ + delay, 0, Kind::kMine, i, i, m.epoch});
  }

  void dispatch(Ev& e) {
    switch (e.kind) {
      case Kind::kMine:
        return on_mine(e.node, e.epoch);
      case Kind::kDeliver:
        return on_deliver(e);
      case Kind::kCrash:
        if (!healed_) miners_[e.node].up = false;
        return;
      case Kind::kRestart:
        return restart(e.node);
      case Kind::kPartition:
        if (!healed_) groups_ = e.groups;
        return;
      case Kind::kTick: {
        Miner& m = miners_[e.node];
        m.tick_pending = false;
        if (m.up) handle(e.node, m.engine->on_tick(now_ms()), false);
        maybe_tick(e.node);
        return;
      }
    }
  }

  void on_mine(NodeIndex i, uint64_t epoch) {
    Miner& m = miners_[i];
    if (stopped_ || !m.up || epoch != m.epoch) return;
    PowBlock b;
    const std::string label = fmt::format("miner {} block {}", i, mined_);
    b.body.assign(label.begin(), label.end());
    const Hash256 root = blake2b256(b.body);
    PowHeader h = attacker(i) ? selfish_->next_header(root, now_ms())
                              : m.engine->next_header(root, {}, now_ms());
    MineResult r = mine(h, rng_.next(), 1ull << 32);
    result_.hashes += r.hashes;
    b.header = *r.solved;
    ++mined_;
    if (attacker(i)) {
      attacker_blocks_.insert(b.header.hash());
      publish(selfish_->on_own_block(b, now_ms()));
      draw_mining(i);
    } else {
      ++result_.blocks_mined;
      handle(i, m.engine->on_mined(b, now_ms()), false);
    }
    note_work(*m.engine, b.header.hash());
    if (!healed_ && mined_ >= c_.blocks - c_.converge_blocks) heal();
    if (mined_ >= stop_at_) stopped_ = true;
  }

  // The heaviest block any honest miner could know of (withheld blocks excluded).
  void note_work(const PowEngine& engine, const Hash256& hash) {
    if (const TreeEntry* e = engine.tree().find(hash); e && e->chainwork > max_work_)
      max_work_ = e->chainwork;
  }

  void publish(const std::vector<PowBlock>& blocks) {
    for (const PowBlock& b : blocks) {
      ++result_.blocks_mined;
      handle(0, miners_[0].engine->on_mined(b, now_ms()), false);
      note_work(*miners_[0].engine, b.header.hash());
      const Bytes msg = encode_message(BlockMsg{b});
      for (NodeIndex j = 1; j < c_.miners; ++j) send(0, j, msg);
    }
  }

  // Ticks run only while a miner waits for bodies, so the queue still drains.
  void maybe_tick(NodeIndex i) {
    Miner& m = miners_[i];
    if (m.up && !m.tick_pending && m.engine->bodies_pending()) {
      m.tick_pending = true;
      push(Ev{now_ + kTickMs, 0, Kind::kTick, i});
    }
  }

  void on_deliver(const Ev& e) {
    Miner& m = miners_[e.node];
    if (!m.up) return;
    trace_.update(e.message);
    if (attacker(e.node)) selfish_->observe(e.from, e.message, now_ms());
    handle(e.node, m.engine->on_message(e.from, e.message, now_ms()), true);
    maybe_tick(e.node);
  }

  void handle(NodeIndex i, const PowActions& actions, bool incoming) {
    for (const PowAction& a : actions)
      std::visit(consensus::ActionHandlers{
                     [&](const Broadcast& b) {
                       for (NodeIndex j = 0; j < c_.miners; ++j)
                         if (j != i) send(i, j, b.message);
                     },
                     [&](const Send& s) { send(i, s.to, s.message); },
                     [&](const TipChanged& t) { on_tip(i, t, incoming); },
                     [&](const PeerMisbehaved& p) {
                       violation(result_.refusals,
                                 fmt::format("miner {} refused a message from miner {}: {}", i,
                                             p.peer, refusal_name(p.reason)));
                     }},
                 a);
  }

  void on_tip(NodeIndex i, const TipChanged& t, bool incoming) {
    Miner& m = miners_[i];
    const uint64_t height = m.engine->tip().header.height;
    if (!attacker(i)) {
      if (t.depth() > 0) {
        ++result_.reorgs;
        result_.max_reorg_depth = std::max<uint64_t>(result_.max_reorg_depth, t.depth());
      }
      if (t.depth() > 0 && t.fork_height + 1 <= m.final_height) {
        // Finality is only probabilistic against a selfish miner (its lead
        // reaches finality_depth with probability about (a/(1-a))^depth), and
        // with 2 miners, where a crash or a partition leaves no majority
        // side: there reverts are counted, not failed.
        if (selfish_ || c_.miners < 3)
          ++result_.counted_finality_reverts;
        else
          violation(result_.finality_violations,
                    fmt::format("miner {} reverted height {} which was {} deep (reorg depth {})", i,
                                t.fork_height + 1, c_.finality_depth, t.depth()));
      }
      if (height + 1 > c_.finality_depth)
        m.final_height = std::max(m.final_height, height + 1 - c_.finality_depth);
    } else if (incoming) {
      publish(selfish_->on_public_tip());
    }
    draw_mining(i);
  }

  void send(NodeIndex from, NodeIndex to, const Bytes& msg) {
    ++result_.messages;
    if (!miners_[from].up || !miners_[to].up) return;
    if (!healed_ && (groups_[from] != groups_[to] || rng_.percent(c_.loss_percent))) return;
    const uint64_t delay = rng_.between(1, healed_ ? kPostHealMaxDelayMs : kPreHealMaxDelayMs);
    push(Ev{now_ + delay, 0, Kind::kDeliver, to, from, 0, msg});
  }

  // A crashed miner restarts from its store: the best chain it had, nothing else.
  void restart(NodeIndex i) {
    Miner& m = miners_[i];
    if (m.up) return;
    std::vector<const TreeEntry*> chain;
    for (const TreeEntry* e = &m.engine->tip(); e->parent; e = e->parent) chain.push_back(e);
    auto fresh = make_engine();
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      (void)fresh->on_message(i, encode_message(BlockMsg{PowBlock{(*it)->header, (*it)->body}}),
                              now_ms());
    m.engine = std::move(fresh);
    m.up = true;
    handle(i, m.engine->sync_request(), false);
    draw_mining(i);
  }

  void heal() {
    healed_ = true;
    groups_.assign(c_.miners, 0);
    for (NodeIndex i = 0; i < c_.miners; ++i) restart(i);
  }

  bool honest_tips_agree() const {
    const NodeIndex first = selfish_ ? 1 : 0;
    for (NodeIndex i = first; i < c_.miners; ++i)
      if (miners_[i].engine->tip().hash != miners_[first].engine->tip().hash) return false;
    return true;
  }

  void check_convergence() {
    const NodeIndex first = selfish_ ? 1 : 0;
    const TreeEntry& tip = miners_[first].engine->tip();
    for (NodeIndex i = first; i < c_.miners; ++i)
      if (miners_[i].engine->tip().hash != tip.hash)
        violation(result_.convergence_failures,
                  fmt::format("miner {} ends on height {}, miner {} on height {}", i,
                              miners_[i].engine->tip().header.height, first, tip.header.height));
    if (tip.chainwork < max_work_)
      violation(result_.convergence_failures,
                fmt::format("the common tip has work {} but a block of work {} was mined",
                            tip.chainwork.hex(), max_work_.hex()));
    result_.main_chain_blocks = tip.header.height;
    for (const TreeEntry* e = &tip; e->parent; e = e->parent)
      result_.attacker_main_blocks += attacker_blocks_.count(e->hash);
  }

  const PowSimConfig& c_;
  const PowParams params_;
  const PowBlock genesis_;
  Prng rng_;
  BasicEventQueue<Ev> queue_;
  uint64_t now_ = 0;
  std::vector<Miner> miners_;
  std::unique_ptr<SelfishMiner> selfish_;
  std::set<Hash256> attacker_blocks_;
  std::vector<uint8_t> groups_;
  uint64_t total_power_ = 0;
  U256 work0_;
  U256 max_work_;
  uint64_t mined_ = 0;
  uint64_t stop_at_ = c_.blocks;
  bool healed_ = false;
  bool stopped_ = false;
  bool tie_breaking_ = false;
  Hasher trace_;
  PowScheduleResult result_;
};

}  // namespace

Status validate_pow_config(const PowSimConfig& c) {
  if (c.miners < 1 || c.miners > 64) return {Code::kInvalidArgument, "--validators must be 1..64"};
  if (!c.powers.empty() && c.powers.size() != c.miners)
    return {Code::kInvalidArgument, "--powers needs one hash power per miner"};
  for (uint64_t p : c.powers)
    if (p == 0 || p > 1'000'000) return {Code::kInvalidArgument, "hash powers must be 1..1000000"};
  if (c.loss_percent > 100) return {Code::kInvalidArgument, "--loss must be 0..100"};
  if (c.converge_blocks < 1 || c.converge_blocks >= c.blocks)
    return {Code::kInvalidArgument, "--converge-blocks must be 1..blocks-1"};
  if (c.blocks > 100'000) return {Code::kInvalidArgument, "--blocks must be at most 100000"};
  if (c.finality_depth == 0) return {Code::kInvalidArgument, "--finality-depth must be > 0"};
  if (c.block_ms < 10) return {Code::kInvalidArgument, "block interval must be >= 10 ms"};
  if (c.attacker_share_pct > 99) return {Code::kInvalidArgument, "--attacker-share must be < 1"};
  if (c.attacker_share_pct > 0 && c.miners < 2)
    return {Code::kInvalidArgument, "--attacker-share needs at least 2 miners"};
  return Status::ok();
}

PowScheduleResult run_pow_schedule(const PowSimConfig& config, uint64_t seed) {
  return PowSim(config, seed).run();
}

PowSweepTotals run_pow_schedules(const PowSimConfig& config, uint64_t first_seed, uint64_t count) {
  PowSweepTotals t;
  for (uint64_t k = 0; k < count; ++k) {
    PowScheduleResult r = run_pow_schedule(config, first_seed + k);
    ++t.schedules;
    t.convergence_failed += r.convergence_failures > 0;
    t.finality_failed += r.finality_violations > 0;
    t.refusal_failed += r.refusals > 0;
    t.blocks_mined += r.blocks_mined;
    t.main_chain_blocks += r.main_chain_blocks;
    t.reorgs += r.reorgs;
    t.max_reorg_depth = std::max(t.max_reorg_depth, r.max_reorg_depth);
    t.attacker_main_blocks += r.attacker_main_blocks;
    t.hashes += r.hashes;
    t.messages += r.messages;
    t.tie_break_blocks += r.tie_break_blocks;
    t.counted_finality_reverts += r.counted_finality_reverts;
    if (r.failed() && !t.first_failure) t.first_failure = std::move(r);
  }
  return t;
}

std::string pow_replay_command(const PowSimConfig& c, uint64_t seed) {
  std::string cmd = fmt::format("wattle consensus simulate --engine pow --validators {}", c.miners);
  if (!c.powers.empty()) {
    std::string p;
    for (size_t i = 0; i < c.powers.size(); ++i) p += (i ? "," : "") + std::to_string(c.powers[i]);
    cmd += " --powers " + p;
  }
  cmd +=
      fmt::format(" --schedules 1 --seed {} --blocks {} --converge-blocks {} --finality-depth {}",
                  seed, c.blocks, c.converge_blocks, c.finality_depth);
  if (c.loss_percent) cmd += fmt::format(" --loss {}", c.loss_percent);
  if (c.partitions) cmd += " --partitions";
  if (c.crashes) cmd += " --crashes";
  if (c.attacker_share_pct) cmd += fmt::format(" --attacker-share 0.{:02}", c.attacker_share_pct);
  if (c.mutation != PowMutation::kNone)
    cmd += fmt::format(" --mutation {}", pow_mutation_name(c.mutation));
  return cmd;
}

double eyal_sirer_share(double a, double g) {
  return (a * (1 - a) * (1 - a) * (4 * a + g * (1 - 2 * a)) - a * a * a) /
         (1 - a * (1 + (2 - a) * a));
}

}  // namespace wattle::cluster_sim
