#include "cluster_sim/cluster.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "chain/block.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "cluster_sim/adversary.h"
#include "cluster_sim/candidates.h"
#include "cluster_sim/cert_mutation.h"
#include "cluster_sim/checker.h"
#include "cluster_sim/community.h"
#include "cluster_sim/message_text.h"
#include "cluster_sim/network.h"
#include "cluster_sim/stake_load.h"
#include "cluster_sim/stake_mutation.h"
#include "node/chain_consensus.h"

namespace wattle::cluster_sim {

using namespace consensus;
using namespace consensus::bft;

namespace {
// What a node's P2P passes for a peer outside the set (node/p2p.cpp).
constexpr NodeIndex kNotAValidator = UINT32_MAX;
}  // namespace

// The simulator as a replica's world: virtual clock, event-queue timers,
// the simulated network, and the checks on what the replica reports.
class Cluster::ReplicaEnv final : public node::Env {
 public:
  ReplicaEnv(Cluster& cluster, NodeIndex i) : c_(cluster), w_(cluster.world_), i_(i) {}
  uint64_t now_ms() override { return kGenesisTimeMs + w_.now; }
  void schedule(const Timeout& t) override {
    Event e{.kind = EventKind::kTimeout, .node = i_};
    e.incarnation = c_.nodes_[i_].incarnation;
    e.time = w_.now + t.delay_ms;
    e.timeout = t;
    w_.push(std::move(e));
  }
  void send(NodeIndex to, Bytes message) override {
    if (auto node = c_.node_at(i_, to)) c_.honest_send(i_, *node, message);
  }
  void broadcast(Bytes message) override { c_.honest_broadcast(i_, message); }
  bool after_persist() override { return !c_.tear_if_due(i_); }
  void on_committed(const chain::CommitInfo& info, const Commit& c) override {
    c_.on_full_commit(i_, info, c);
  }
  void on_evidence(ByteView evidence, const Status&) override {
    c_.checker_.check_evidence(i_, Bytes(evidence.begin(), evidence.end()));
  }
  void on_halted(const Status& why) override {
    w_.violation(w_.result.state_divergences,
                 fmt::format("divergence: replica {} halted: {}", i_, why.to_string()));
  }

 private:
  Cluster& c_;
  World& w_;
  NodeIndex i_;
};

Cluster::FullReplica::FullReplica() = default;
Cluster::FullReplica::~FullReplica() = default;

Cluster::Cluster(World& world, Network& network, Checker& checker, Adversaries& adversaries,
                 const TestHooks& hooks, const std::vector<chain::AppTestHooks>& app_hooks)
    : world_(world),
      network_(network),
      checker_(checker),
      adversaries_(adversaries),
      hooks_(hooks),
      app_hooks_(app_hooks),
      app_(world.config.full) {}

Cluster::~Cluster() = default;

void Cluster::create() {
  const SimConfig& config = world_.config;
  const uint32_t n = config.validators;
  std::vector<Validator> vs;
  for (uint32_t i = 0; i < n; ++i) {
    Node node;
    node.key = KeyPair::from_label(fmt::format("wattle-sim-validator-{}", i));
    const uint64_t power = config.staked()         ? stake::genesis_power(i, n)
                           : config.powers.empty() ? 1
                                                   : config.powers[i];
    vs.push_back({node.key->public_key(), power});
    by_key_.emplace(node.key->public_key(), i);
    nodes_.push_back(std::move(node));
  }
  world_.set = std::move(*ValidatorSet::create(std::move(vs)));
  if (!config.full) return;
  genesis_.chain_id = kChainId;
  genesis_.genesis_time_ms = kGenesisTimeMs;
  genesis_.block_interval_ms = kBlockIntervalMs;
  genesis_.engine = chain::EngineKind::kBft;
  genesis_.min_balance = Money(kMinBalance);
  for (uint32_t i = 0; i < n; ++i)
    genesis_.validators.push_back({world_.set.at(i).key, world_.set.at(i).power});
  for (uint32_t k = 0; k < kFundedAccounts; ++k) {
    accounts_.push_back(KeyPair::from_label(fmt::format("wattle-sim-account-{}", k)));
    addresses_.push_back(Address::of(accounts_.back().public_key()));
    genesis_.balances.emplace_back(addresses_.back(), Money(kFundedBalance));
  }
  community::add_to(genesis_, kFundedBalance, addresses_);
  if (config.staked()) {
    // The validators are the operators of their own stake, funded to bond more.
    genesis_.staking = stake::params(config.staking, config.nodes());
    for (uint32_t i = 0; i < n; ++i) {
      operators_.push_back(*nodes_[i].key);
      addresses_.push_back(Address::of(nodes_[i].key->public_key()));
      genesis_.balances.emplace_back(addresses_.back(), Money(kFundedBalance));
    }
    // The candidates: their own operators, funded to bond.
    for (uint32_t c = 0; c < config.hosted_candidates(); ++c) {
      Node node;
      node.candidate = true;
      node.key = candidate::key(c);
      world_.candidates.push_back(node.key->public_key());
      by_key_.emplace(node.key->public_key(), size());
      addresses_.push_back(Address::of(node.key->public_key()));
      genesis_.balances.emplace_back(addresses_.back(), Money(kFundedBalance));
      nodes_.push_back(std::move(node));
    }
  }
  checker_.record_genesis(genesis_.block().header);
}

void Cluster::plan_crashes() {
  Prng& rng = world_.rng;
  const uint32_t n = size();
  const NodeIndex who = static_cast<NodeIndex>(rng.below(n));
  torn_time_ = rng.below(world_.gst);
  if (!nodes_[who].byzantine) torn_node_ = who;
  const uint64_t episodes = rng.between(1, 3);
  for (uint64_t k = 0; k < episodes; ++k) {
    const NodeIndex who = static_cast<NodeIndex>(rng.below(n));
    if (nodes_[who].byzantine) continue;
    Event c{.kind = EventKind::kCrash, .node = who};
    c.time = rng.below(world_.gst);
    Event r{.kind = EventKind::kRestart, .node = who};
    r.time = std::min(world_.gst, c.time + rng.between(50, 1000));
    world_.push(std::move(c));
    world_.push(std::move(r));
  }
}

void Cluster::plan_submissions() {
  const uint64_t span = world_.gst + std::max<uint64_t>(500, min_run_after_gst_ms(world_.config));
  for (uint32_t k = 0; k < world_.config.txs; ++k) {
    Event e{.kind = EventKind::kSubmit, .node = static_cast<NodeIndex>(world_.rng.below(size()))};
    e.time = world_.rng.below(span);
    world_.push(std::move(e));
  }
}

void Cluster::plan_candidates() {
  const uint64_t span = world_.gst + std::max<uint64_t>(500, min_run_after_gst_ms(world_.config));
  for (NodeIndex i = world_.config.validators; i < size(); ++i) {
    Event join{.kind = EventKind::kCandidateTx, .node = i};
    join.time = world_.rng.below(span / 2);
    if (world_.rng.percent(50)) {
      Event leave{.kind = EventKind::kCandidateTx, .node = i, .incarnation = 1};
      leave.time = join.time + span / 4 + world_.rng.below(span / 4);
      world_.push(std::move(leave));
    }
    world_.push(std::move(join));
    Event sync{.kind = EventKind::kSync, .node = i};
    sync.time = candidate::kSyncMs;
    world_.push(std::move(sync));
  }
}

std::vector<NodeIndex> Cluster::peers_of(NodeIndex i) const {
  std::vector<NodeIndex> out;
  for (NodeIndex j = 0; j < nodes_.size(); ++j)
    if (j != i) out.push_back(j);
  return out;
}

std::optional<NodeIndex> Cluster::node_with(const PublicKey& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

NodeIndex Cluster::engine_index(NodeIndex receiver, NodeIndex sender) const {
  const BftEngine* engine = engine_of(receiver);
  if (!world_.config.staked() || !engine) return sender;
  return engine->validators().index_of(nodes_[sender].key->public_key()).value_or(kNotAValidator);
}

std::optional<NodeIndex> Cluster::node_at(NodeIndex sender, NodeIndex index) const {
  if (!world_.config.staked()) return index;
  const BftEngine* engine = engine_of(sender);
  if (!engine || !engine->validators().contains(index)) return std::nullopt;
  return node_with(engine->validators().at(index).key);
}

const BftEngine* Cluster::engine_of(NodeIndex i) const {
  const Node& node = nodes_[i];
  if (node.full) return node.full->replica ? node.full->replica->bft() : nullptr;
  return node.engine.get();
}

Value Cluster::make_value(bool valid, uint64_t height, uint32_t round, NodeIndex proposer,
                          uint64_t salt) const {
  if (!world_.config.full) return fake_value(valid, height, round, proposer, salt);
  chain::Block b;
  b.header.height = height;
  // Validator `proposer` of the set deciding `height` (of the genesis set,
  // a Byzantine engine's, when that one has no such index; none: a block
  // nobody could have proposed).
  const ValidatorSet& now = world_.set_at(height);
  const ValidatorSet& set = now.contains(proposer) ? now : world_.set;
  if (set.contains(proposer)) b.header.proposer = set.at(proposer).key;
  b.header.tx_root = chain::compute_tx_root({});
  if (const chain::BlockHeader* parent = checker_.committed_header(height - 1)) {
    b.header.prev_hash = parent->hash();
    b.header.time_ms = parent->time_ms + 1 + (salt * 7 + round) % 64;
    b.header.state_root = parent->state_root;  // an empty block changes nothing
  }
  if (!valid) b.header.state_root.bytes[0] ^= 1;
  return Value{b.header.hash(), encode_to_bytes(b)};
}

void Cluster::start(NodeIndex i) {
  Node& node = nodes_[i];
  if (node.byzantine && node.strategy == Adversary::kSilent) return;  // no engine needed
  const bool full = world_.config.full;
  if (full && !node.byzantine) {
    if (!node.full) {
      node.full = std::make_unique<FullReplica>();
      node.full->disk.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    }
    return start_full(i);
  }
  const ValueHasher* hasher = full ? &node::block_value_hasher() : &blake2b_value_hasher();
  auto engine =
      BftEngine::create(BftConfig{kChainId, world_.set, sim_timeouts(), hasher}, *node.key, app_,
                        node.persisted, world_.verifier, node.byzantine ? nullptr : &hooks_);
  assert(engine.is_ok());
  node.engine = std::move(*engine);
  node.alive = true;
  for (const auto& [value, cert] : node.recent) node.engine->remember_decision(value, cert);
  world_.trace(fmt::format("{} start node={} height={}", world_.now, i, node.chain.size() + 1));
  execute(i, node.engine->start(node.chain.size() + 1));
}

void Cluster::start_full(NodeIndex i) {
  Node& node = nodes_[i];
  FullReplica& f = *node.full;
  chain::StoreOptions so;
  so.env = f.disk.get();
  so.min_free_bytes = 0;  // an in-memory file system has no free-space figure
  so.node_cache_entries = 4096;
  auto store = chain::Store::open(fmt::format("/sim/node{}", i), so);
  ScheduleResult& result = world_.result;
  if (!store) {
    world_.violation(result.state_divergences,
                     fmt::format("replica {} store: {}", i, store.status().to_string()));
    return;
  }
  chain::AppConfig ac;
  if (mutation_layer(world_.config.mutation) == MutationInfo::Layer::kApp)
    ac.hooks = &app_hooks_[i];
  ac.evidence_checker = node::evidence_checker(genesis_);
  if (world_.config.mutation == Mutation::kCertDoubleCount)
    ac.modules = double_counting_modules(genesis_, ac.evidence_checker);
  if (is_staking_mutation(world_.config.mutation))
    ac.modules = mutated_staking_modules(genesis_, ac.evidence_checker, world_.config.mutation);
  auto app = chain::Application::open(genesis_, std::move(*store), ac);
  if (!app) {
    world_.violation(result.state_divergences,
                     fmt::format("replica {} application: {}", i, app.status().to_string()));
    return;
  }
  f.app = std::move(*app);
  f.env = std::make_unique<ReplicaEnv>(*this, i);
  node::ReplicaOptions ro;
  ro.block_interval_ms = kBlockIntervalMs;
  ro.timeouts = sim_timeouts();
  ro.verifier = &world_.verifier;
  ro.hooks = &hooks_;
  auto replica = node::Replica::open(*f.app, *node.key, *f.env, ro);
  if (!replica) {
    world_.violation(result.state_divergences,
                     fmt::format("replica {} cannot restart: {}", i, replica.status().to_string()));
    return;
  }
  f.replica = std::move(*replica);
  node.alive = true;
  world_.trace(fmt::format("{} start node={} height={}", world_.now, i, f.app->head().height + 1));
  f.replica->start();
}

void Cluster::crash(NodeIndex i) {
  Node& node = nodes_[i];
  if (!node.alive) return;
  world_.trace(fmt::format("{} crash node={}", world_.now, i));
  node.alive = false;
  node.engine.reset();
  ++node.incarnation;  // pending timeouts and value answers die with it
  if (node.full) {
    // It may be on the call stack (a crash between persisting and sending):
    // freed at the next step. The disk stays.
    auto dead = std::make_unique<FullReplica>();
    dead->env = std::move(node.full->env);
    dead->app = std::move(node.full->app);
    dead->replica = std::move(node.full->replica);
    graveyard_.push_back(std::move(dead));
  }
}

bool Cluster::tear_if_due(NodeIndex i) {
  if (torn_node_ != i || world_.now < torn_time_ || world_.after_gst) return false;
  // Durable, then the crash: the rest of the batch never leaves.
  torn_node_.reset();
  world_.trace(fmt::format("{} torn crash node={}", world_.now, i));
  crash(i);
  Event r{.kind = EventKind::kRestart, .node = i};
  r.time = std::min(world_.gst, world_.now + world_.rng.between(50, 1000));
  world_.push(std::move(r));
  return true;
}

void Cluster::deliver(NodeIndex i, NodeIndex from, const Bytes& message) {
  Node& node = nodes_[i];
  const NodeIndex sender = engine_index(i, from);
  if (node.full) {
    node.full->replica->on_message(sender, message);
  } else {
    execute(i, node.engine->on_message(sender, message));
  }
}

bool Cluster::on_timeout(const Event& e) {
  Node& node = nodes_[e.node];
  if (!node.alive || e.incarnation != node.incarnation || !engine_of(e.node)) return false;
  world_.trace(fmt::format("{} timeout node={} h={} r={} step={}", world_.now, e.node,
                           e.timeout.height, e.timeout.round, static_cast<int>(e.timeout.step)));
  if (node.full) {
    node.full->replica->on_timeout(e.timeout);
  } else {
    execute(e.node, node.engine->on_timeout(e.timeout));
  }
  return true;
}

bool Cluster::on_value_ready(const Event& e) {
  Node& node = nodes_[e.node];
  if (!node.alive || e.incarnation != node.incarnation || !node.engine) return false;
  const bool valid = !(node.byzantine && node.strategy == Adversary::kInvalid);
  Value v = make_value(valid, e.timeout.height, e.timeout.round, e.node, 0);
  world_.trace(fmt::format("{} value node={} h={} r={} v={}", world_.now, e.node, e.timeout.height,
                           e.timeout.round, short_id(v.id)));
  execute(e.node, node.engine->on_value_ready(e.timeout.height, e.timeout.round, v));
  return true;
}

void Cluster::honest_send(NodeIndex from, NodeIndex to, const Bytes& message) {
  checker_.check_own_message(from, message);
  network_.send(from, to, message);
}

void Cluster::honest_broadcast(NodeIndex from, const Bytes& message) {
  checker_.check_own_message(from, message);
  for (NodeIndex j : peers_of(from)) network_.send(from, j, message);
}

void Cluster::execute(NodeIndex i, Actions actions) {
  Node& node = nodes_[i];
  for (auto& action : actions) {
    if (!node.alive) return;  // crashed in this batch: nothing more leaves
    std::visit(
        ActionHandlers{
            [&](PersistBeforeSend& p) {
              node.persisted = std::move(p.state);
              tear_if_due(i);
            },
            [&](Broadcast& b) {
              if (node.byzantine) return adversaries_.on_send(i, b.message, peers_of(i));
              honest_broadcast(i, b.message);
            },
            [&](Send& s) {
              const auto to = node_at(i, s.to);
              if (!to) return;
              if (node.byzantine) return adversaries_.on_send(i, s.message, {*to});
              honest_send(i, *to, s.message);
            },
            [&](ScheduleTimeout& t) {
              Event e{.kind = EventKind::kTimeout, .node = i, .incarnation = node.incarnation};
              e.time = world_.now + t.timeout.delay_ms;
              e.timeout = t.timeout;
              world_.push(std::move(e));
            },
            [&](Commit& c) {
              on_commit(i, c);
              // The host stores the block (above) and reports it executed at once.
              execute(i, node.engine->on_block_executed(c.height));
            },
            [&](EvidenceFound& ev) {
              // On a staked chain a Byzantine engine keeps the genesis set,
              // so what it reports is judged against a set it does not use.
              if (node.byzantine && world_.config.staked()) return;
              checker_.check_evidence(i, ev.evidence);
            },
            [&](RequestValue& r) {
              Event e{.kind = EventKind::kValueReady, .node = i, .incarnation = node.incarnation};
              e.time = world_.now + world_.rng.between(0, 5);
              e.timeout = Timeout{r.height, r.round, TimeoutStep::kPropose, 0};
              world_.push(std::move(e));
            },
        },
        action);
  }
}

void Cluster::on_commit(NodeIndex i, const Commit& c) {
  Node& node = nodes_[i];
  world_.trace(
      fmt::format("{} commit node={} h={} v={}", world_.now, i, c.height, short_id(c.value.id)));
  if (node.byzantine) return;
  auto cert = checker_.check_commit(i, c, node.chain.size());
  node.chain.push_back(c.value.id);
  if (cert && !node.full) {
    node.recent.emplace_back(c.value, *cert);
    if (node.recent.size() > BftEngine::kDecisionHistory) node.recent.erase(node.recent.begin());
  }
  network_.maybe_isolate_decider(i);
}

void Cluster::on_full_commit(NodeIndex i, const chain::CommitInfo& info, const Commit& c) {
  on_commit(i, c);
  checker_.check_full_commit(i, info, *nodes_[i].full->app);
}

void Cluster::submit(NodeIndex i) {
  Node& node = nodes_[i];
  if (!node.alive || !node.full || !node.full->replica || node.full->replica->stopped()) return;
  chain::Application& app = *node.full->app;
  if (world_.config.staked() && staking_txs_ < stake::kMaxStakingTxs && world_.rng.percent(33))
    return submit_staking(app, i);
  if (world_.rng.percent(50)) return submit_transfer(app, i);
  submit_community(app, i);
}

// A transfer from a random funded account with the replica's next nonce for
// it, to an existing address or (half the time) a fresh one; amounts near
// min_balance make some of them depend on the min_balance rule.
void Cluster::submit_transfer(chain::Application& app, NodeIndex i) {
  Prng& rng = world_.rng;
  const KeyPair& from = accounts_[rng.below(accounts_.size())];
  const Address sender = Address::of(from.public_key());
  Address to;
  if (rng.percent(50)) {
    to = Address::of(
        KeyPair::from_label(fmt::format("sim-fresh-{}-{}", world_.seed, fresh_addresses_++))
            .public_key());
    addresses_.push_back(to);
  } else {
    to = addresses_[rng.below(addresses_.size())];
  }
  auto acc = app.account(sender);
  if (!acc) return;
  const uint64_t nonce = app.pending_nonce(sender).value_or(acc->account.nonce);
  const int64_t amount = static_cast<int64_t>(rng.between(kMinBalance, 5 * kMinBalance));
  chain::Tx tx = chain::Tx::make_signed(kChainId, from, nonce, chain::Transfer{to, Money(amount)});
  auto r = app.check_tx(encode_to_bytes(tx));
  world_.trace(fmt::format("{} submit node={} tx={} {}", world_.now, i, short_id(r.hash),
                           r.status ? "ok" : r.status.to_string()));
}

void Cluster::submit_staking(chain::Application& app, NodeIndex i) {
  stake::Draw d = stake::draw(app, world_.rng, world_.config.staking, operators_, accounts_);
  if (!d.tx) return;
  ++staking_txs_;
  auto r = app.check_tx(encode_to_bytes(*d.tx));
  world_.trace(fmt::format("{} submit node={} tx={} {} {}", world_.now, i, short_id(r.hash), d.what,
                           r.status ? "ok" : r.status.to_string()));
}

void Cluster::submit_community(chain::Application& app, NodeIndex i) {
  community::Draw d = community::draw(app, world_.rng);
  if (!d.tx) {
    world_.trace(fmt::format("{} submit node={} {}", world_.now, i, d.what));
    return;
  }
  auto r = app.check_tx(encode_to_bytes(*d.tx));
  world_.trace(fmt::format("{} submit node={} tx={} {} {}", world_.now, i, short_id(r.hash), d.what,
                           r.status ? "ok" : r.status.to_string()));
}

}  // namespace wattle::cluster_sim

namespace wattle::cluster_sim {

void Cluster::on_candidate_tx(const Event& e) {
  const uint32_t n = world_.config.validators;
  const auto move = e.incarnation == 0 ? candidate::Move::kJoin : candidate::Move::kLeave;
  // A follower's mempool reaches no block: the tx goes to a genesis
  // validator's replica, the next honest one up at each try.
  for (uint32_t k = 0; k < n; ++k) {
    const auto at = static_cast<NodeIndex>((e.node + e.from + k) % n);
    const Node& v = nodes_[at];
    if (!v.alive || !v.full || !v.full->replica || v.full->replica->stopped()) continue;
    candidate::Step step =
        candidate::next(*v.full->app, *nodes_[e.node].key, move, world_.config.staking);
    std::string outcome;
    if (step.tx) {
      auto r = v.full->app->check_tx(encode_to_bytes(*step.tx));
      outcome = fmt::format(" tx={} {}", short_id(r.hash), r.status ? "ok" : r.status.to_string());
    }
    world_.trace(fmt::format("{} candidate node={} at={} try={} {}{}", world_.now, e.node, at,
                             e.from, step.what, outcome));
    if (step.done) return;
    break;
  }
  if (e.from + 1 >= candidate::kMaxTries) return;
  Event again = e;
  again.time = world_.now + candidate::kRetryMs;
  ++again.from;
  world_.push(std::move(again));
}

void Cluster::on_sync(const Event& e) {
  Event again = e;
  again.time = world_.now + candidate::kSyncMs;
  world_.push(std::move(again));
  // Up to this many blocks per look: faster than the chain grows.
  constexpr uint32_t kBlocksPerSync = 32;
  for (uint32_t k = 0; k < kBlocksPerSync; ++k) {
    const Node& c = nodes_[e.node];
    if (!c.alive || !c.full || !c.full->replica || c.full->replica->stopped()) return;
    const uint64_t head = c.full->app->head().height;
    std::optional<NodeIndex> from;
    for (NodeIndex j = 0; j < size() && !from; ++j) {
      const Node& peer = nodes_[j];
      if (j != e.node && !peer.byzantine && peer.alive && peer.full && peer.full->app &&
          network_.connected(j, e.node) && peer.full->app->head().height > head)
        from = j;
    }
    if (!from) return;
    auto message = candidate::decision_at(*nodes_[*from].full->app, head + 1);
    if (!message) return;
    world_.trace(fmt::format("{} sync node={} h={} from={}", world_.now, e.node, head + 1, *from));
    c.full->replica->on_message(engine_index(e.node, *from), *message);
    if (!nodes_[e.node].full->app || nodes_[e.node].full->app->head().height == head) return;
  }
}

}  // namespace wattle::cluster_sim
