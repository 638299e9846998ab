#include "simnet/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>

#include <rocksdb/env.h>

#include "chain/application.h"
#include "chain/genesis.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "consensus/bft/bft_engine.h"
#include "node/chain_consensus.h"
#include "node/replica.h"
#include "simnet/prng.h"

namespace wattle::simnet {

using namespace consensus;
using namespace consensus::bft;

namespace {

constexpr const char* kChainId = "wattle-sim";
constexpr uint64_t kPreGstMaxDelayMs = 120;
constexpr uint64_t kPostGstMaxDelayMs = 20;
constexpr uint32_t kDuplicatePercent = 3;
constexpr uint32_t kStragglerPercent = 10;
constexpr uint32_t kIsolateDeciderPercent = 60;
constexpr uint64_t kStragglerMaxDelayMs = 1800;
constexpr uint32_t kReplayPercent = 30;
constexpr uint64_t kMaxEvents = 200'000;
constexpr uint64_t kEventsAfterBadCertificate = 20'000;
constexpr uint64_t kMaxVirtualMsAfterGst = 600'000;
constexpr size_t kArchiveSize = 128;
constexpr size_t kMaxViolationTexts = 8;
// Full mode: block times are this plus virtual time; every funded account
// starts with kFundedBalance; blocks follow each other kBlockIntervalMs apart.
constexpr uint64_t kGenesisTimeMs = 1'700'000'000'000;
constexpr uint32_t kFundedAccounts = 8;
constexpr int64_t kFundedBalance = 1'000'000'000;
constexpr int64_t kMinBalance = 1'000;
constexpr uint64_t kBlockIntervalMs = 40;

// Simulated block values: data = (tag, valid flag, height, round, proposer,
// salt) and id = BLAKE2b(data), so values are distinct, self-certifying and
// cheap; the application accepts a value iff its flag says valid and its
// height is the one being decided. It does NOT compare the id with the bytes:
// that is the engine's job (BftConfig::value_hasher, here the default
// BLAKE2b one), and the forger's altered bytes test it; on_commit checks it.
Value fake_value(bool valid, uint64_t height, uint32_t round, NodeIndex proposer, uint64_t salt) {
  Writer w;
  w.str("wattle-sim-value");
  w.boolean(valid);
  w.u64(height);
  w.u32(round);
  w.u32(proposer);
  w.u64(salt);
  Value v;
  v.data = std::move(w).take();
  v.id = blake2b256(v.data);
  return v;
}

class SimApp final : public Application {
 public:
  explicit SimApp(bool full) : full_(full) {}
  bool validate(uint64_t height, const Value& v) override {
    if (full_) {  // only Byzantine engines ask: any block of the height will do
      auto b = chain::decode_block(v.data);
      return b && b->header.height == height;
    }
    Reader r(v.data);
    std::string tag;
    bool valid = false;
    uint64_t h = 0;
    if (!r.str(tag, 32) || tag != "wattle-sim-value" || !r.boolean(valid) || !r.u64(h))
      return false;
    return valid && h == height;
  }

 private:
  bool full_;
};

// The same Ed25519 check as production, memoised per exact (key, signature,
// message): every broadcast reaches n - 1 engines, which would otherwise each
// verify the same bytes. A lookup-only hash map: its order never matters.
class CachingVerifier final : public SignatureVerifier {
 public:
  bool verify(const PublicKey& key, ByteView message, const Signature& sig) const override {
    Hasher h;
    h.update(key.bytes).update(sig.bytes).update(message);
    const Hash256 k = h.finish();
    auto it = memo_.find(k);
    if (it != memo_.end()) return it->second;
    const bool ok = wattle::verify(key, message, sig);
    memo_.emplace(k, ok);
    return ok;
  }

 private:
  struct KeyHash {
    size_t operator()(const Hash256& h) const {
      size_t v = 0;
      std::memcpy(&v, h.bytes.data(), sizeof(v));
      return v;
    }
  };
  mutable std::unordered_map<Hash256, bool, KeyHash> memo_;
};

// Timeouts in virtual ms. Before GST they are often shorter than message
// delays (many rounds, many locks: the interesting part); after GST delays
// are <= 20 ms and the growing timeouts soon exceed them.
TimeoutConfig sim_timeouts() {
  TimeoutConfig t;
  t.propose_ms = 100;
  t.propose_delta_ms = 20;
  t.prevote_ms = 50;
  t.prevote_delta_ms = 20;
  t.precommit_ms = 50;
  t.precommit_delta_ms = 20;
  t.rebroadcast_ms = 200;
  t.rebroadcast_delta_ms = 20;
  return t;
}

// What a Byzantine validator does with each message its (honest) engine sends.
// (Below: coalition and forger; docs/consensus.md.)
//  silent      sends nothing;
//  equivocate  per (height, round) splits its peers in two groups: one gets
//              the engine's proposal and votes, the other an alternative
//              proposal and votes for it;
//  fork        the amnesia attack on locks: as proposer it proposes a fresh
//              value with no proof of lock (ignoring what it must re-propose)
//              and prevotes it; it sends each precommit to one random peer
//              only (nil to the others), so one correct validator may commit
//              while the others stay locked. It also forges on its own: on
//              hearing of any (height, round) whose next round it proposes, it
//              sends a fresh proposal, prevote and precommit for that round,
//              even for heights its own engine already decided. Locked
//              validators must refuse; if their lock is broken, they fork;
//  invalid     proposes values the application rejects and votes for them;
//  replay      sends its messages and, to each peer, now and then a random
//              old message it received (any author, any height);
//  mixed       one of the above at random per message, and forges like fork;
//  coalition   all Byzantine validators together: per (height, round) they
//              back one second value w (the same for all of them) towards
//              one chosen group of honest validators: proposals of w (from
//              the member that proposes), prevotes and precommits for w to
//              the group, their engines' messages to everyone else;
//  forger      sends its engine's messages and, on hearing of a round, what
//              a forger can make: votes in other validators' names (bad
//              signatures), proposals for coming rounds it does not propose
//              (two values, split between two groups), false valid rounds
//              (a fresh value with vr = round - 1 and no proof of lock) where
//              it does propose, the proposal it heard with altered block
//              bytes, messages with out-of-range validator indexes, and
//              decisions whose certificate holds too little power.
using Strategy = Adversary;

constexpr std::array<std::pair<Adversary, std::string_view>, 10> kAdversaryNames{{
    {Adversary::kRandom, "random"},
    {Adversary::kSilent, "silent"},
    {Adversary::kEquivocate, "equivocate"},
    {Adversary::kFork, "fork"},
    {Adversary::kInvalid, "invalid"},
    {Adversary::kReplay, "replay"},
    {Adversary::kHonest, "honest"},
    {Adversary::kMixed, "mixed"},
    {Adversary::kCoalition, "coalition"},
    {Adversary::kForger, "forger"},
}};

enum class EventKind : uint8_t {
  kDeliver,
  kOneWay,  // from -> node cut (incarnation 1) or restored (0)
  kTimeout,
  kValueReady,
  kCrash,
  kRestart,
  kPartition,
  kGst,
  kSubmit  // full mode: a signed transfer reaches `node`
};

struct Event {
  uint64_t time = 0;
  uint64_t seq = 0;
  EventKind kind = EventKind::kDeliver;
  NodeIndex node = 0;
  NodeIndex from = 0;
  uint64_t incarnation = 0;
  Timeout timeout;
  Bytes message;
  std::vector<uint8_t> groups;  // kPartition: group per node; all equal = healed
};

struct EventLater {
  bool operator()(const Event& a, const Event& b) const {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};

// (height, round) of a proposal or vote; none for a decision.
std::optional<std::pair<uint64_t, uint32_t>> height_round(const Message& m) {
  if (auto* v = std::get_if<Vote>(&m)) return std::pair{v->height, v->round};
  if (auto* p = std::get_if<ProposalMessage>(&m))
    return std::pair{p->proposal.height, p->proposal.round};
  return std::nullopt;
}

std::string short_id(const std::optional<Hash256>& id) {
  return id ? id->hex().substr(0, 8) : std::string("nil");
}

std::string describe(ByteView bytes) {
  auto m = decode_message(bytes);
  if (!m) return "malformed";
  if (auto* v = std::get_if<Vote>(&*m))
    return fmt::format("{} h={} r={} v={} by={}", vote_type_name(v->type), v->height, v->round,
                       short_id(v->value_id), v->validator);
  if (auto* p = std::get_if<ProposalMessage>(&*m))
    return fmt::format("proposal h={} r={} v={} vr={} by={} pol={}", p->proposal.height,
                       p->proposal.round, short_id(p->proposal.value.id), p->proposal.valid_round,
                       p->proposal.proposer, p->proof_of_lock.size());
  const auto& d = std::get<DecisionMessage>(*m);
  return fmt::format("decision h={} r={} v={}", d.certificate.height, d.certificate.round,
                     short_id(d.value.id));
}

}  // namespace

std::string_view adversary_name(Adversary a) {
  for (const auto& [adv, name] : kAdversaryNames)
    if (adv == a) return name;
  return "?";
}

std::optional<Adversary> parse_adversary(std::string_view name) {
  for (const auto& [adv, n] : kAdversaryNames)
    if (n == name) return adv;
  return std::nullopt;
}

std::string adversary_names() {
  std::string out;
  for (const auto& [adv, name] : kAdversaryNames)
    out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

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
  if (c.full && c.steady)
    return Status(Code::kInvalidArgument, "full mode has no steady (benchmark) runs");
  if (c.validators < 1 || c.validators > 64)
    return Status(Code::kInvalidArgument, "--validators must be between 1 and 64");
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
  return cmd + " --trace trace.txt";
}

// One schedule. A class (not a function) because it is TestHooks' friend:
// the only place that can switch on an engine mutation.
class Simulator {
 public:
  Simulator(const SimConfig& config, uint64_t seed)
      : config_(config), seed_(seed), rng_(seed), hooks_(config.mutation), app_(config.full) {
    result_.seed = seed;
  }

  ScheduleResult run();

 private:
  // Full mode: one honest validator as the node runs it. `disk` is its
  // store's file system and outlives crashes; the rest is rebuilt on restart.
  struct FullReplica;
  class ReplicaEnv;

  struct Node {
    bool byzantine = false;
    Strategy strategy = Strategy::kHonest;
    std::optional<KeyPair> key;
    std::unique_ptr<BftEngine> engine;
    bool alive = true;
    uint64_t incarnation = 0;
    Bytes persisted;             // the last PersistBeforeSend: survives crashes
    std::vector<Hash256> chain;  // committed value ids (the durable block store)
    std::vector<std::pair<Value, CommitCertificate>> recent;  // its last blocks with certificates
    std::vector<Bytes> archive;                               // Byzantine: old messages to replay
    size_t archive_next = 0;
    std::map<std::pair<uint64_t, uint32_t>, uint64_t>
        split;                                       // Byzantine: peers fed the alternative
    std::set<std::pair<uint64_t, uint32_t>> forged;  // Byzantine fork/forger: rounds forged
    std::set<Hash256> forged_from;                   // forger: proposals already abused
    std::unique_ptr<FullReplica> full;               // full mode, honest validators
  };

  void plan();
  void push(Event e);
  // A block value: fake_value, or in full mode a real empty block on top of
  // the committed chain (with a wrong state root when invalid).
  Value make_value(bool valid, uint64_t height, uint32_t round, NodeIndex proposer,
                   uint64_t salt) const;
  const BftEngine* engine_of(NodeIndex i) const;
  void honest_send(NodeIndex from, NodeIndex to, const Bytes& message);
  void start_full(NodeIndex i);
  void on_full_commit(NodeIndex i, const chain::CommitInfo& info, const Commit& c);
  void submit_tx(NodeIndex i);
  void check_full_end();
  void step(Event& e);
  void execute(NodeIndex i, Actions actions);
  void send(NodeIndex from, NodeIndex to, const Bytes& message);
  void byzantine_send(NodeIndex i, const Bytes& message, const std::vector<NodeIndex>& targets);
  void byzantine_forge(NodeIndex i, const Bytes& received);
  void forger_forge(NodeIndex i, NodeIndex from, const Bytes& received);
  // The coalition's second value and target group (a bit per node) at (h, r):
  // a pure function of the seed, so every member backs the same ones.
  std::pair<Value, uint64_t> coalition_plan(uint64_t h, uint32_t r) const;
  void check_own_message(NodeIndex i, const Bytes& message);
  // Every correctly signed proposal and value vote that is sent, for the
  // justification check: what an honest vote may rest on.
  void record_signed(const Message& m);
  void record_vote(const Vote& v);
  void check_lock(NodeIndex i, const Vote& v);
  bool prevotes_quorum(uint64_t h, uint32_t r, const Hash256& id) const;
  void on_commit(NodeIndex i, const Commit& c);
  void on_evidence(NodeIndex i, const Bytes& evidence);
  void check_liveness(NodeIndex i);
  void start_node(NodeIndex i);
  void crash(NodeIndex i);
  void on_gst();
  void violation(uint32_t& counter, const std::string& text);
  void trace(const std::string& line);
  bool done() const;
  std::vector<NodeIndex> peers_of(NodeIndex i) const;

  const SimConfig& config_;
  uint64_t seed_;
  Prng rng_;
  TestHooks hooks_;
  SimApp app_;
  CachingVerifier verifier_;
  ValidatorSet set_;
  std::vector<Node> nodes_;
  std::priority_queue<Event, std::vector<Event>, EventLater> queue_;
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t gst_ = 0;
  bool after_gst_ = false;
  uint64_t target_heights_ = 0;
  std::vector<uint8_t> groups_;
  std::set<std::pair<NodeIndex, NodeIndex>> one_way_cut_;  // (from, to) links that drop
  uint64_t post_gst_delay_ms_ = kPostGstMaxDelayMs;
  // A crash between persisting and sending: node torn_node_'s first
  // PersistBeforeSend at or after torn_time_ is made durable, then the node
  // dies before anything after it in the batch leaves.
  std::optional<NodeIndex> torn_node_;
  uint64_t torn_time_ = 0;
  std::map<uint64_t, std::pair<Hash256, uint32_t>> decided_;  // height -> (value, round)
  // Honest signatures: (validator, height, round, kind 0 proposal/1 prevote/2 precommit).
  std::map<std::tuple<NodeIndex, uint64_t, uint32_t, uint8_t>, std::optional<Hash256>> signed_;
  std::map<uint64_t, uint32_t> gst_rounds_;  // height -> highest honest round at GST
  // (height, round, type, value) -> bit per validator that signed such a vote.
  std::map<std::tuple<uint64_t, uint32_t, VoteType, Hash256>, uint64_t> signed_votes_;
  // (height, round, value) -> valid rounds of the proposer's proposals of it.
  std::map<std::tuple<uint64_t, uint32_t, Hash256>, std::set<int64_t>> signed_proposals_;
  // Honest locks as signed: (validator, height) -> (round, value) of its
  // latest precommit for a value, for the lock check.
  std::map<std::pair<NodeIndex, uint64_t>, std::pair<uint32_t, Hash256>> locks_;
  // Full mode.
  chain::Genesis genesis_;
  std::vector<chain::AppTestHooks> app_hooks_;           // one per validator (local values differ)
  std::vector<KeyPair> accounts_;                        // funded senders
  std::vector<Address> addresses_;                       // every address a transfer touched
  std::map<uint64_t, chain::BlockHeader> headers_;       // committed headers by height
  std::map<Hash256, uint64_t> committed_txs_;            // tx hash -> height
  std::vector<std::unique_ptr<FullReplica>> graveyard_;  // crashed mid-call: freed next step
  uint64_t fresh_addresses_ = 0;
  ScheduleResult result_;
  Hasher trace_hasher_;
  bool stop_ = false;
  uint64_t event_limit_ = kMaxEvents;
};

// --- Full mode: whole replicas ---------------------------------------------

struct Simulator::FullReplica {
  std::unique_ptr<rocksdb::Env> disk;  // survives crashes
  std::unique_ptr<ReplicaEnv> env;
  std::unique_ptr<chain::Application> app;
  std::unique_ptr<node::Replica> replica;
};

// The simulator as a replica's world: virtual clock, event-queue timers,
// the simulated network, and the checks on what the replica reports.
class Simulator::ReplicaEnv final : public node::Env {
 public:
  ReplicaEnv(Simulator& sim, NodeIndex i) : sim_(sim), i_(i) {}
  uint64_t now_ms() override { return kGenesisTimeMs + sim_.now_; }
  void schedule(const Timeout& t) override {
    Event e{.kind = EventKind::kTimeout, .node = i_};
    e.incarnation = sim_.nodes_[i_].incarnation;
    e.time = sim_.now_ + t.delay_ms;
    e.timeout = t;
    sim_.push(std::move(e));
  }
  void send(NodeIndex to, Bytes message) override { sim_.honest_send(i_, to, message); }
  void broadcast(Bytes message) override {
    sim_.check_own_message(i_, message);
    for (NodeIndex j : sim_.peers_of(i_)) sim_.send(i_, j, message);
  }
  bool after_persist() override {
    if (sim_.torn_node_ != i_ || sim_.now_ < sim_.torn_time_ || sim_.after_gst_) return true;
    sim_.torn_node_.reset();
    sim_.trace(fmt::format("{} torn crash node={}", sim_.now_, i_));
    sim_.crash(i_);
    Event r{.kind = EventKind::kRestart, .node = i_};
    r.time = std::min(sim_.gst_, sim_.now_ + sim_.rng_.between(50, 1000));
    sim_.push(std::move(r));
    return false;
  }
  void on_committed(const chain::CommitInfo& info, const Commit& c) override {
    sim_.on_full_commit(i_, info, c);
  }
  void on_evidence(ByteView evidence, const Status&) override {
    sim_.on_evidence(i_, Bytes(evidence.begin(), evidence.end()));
  }
  void on_halted(const Status& why) override {
    sim_.violation(sim_.result_.state_divergences,
                   fmt::format("divergence: replica {} halted: {}", i_, why.to_string()));
  }

 private:
  Simulator& sim_;
  NodeIndex i_;
};

Value Simulator::make_value(bool valid, uint64_t height, uint32_t round, NodeIndex proposer,
                            uint64_t salt) const {
  if (!config_.full) return fake_value(valid, height, round, proposer, salt);
  chain::Block b;
  b.header.height = height;
  b.header.proposer = set_.at(proposer).key;
  b.header.tx_root = chain::compute_tx_root({});
  if (auto parent = headers_.find(height - 1); parent != headers_.end()) {
    b.header.prev_hash = parent->second.hash();
    b.header.time_ms = parent->second.time_ms + 1 + (salt * 7 + round) % 64;
    b.header.state_root = parent->second.state_root;  // an empty block changes nothing
  }
  if (!valid) b.header.state_root.bytes[0] ^= 1;
  return Value{b.header.hash(), encode_to_bytes(b)};
}

const BftEngine* Simulator::engine_of(NodeIndex i) const {
  const Node& node = nodes_[i];
  if (node.full) return node.full->replica ? node.full->replica->bft() : nullptr;
  return node.engine.get();
}

void Simulator::honest_send(NodeIndex from, NodeIndex to, const Bytes& message) {
  check_own_message(from, message);
  send(from, to, message);
}

void Simulator::start_full(NodeIndex i) {
  Node& node = nodes_[i];
  FullReplica& f = *node.full;
  chain::StoreOptions so;
  so.env = f.disk.get();
  so.min_free_bytes = 0;  // an in-memory file system has no free-space figure
  so.node_cache_entries = 4096;
  auto store = chain::Store::open(fmt::format("/sim/node{}", i), so);
  if (!store) {
    violation(result_.state_divergences,
              fmt::format("replica {} store: {}", i, store.status().to_string()));
    return;
  }
  chain::AppConfig ac;
  if (mutation_layer(config_.mutation) == MutationInfo::Layer::kApp) ac.hooks = &app_hooks_[i];
  ac.evidence_checker = node::evidence_checker(genesis_);
  auto app = chain::Application::open(genesis_, std::move(*store), ac);
  if (!app) {
    violation(result_.state_divergences,
              fmt::format("replica {} application: {}", i, app.status().to_string()));
    return;
  }
  f.app = std::move(*app);
  f.env = std::make_unique<ReplicaEnv>(*this, i);
  node::ReplicaOptions ro;
  ro.block_interval_ms = kBlockIntervalMs;
  ro.timeouts = sim_timeouts();
  ro.verifier = &verifier_;
  ro.hooks = &hooks_;
  auto replica = node::Replica::open(*f.app, *node.key, *f.env, ro);
  if (!replica) {
    violation(result_.state_divergences,
              fmt::format("replica {} cannot restart: {}", i, replica.status().to_string()));
    return;
  }
  f.replica = std::move(*replica);
  node.alive = true;
  trace(fmt::format("{} start node={} height={}", now_, i, f.app->head().height + 1));
  f.replica->start();
}

void Simulator::on_full_commit(NodeIndex i, const chain::CommitInfo& info, const Commit& c) {
  on_commit(i, c);
  const chain::BlockHeader& h = info.header;
  auto [it, first] = headers_.emplace(h.height, h);
  if (!first && it->second.hash() != h.hash())
    violation(result_.state_divergences,
              fmt::format("divergence: replica {} has block {} at h={} with state root {}, "
                          "others {} with {}",
                          i, short_id(h.hash()), h.height, short_id(h.state_root),
                          short_id(it->second.hash()), short_id(it->second.state_root)));
  for (const Hash256& tx : info.tx_hashes) committed_txs_.emplace(tx, h.height);
  if (first && info.evidence_count > 0) {
    // Committed evidence accuses only Byzantine validators (honest ones never equivocate).
    result_.evidence_committed += info.evidence_count;
    auto block = nodes_[i].full->app->block(h.height);
    if (block) {
      for (const Bytes& item : block->evidence) {
        auto ev = decode_evidence(item);
        if (!ev || !nodes_[accused(*ev)].byzantine)
          violation(
              result_.evidence_violations,
              fmt::format("block at h={} commits evidence against an honest validator", h.height));
      }
    }
  }
  // Money is conserved: every balance there is adds up to the genesis total.
  const chain::Application& app = *nodes_[i].full->app;
  __int128 total = 0;
  for (const Address& a : addresses_) {
    auto acc = app.account(a);
    if (acc) total += acc->account.balance.value();
  }
  const __int128 expected = __int128{kFundedBalance} * kFundedAccounts;
  if (total != expected)
    violation(result_.conservation_violations,
              fmt::format("conservation: replica {} at h={} holds {} micro-units, genesis {}", i,
                          h.height, static_cast<int64_t>(total), static_cast<int64_t>(expected)));
}

// A transfer from a random funded account with the replica's next nonce for
// it, to an existing address or (half the time) a fresh one; amounts near
// min_balance make some of them depend on the min_balance rule.
void Simulator::submit_tx(NodeIndex i) {
  Node& node = nodes_[i];
  if (!node.alive || !node.full || !node.full->replica || node.full->replica->stopped()) return;
  chain::Application& app = *node.full->app;
  const KeyPair& from = accounts_[rng_.below(accounts_.size())];
  const Address sender = Address::of(from.public_key());
  Address to;
  if (rng_.percent(50)) {
    to = Address::of(KeyPair::from_label(fmt::format("sim-fresh-{}-{}", seed_, fresh_addresses_++))
                         .public_key());
    addresses_.push_back(to);
  } else {
    to = addresses_[rng_.below(addresses_.size())];
  }
  auto acc = app.account(sender);
  if (!acc) return;
  const uint64_t nonce = app.pending_nonce(sender).value_or(acc->account.nonce);
  const int64_t amount = static_cast<int64_t>(rng_.between(kMinBalance, 5 * kMinBalance));
  chain::Tx tx = chain::Tx::make_signed(kChainId, from, nonce, chain::Transfer{to, Money(amount)});
  auto r = app.check_tx(encode_to_bytes(tx));
  trace(fmt::format("{} submit node={} tx={} {}", now_, i, short_id(r.hash),
                    r.status ? "ok" : r.status.to_string()));
}

// After the run: every tx an honest replica committed at a height every
// honest replica has reached is in every honest replica's store.
void Simulator::check_full_end() {
  uint64_t common = UINT64_MAX;
  for (const Node& node : nodes_)
    if (node.full) common = std::min<uint64_t>(common, node.chain.size());
  for (NodeIndex i = 0; i < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    if (!node.full || !node.full->app) continue;
    for (const auto& [hash, height] : committed_txs_) {
      if (height > common) continue;
      auto stored = node.full->app->committed_tx(hash);
      if (!stored || !*stored)
        violation(result_.state_divergences,
                  fmt::format("divergence: tx {} committed at h={} is missing on replica {}",
                              short_id(hash), height, i));
    }
  }
  result_.txs_committed = committed_txs_.size();
}

void Simulator::plan() {
  const uint32_t n = config_.validators;
  std::vector<Validator> vs;
  for (uint32_t i = 0; i < n; ++i) {
    Node node;
    node.key = KeyPair::from_label(fmt::format("wattle-sim-validator-{}", i));
    vs.push_back({node.key->public_key(), config_.powers.empty() ? 1 : config_.powers[i]});
    nodes_.push_back(std::move(node));
  }
  set_ = std::move(*ValidatorSet::create(std::move(vs)));
  groups_.assign(n, 0);
  if (config_.full) {
    genesis_.chain_id = kChainId;
    genesis_.genesis_time_ms = kGenesisTimeMs;
    genesis_.block_interval_ms = kBlockIntervalMs;
    genesis_.engine = chain::EngineKind::kBft;
    genesis_.min_balance = Money(kMinBalance);
    for (uint32_t i = 0; i < n; ++i)
      genesis_.validators.push_back({set_.at(i).key, set_.at(i).power});
    for (uint32_t k = 0; k < kFundedAccounts; ++k) {
      accounts_.push_back(KeyPair::from_label(fmt::format("wattle-sim-account-{}", k)));
      addresses_.push_back(Address::of(accounts_.back().public_key()));
      genesis_.balances.emplace_back(addresses_.back(), Money(kFundedBalance));
    }
    headers_.emplace(0, genesis_.block().header);
    // nondeterministic-exec: replica i's own min_balance (1000 * (i + 1)).
    for (uint32_t i = 0; i < n; ++i)
      app_hooks_.push_back(chain::AppTestHooks(config_.mutation == Mutation::kNondeterministicExec,
                                               kMinBalance * (i + 1),
                                               config_.mutation == Mutation::kSkipRootCheck));
  }

  // Byzantine validators: a uniform random subset of the configured size
  // (validate_config guarantees any subset is below 1/3 of the power).
  std::vector<NodeIndex> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  // A coalition is all of them or none; else each picks its own strategy.
  const bool coalition = config_.adversary == Adversary::kCoalition ||
                         (config_.adversary == Adversary::kRandom && rng_.percent(20));
  for (uint32_t i = 0; i < config_.byzantine; ++i) {
    std::swap(order[i], order[i + rng_.below(n - i)]);
    Node& b = nodes_[order[i]];
    b.byzantine = true;
    const uint64_t pick = rng_.below(12);
    b.strategy = coalition                                 ? Strategy::kCoalition
                 : config_.adversary != Adversary::kRandom ? config_.adversary
                 : pick == 0                               ? Strategy::kSilent
                 : pick <= 2                               ? Strategy::kEquivocate
                 : pick <= 6                               ? Strategy::kFork
                 : pick == 7                               ? Strategy::kInvalid
                 : pick == 8                               ? Strategy::kReplay
                 : pick == 9                               ? Strategy::kMixed
                                                           : Strategy::kForger;
  }
  for (uint32_t i = 0; i < n; ++i)
    if (nodes_[i].byzantine)
      trace(fmt::format("byzantine node={} strategy={}", i, adversary_name(nodes_[i].strategy)));

  gst_ = rng_.between(300, 3000);
  if (config_.steady) {
    gst_ = kMaxVirtualMsAfterGst;  // never reached: the run ends when heights are done
    trace("steady");
    return;
  }
  // A quarter of the schedules keep delays after GST above the base
  // timeouts (100/50/50 ms): rounds fail until the timeouts have grown.
  if (rng_.percent(25)) post_gst_delay_ms_ = rng_.between(120, 250);
  result_.post_gst_delay_ms = post_gst_delay_ms_;
  trace(fmt::format("gst={} post_gst_delay={}", gst_, post_gst_delay_ms_));
  if (config_.partitions && n > 1) {
    const uint64_t episodes = rng_.between(1, 3);
    for (uint64_t k = 0; k < episodes; ++k) {
      Event form{.kind = EventKind::kPartition};
      form.time = rng_.below(gst_);
      const uint32_t group_count = static_cast<uint32_t>(rng_.between(2, std::min(3u, n)));
      form.groups.resize(n);
      for (auto& g : form.groups) g = static_cast<uint8_t>(rng_.below(group_count));
      form.groups[rng_.below(n)] = 1;  // at least two groups
      form.groups[rng_.below(n)] = 0;
      Event heal{.kind = EventKind::kPartition};
      heal.time = std::min(gst_, form.time + rng_.between(100, 1500));
      heal.groups.assign(n, 0);
      push(std::move(form));
      push(std::move(heal));
    }
    // One-way links: a hears b while b does not hear a, until GST.
    const uint64_t one_way = rng_.between(0, 2);
    for (uint64_t k = 0; k < one_way; ++k) {
      Event cut{.kind = EventKind::kOneWay};
      cut.from = static_cast<NodeIndex>(rng_.below(n));
      cut.node = static_cast<NodeIndex>((cut.from + 1 + rng_.below(n - 1)) % n);
      cut.time = rng_.below(gst_);
      cut.incarnation = 1;  // 1: cut, 0: restored
      Event restore = cut;
      restore.time = std::min(gst_, cut.time + rng_.between(100, 2000));
      restore.incarnation = 0;
      push(std::move(cut));
      push(std::move(restore));
    }
  }
  if (config_.crashes) {
    const NodeIndex who = static_cast<NodeIndex>(rng_.below(n));
    torn_time_ = rng_.below(gst_);
    if (!nodes_[who].byzantine) torn_node_ = who;
    const uint64_t episodes = rng_.between(1, 3);
    for (uint64_t k = 0; k < episodes; ++k) {
      const NodeIndex who = static_cast<NodeIndex>(rng_.below(n));
      if (nodes_[who].byzantine) continue;
      Event c{.kind = EventKind::kCrash, .node = who};
      c.time = rng_.below(gst_);
      Event r{.kind = EventKind::kRestart, .node = who};
      r.time = std::min(gst_, c.time + rng_.between(50, 1000));
      push(std::move(c));
      push(std::move(r));
    }
  }
  if (config_.full) {
    for (uint32_t k = 0; k < config_.txs; ++k) {
      Event e{.kind = EventKind::kSubmit, .node = static_cast<NodeIndex>(rng_.below(n))};
      e.time = rng_.below(gst_ + 500);
      push(std::move(e));
    }
  }
  Event gst{.kind = EventKind::kGst};
  gst.time = gst_;
  push(std::move(gst));
}

void Simulator::push(Event e) {
  e.seq = seq_++;
  queue_.push(std::move(e));
}

void Simulator::trace(const std::string& line) {
  trace_hasher_.update(as_bytes(line));
  trace_hasher_.update(as_bytes("\n"));
  if (config_.record_trace) {
    result_.trace += line;
    result_.trace += '\n';
  }
}

void Simulator::violation(uint32_t& counter, const std::string& text) {
  ++counter;
  // The schedule has failed: stop, except on a bad certificate, after which
  // we run on for a while to show the fork such a commit allows
  // (quorum-half); liveness means nothing any more (validators that missed
  // such a commit cannot catch up with it).
  if (&counter != &result_.certificate_violations) stop_ = true;
  if (&counter == &result_.certificate_violations && counter == 1)
    event_limit_ = result_.events + kEventsAfterBadCertificate;
  trace("VIOLATION " + text);
  if (result_.violations.size() < kMaxViolationTexts)
    result_.violations.push_back(fmt::format("t={} {}", now_, text));
}

std::vector<NodeIndex> Simulator::peers_of(NodeIndex i) const {
  std::vector<NodeIndex> out;
  for (NodeIndex j = 0; j < nodes_.size(); ++j)
    if (j != i) out.push_back(j);
  return out;
}

void Simulator::start_node(NodeIndex i) {
  Node& node = nodes_[i];
  if (node.byzantine && node.strategy == Strategy::kSilent) return;  // no engine needed
  if (config_.full && !node.byzantine) {
    if (!node.full) {
      node.full = std::make_unique<FullReplica>();
      node.full->disk.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    }
    return start_full(i);
  }
  const ValueHasher* hasher = config_.full ? &node::block_value_hasher() : &blake2b_value_hasher();
  auto engine =
      BftEngine::create(BftConfig{kChainId, set_, sim_timeouts(), hasher}, *node.key, app_,
                        node.persisted, verifier_, node.byzantine ? nullptr : &hooks_);
  assert(engine.is_ok());
  node.engine = std::move(*engine);
  node.alive = true;
  for (const auto& [value, cert] : node.recent) node.engine->remember_decision(value, cert);
  trace(fmt::format("{} start node={} height={}", now_, i, node.chain.size() + 1));
  execute(i, node.engine->start(node.chain.size() + 1));
}

void Simulator::crash(NodeIndex i) {
  Node& node = nodes_[i];
  if (!node.alive) return;
  trace(fmt::format("{} crash node={}", now_, i));
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

void Simulator::on_gst() {
  trace(fmt::format("{} gst", now_));
  after_gst_ = true;
  groups_.assign(nodes_.size(), 0);
  one_way_cut_.clear();
  for (NodeIndex i = 0; i < nodes_.size(); ++i)
    if (!nodes_[i].alive) start_node(i);
  uint64_t highest = 0;
  for (const Node& node : nodes_) {
    if (node.byzantine) continue;
    highest = std::max<uint64_t>(highest, node.chain.size());
    const BftEngine* engine = engine_of(static_cast<NodeIndex>(&node - nodes_.data()));
    if (!engine) continue;
    auto& r = gst_rounds_[engine->height()];
    r = std::max(r, engine->round());
  }
  target_heights_ = std::max<uint64_t>(config_.heights, highest + 1);
}

bool Simulator::done() const {
  if (config_.steady) {
    for (const Node& node : nodes_)
      if (!node.byzantine && node.chain.size() < config_.heights) return false;
    return true;
  }
  if (!after_gst_) return false;
  for (const Node& node : nodes_)
    if (!node.byzantine && node.chain.size() < target_heights_) return false;
  return true;
}

void Simulator::send(NodeIndex from, NodeIndex to, const Bytes& message) {
  ++result_.messages;
  if (auto m = decode_message(message)) record_signed(*m);
  const uint64_t max_delay = after_gst_ ? post_gst_delay_ms_ : kPreGstMaxDelayMs;
  if (!after_gst_ && rng_.percent(config_.loss_percent)) return;  // lost
  const int copies = rng_.percent(kDuplicatePercent) ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    Event e{.kind = EventKind::kDeliver, .node = to, .from = from};
    // Before GST a tenth of the messages straggle (up to 15x the usual
    // bound): reordering across rounds, which is what lock violations need.
    const bool straggle = !after_gst_ && rng_.percent(kStragglerPercent);
    e.time = now_ + (straggle ? rng_.between(max_delay, kStragglerMaxDelayMs)
                              : rng_.between(1, max_delay));
    e.message = message;
    push(std::move(e));
  }
}

void Simulator::check_own_message(NodeIndex i, const Bytes& message) {
  auto m = decode_message(message);
  assert(m.is_ok());
  if (!m) return;
  std::optional<std::tuple<NodeIndex, uint64_t, uint32_t, uint8_t>> key;
  std::optional<Hash256> id;
  if (auto* v = std::get_if<Vote>(&*m); v && v->validator == i) {
    key = {i, v->height, v->round, v->type == VoteType::kPrevote ? uint8_t{1} : uint8_t{2}};
    id = v->value_id;
  } else if (auto* p = std::get_if<ProposalMessage>(&*m); p && p->proposal.proposer == i) {
    key = {i, p->proposal.height, p->proposal.round, uint8_t{0}};
    id = p->proposal.value.id;
  }
  if (!key) return;
  // Justification (see simulator.h), checked before the message counts itself.
  if (auto* v = std::get_if<Vote>(&*m); v && v->validator == i && v->value_id) {
    bool justified = false;
    if (v->type == VoteType::kPrecommit) {
      justified = prevotes_quorum(v->height, v->round, *v->value_id);
    } else if (auto it = signed_proposals_.find({v->height, v->round, *v->value_id});
               it != signed_proposals_.end()) {
      for (int64_t vr : it->second)
        justified = justified || vr == -1 ||
                    prevotes_quorum(v->height, static_cast<uint32_t>(vr), *v->value_id);
    }
    if (!justified)
      violation(
          result_.unjustified_votes,
          fmt::format("unjustified: honest node {} {} {} at h={} r={} without the "
                      "messages that justify it",
                      i, vote_type_name(v->type), short_id(v->value_id), v->height, v->round));
  }
  if (auto* v = std::get_if<Vote>(&*m); v && v->validator == i && v->value_id) check_lock(i, *v);
  record_signed(*m);
  auto [it, inserted] = signed_.emplace(*key, id);
  if (!inserted && it->second != id)
    violation(result_.equivocations,
              fmt::format("equivocation: honest node {} signed {} and {} at h={} r={} kind={}", i,
                          short_id(it->second), short_id(id), std::get<1>(*key), std::get<2>(*key),
                          std::get<3>(*key)));
}

// The lock check (see simulator.h): a prevote for a value other than the one
// an honest validator last precommitted at this height, in a later round,
// needs a proposal of that value whose valid round is at or after the lock
// round and has 2f+1 prevotes behind it (rule 29's lockedRound <= vr). The
// justification check alone accepts a fresh proposal (vr = -1) there.
void Simulator::check_lock(NodeIndex i, const Vote& v) {
  const auto key = std::make_pair(i, v.height);
  auto lock = locks_.find(key);
  if (v.type == VoteType::kPrecommit) {
    if (lock == locks_.end() || lock->second.first <= v.round) locks_[key] = {v.round, *v.value_id};
    return;
  }
  if (lock == locks_.end() || v.round <= lock->second.first || *v.value_id == lock->second.second)
    return;  // not locked, an earlier round re-sent, or the locked value itself
  const uint32_t locked_round = lock->second.first;
  bool justified = false;
  if (auto it = signed_proposals_.find({v.height, v.round, *v.value_id});
      it != signed_proposals_.end())
    for (int64_t vr : it->second)
      justified = justified || (vr >= static_cast<int64_t>(locked_round) &&
                                prevotes_quorum(v.height, static_cast<uint32_t>(vr), *v.value_id));
  if (!justified)
    violation(result_.lock_violations,
              fmt::format("lock: honest node {} precommitted {} at h={} r={}, then prevoted {} at "
                          "r={} without a proof of lock from round {} or later",
                          i, short_id(lock->second.second), v.height, locked_round,
                          short_id(v.value_id), v.round, locked_round));
}

void Simulator::record_vote(const Vote& v) {
  if (!v.value_id || v.validator >= 64) return;
  auto [it, fresh] = signed_votes_.try_emplace({v.height, v.round, v.type, *v.value_id}, 0);
  const uint64_t bit = uint64_t{1} << v.validator;
  if (it->second & bit) return;
  if (!verify_vote(kChainId, set_, v, verifier_)) return;  // forgeries justify nothing
  it->second |= bit;
}

void Simulator::record_signed(const Message& m) {
  if (auto* v = std::get_if<Vote>(&m)) {
    record_vote(*v);
  } else if (auto* p = std::get_if<ProposalMessage>(&m)) {
    for (const Vote& v : p->proof_of_lock) record_vote(v);
    const Proposal& pr = p->proposal;
    auto key = std::make_tuple(pr.height, pr.round, pr.value.id);
    auto it = signed_proposals_.find(key);
    if (it != signed_proposals_.end() && it->second.count(pr.valid_round)) return;
    if (!verify_proposal(kChainId, set_, pr, verifier_)) return;
    signed_proposals_[key].insert(pr.valid_round);
  }
}

bool Simulator::prevotes_quorum(uint64_t h, uint32_t r, const Hash256& id) const {
  auto it = signed_votes_.find({h, r, VoteType::kPrevote, id});
  if (it == signed_votes_.end()) return false;
  uint64_t power = 0;
  for (NodeIndex j = 0; j < nodes_.size(); ++j)
    if ((it->second >> j) & 1) power += set_.at(j).power;
  return set_.is_two_thirds(power);
}

void Simulator::on_commit(NodeIndex i, const Commit& c) {
  Node& node = nodes_[i];
  trace(fmt::format("{} commit node={} h={} v={}", now_, i, c.height, short_id(c.value.id)));
  if (node.byzantine) return;
  if (c.height != node.chain.size() + 1)
    violation(result_.safety_violations,
              fmt::format("node {} committed height {} after {}", i, c.height, node.chain.size()));
  auto cert = decode_exact<CommitCertificate>(c.certificate);
  uint32_t round = 0;
  if (!cert) {
    violation(result_.certificate_violations, fmt::format("node {} h={}: certificate does not "
                                                          "decode",
                                                          i, c.height));
  } else {
    round = cert->round;
    Status st = verify_certificate(kChainId, set_, *cert, verifier_);
    if (!st || cert->value_id != c.value.id || cert->height != c.height)
      violation(result_.certificate_violations,
                fmt::format("node {} h={}: certificate invalid: {}", i, c.height,
                            st ? "wrong value or height" : st.message()));
  }
  // In full mode the replica executed the block before reporting it, and a
  // block it cannot execute halts it (a divergence).
  if (!config_.full && !app_.validate(c.height, c.value))
    violation(result_.safety_violations,
              fmt::format("node {} committed an invalid value at h={}", i, c.height));
  const ValueHasher& hasher = config_.full ? node::block_value_hasher() : blake2b_value_hasher();
  if (hasher.id_of(c.value.data) != c.value.id)
    violation(result_.safety_violations,
              fmt::format("node {} committed bytes that do not hash to the value id at h={}", i,
                          c.height));
  auto [it, first] = decided_.emplace(c.height, std::make_pair(c.value.id, round));
  if (first) {
    ++result_.heights_committed;
    result_.rounds_total += round + 1;
  } else if (it->second.first != c.value.id) {
    violation(result_.safety_violations,
              fmt::format("safety: node {} committed {} at h={} but {} was committed before", i,
                          short_id(c.value.id), c.height, short_id(it->second.first)));
  }
  node.chain.push_back(c.value.id);
  if (cert && !node.full) {
    node.recent.emplace_back(c.value, *cert);
    if (node.recent.size() > BftEngine::kDecisionHistory) node.recent.erase(node.recent.begin());
  }
  // The network adversary before GST may react to what it sees: now and then
  // it cuts off a validator that just decided, so the others must finish the
  // height without its precommit or its catch-up help. This is the schedule
  // that makes a broken lock (the no-lock mutation) fork the chain.
  if (config_.partitions && !after_gst_ && rng_.percent(kIsolateDeciderPercent)) {
    Event cut{.kind = EventKind::kPartition};
    cut.time = now_;
    cut.groups.assign(nodes_.size(), 0);
    cut.groups[i] = 1;
    Event heal{.kind = EventKind::kPartition};
    heal.time = std::min(gst_, now_ + rng_.between(300, 2000));
    heal.groups.assign(nodes_.size(), 0);
    push(std::move(cut));
    push(std::move(heal));
  }
}

void Simulator::on_evidence(NodeIndex i, const Bytes& bytes) {
  ++result_.evidence_found;
  auto ev = decode_evidence(bytes);
  if (!ev || !verify_any_evidence(kChainId, set_, *ev, verifier_)) {
    violation(result_.evidence_violations,
              fmt::format("node {} reported unverifiable evidence", i));
    return;
  }
  const NodeIndex against = accused(*ev);
  trace(fmt::format("{} evidence node={} against={} kind={}", now_, i, against,
                    std::holds_alternative<ProposalEvidence>(*ev) ? "proposals" : "votes"));
  if (!nodes_[against].byzantine)
    violation(result_.evidence_violations,
              fmt::format("node {} holds evidence against honest node {}", i, against));
}

void Simulator::execute(NodeIndex i, Actions actions) {
  Node& node = nodes_[i];
  for (auto& action : actions) {
    if (!node.alive) return;  // crashed in this batch: nothing more leaves
    std::visit(
        ActionHandlers{
            [&](PersistBeforeSend& p) {
              node.persisted = std::move(p.state);
              if (torn_node_ == i && now_ >= torn_time_ && !after_gst_) {
                // Durable, then the crash: the rest of the batch never leaves.
                torn_node_.reset();
                trace(fmt::format("{} torn crash node={}", now_, i));
                crash(i);
                Event r{.kind = EventKind::kRestart, .node = i};
                r.time = std::min(gst_, now_ + rng_.between(50, 1000));
                push(std::move(r));
              }
            },
            [&](Broadcast& b) {
              if (node.byzantine) return byzantine_send(i, b.message, peers_of(i));
              check_own_message(i, b.message);
              for (NodeIndex j : peers_of(i)) send(i, j, b.message);
            },
            [&](Send& s) {
              if (node.byzantine) return byzantine_send(i, s.message, {s.to});
              honest_send(i, s.to, s.message);
            },
            [&](ScheduleTimeout& t) {
              Event e{.kind = EventKind::kTimeout, .node = i, .incarnation = node.incarnation};
              e.time = now_ + t.timeout.delay_ms;
              e.timeout = t.timeout;
              push(std::move(e));
            },
            [&](Commit& c) {
              on_commit(i, c);
              // The host stores the block (above) and reports it executed at once.
              execute(i, node.engine->on_block_executed(c.height));
            },
            [&](EvidenceFound& ev) { on_evidence(i, ev.evidence); },
            [&](RequestValue& r) {
              Event e{.kind = EventKind::kValueReady, .node = i, .incarnation = node.incarnation};
              e.time = now_ + rng_.between(0, 5);
              e.timeout = Timeout{r.height, r.round, TimeoutStep::kPropose, 0};
              push(std::move(e));
            },
        },
        action);
  }
}

void Simulator::byzantine_send(NodeIndex i, const Bytes& message,
                               const std::vector<NodeIndex>& targets) {
  Node& node = nodes_[i];
  Strategy s = node.strategy;
  if (s == Strategy::kMixed) s = static_cast<Strategy>(rng_.below(6));  // per message
  if (s == Strategy::kSilent) return;
  auto m = decode_message(message);
  if (!m) return;

  // Equivocation splits the peers into two groups per (height, round): one
  // sees the engine's own message, the other an alternative proposal and
  // votes for it, consistently, which is what it takes to try and fork.
  std::optional<Bytes> replacement;  // for every target
  std::optional<Bytes> alternative;  // for the split group
  uint64_t split = 0;
  auto alt_value = [&](uint64_t h, uint32_t r, bool valid) {
    return make_value(valid, h, r, i, 1 + (seed_ & 0xffff));
  };
  auto split_of = [&](uint64_t h, uint32_t r) {
    auto [it, fresh] = node.split.emplace(std::make_pair(h, r), 0);
    if (fresh) it->second = rng_.next();
    return it->second;
  };
  if (s == Strategy::kCoalition) {
    // Everyone in the group sees the coalition back w; everyone else sees
    // what the members' engines say.
    if (auto* v = std::get_if<Vote>(&*m); v && v->validator == i) {
      auto [w, group] = coalition_plan(v->height, v->round);
      alternative =
          encode_message(sign_vote(kChainId, *node.key, i, v->type, v->height, v->round, w.id));
      split = group;
    } else if (auto* p = std::get_if<ProposalMessage>(&*m); p && p->proposal.proposer == i) {
      const Proposal& pr = p->proposal;
      auto [w, group] = coalition_plan(pr.height, pr.round);
      alternative = encode_message(
          ProposalMessage{sign_proposal(kChainId, *node.key, i, pr.height, pr.round, w, -1), {}});
      split = group;
    }
  } else if (auto* v = std::get_if<Vote>(&*m); v && v->validator == i) {
    if (s == Strategy::kEquivocate) {
      Hash256 other = alt_value(v->height, v->round, true).id;
      std::optional<Hash256> id = v->value_id == other ? std::nullopt : std::optional(other);
      alternative =
          encode_message(sign_vote(kChainId, *node.key, i, v->type, v->height, v->round, id));
      split = split_of(v->height, v->round);
    } else if (s == Strategy::kInvalid) {
      replacement = encode_message(sign_vote(kChainId, *node.key, i, v->type, v->height, v->round,
                                             alt_value(v->height, v->round, false).id));
    } else if (s == Strategy::kFork && v->type == VoteType::kPrevote &&
               set_.proposer(v->height, v->round) == i) {
      replacement = encode_message(sign_vote(kChainId, *node.key, i, v->type, v->height, v->round,
                                             alt_value(v->height, v->round, true).id));
    } else if (s == Strategy::kFork && v->type == VoteType::kPrecommit) {
      // The real precommit to one peer, nil to the rest.
      alternative = encode_message(
          sign_vote(kChainId, *node.key, i, v->type, v->height, v->round, std::nullopt));
      split = ~(uint64_t{1} << (split_of(v->height, v->round) % nodes_.size()));
    }
  } else if (auto* p = std::get_if<ProposalMessage>(&*m); p && p->proposal.proposer == i) {
    const Proposal& pr = p->proposal;
    if (s == Strategy::kEquivocate) {
      alternative =
          encode_message(ProposalMessage{sign_proposal(kChainId, *node.key, i, pr.height, pr.round,
                                                       alt_value(pr.height, pr.round, true), -1),
                                         {}});
      split = split_of(pr.height, pr.round);
    } else if (s == Strategy::kInvalid || s == Strategy::kFork) {
      const bool valid = s == Strategy::kFork;
      replacement =
          encode_message(ProposalMessage{sign_proposal(kChainId, *node.key, i, pr.height, pr.round,
                                                       alt_value(pr.height, pr.round, valid), -1),
                                         {}});
    }
  }
  for (NodeIndex t : targets) {
    const Bytes* out = replacement ? &*replacement : &message;
    if (alternative && ((split >> (t % 64)) & 1)) out = &*alternative;
    send(i, t, *out);
    if (s == Strategy::kReplay && !node.archive.empty() && rng_.percent(kReplayPercent))
      send(i, t, node.archive[rng_.below(node.archive.size())]);
  }
}

void Simulator::byzantine_forge(NodeIndex i, const Bytes& received) {
  Node& node = nodes_[i];
  auto m = decode_message(received);
  if (!m) return;
  const auto hr = height_round(*m);
  if (!hr) return;
  const auto [h, r] = *hr;
  // Its next proposer round at or after r within n rounds (always one with
  // equal powers; with weighted proposers a light validator may have none).
  for (uint32_t round = r; round <= r + nodes_.size(); ++round) {
    if (set_.proposer(h, round) != i) continue;
    if (!node.forged.insert({h, round}).second) break;
    const Value w = make_value(true, h, round, i, 2 + (seed_ & 0xffff));
    for (NodeIndex t : peers_of(i)) {
      send(i, t,
           encode_message(
               ProposalMessage{sign_proposal(kChainId, *node.key, i, h, round, w, -1), {}}));
      for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit})
        send(i, t, encode_message(sign_vote(kChainId, *node.key, i, type, h, round, w.id)));
    }
    break;
  }
}

std::pair<Value, uint64_t> Simulator::coalition_plan(uint64_t h, uint32_t r) const {
  Prng local(seed_ ^ (h * 0x9E3779B97F4A7C15ull) ^ (uint64_t{r} * 0xC2B2AE3D27D4EB4Full));
  uint64_t honest = 0, group = 0;
  for (NodeIndex j = 0; j < nodes_.size(); ++j)
    if (!nodes_[j].byzantine) honest |= uint64_t{1} << j;
  for (NodeIndex j = 0; j < nodes_.size(); ++j)
    if (((honest >> j) & 1) && local.percent(50)) group |= uint64_t{1} << j;
  // A proper, non-empty part of the honest validators: a split to exploit.
  if (group == 0 || group == honest) group ^= honest & (~honest + 1);  // flip the lowest
  if (group == 0) group = honest;  // one honest validator: nothing to split
  return {make_value(true, h, r, set_.proposer(h, r), 3 + (seed_ & 0xffff)), group};
}

void Simulator::forger_forge(NodeIndex i, NodeIndex from, const Bytes& received) {
  Node& node = nodes_[i];
  // Only honest traffic sets it off: two forgers answering each other's
  // far-future rounds would escalate without bound.
  if (nodes_[from].byzantine) return;
  auto m = decode_message(received);
  if (!m) return;
  const auto n = static_cast<NodeIndex>(nodes_.size());
  auto to_all = [&](const Message& msg) {
    const Bytes b = encode_message(msg);
    for (NodeIndex t : peers_of(i)) send(i, t, b);
  };
  const NodeIndex outside = n + 7;  // an index no validator has
  const uint64_t salt = seed_ & 0xffff;
  if (auto* p = std::get_if<ProposalMessage>(&*m);
      p && p->proposal.proposer != i && node.forged_from.insert(p->proposal.value.id).second) {
    const Proposal& pr = p->proposal;
    // Altered block bytes under the proposer's valid signature (still a
    // block the application accepts: only the engine's hash check stops it).
    ProposalMessage altered = *p;
    altered.proposal.value.data = make_value(true, pr.height, pr.round, pr.proposer, 4 + salt).data;
    to_all(altered);
    // Prevotes and precommits for it in every other validator's name, signed
    // with the forger's key: none verifies.
    for (NodeIndex j = 0; j < n; ++j) {
      if (j == i) continue;
      for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit})
        to_all(sign_vote(kChainId, *node.key, j, type, pr.height, pr.round, pr.value.id));
    }
    // Out-of-range indexes: a vote, and a certificate signer.
    to_all(sign_vote(kChainId, *node.key, outside, VoteType::kPrecommit, pr.height, pr.round,
                     pr.value.id));
    const Vote own =
        sign_vote(kChainId, *node.key, i, VoteType::kPrecommit, pr.height, pr.round, pr.value.id);
    CommitCertificate too_little = make_certificate(set_, pr.height, pr.round, pr.value.id, {own});
    to_all(DecisionMessage{pr.value, too_little});  // its own precommit only: < 2/3
    CommitCertificate stranger = too_little;
    stranger.signatures.push_back({outside, own.signature});
    to_all(DecisionMessage{pr.value, stranger});
  }
  const auto hr = height_round(*m);
  if (!hr) return;
  const auto [h, r] = *hr;
  // Proposals for the coming rounds, once per round: where it is not the
  // proposer, two values split between two groups of peers (only a missing
  // proposer check would take them); where it is, a fresh value with a false
  // valid round (vr = round - 1, no proof of lock).
  const uint32_t horizon = liveness_round_bound(n) + 2;
  for (uint32_t round = r + 1; round <= r + horizon; ++round) {
    if (!node.forged.insert({h, round}).second) continue;
    if (set_.proposer(h, round) == i) {
      // With its own prevote and precommit for it: a lock that trusts the
      // valid round needs only f more honest votes to break.
      const Value w = make_value(true, h, round, i, 5 + salt);
      to_all(ProposalMessage{sign_proposal(kChainId, *node.key, i, h, round, w, round - 1), {}});
      for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit})
        to_all(sign_vote(kChainId, *node.key, i, type, h, round, w.id));
      continue;
    }
    Bytes a =
        encode_message(ProposalMessage{sign_proposal(kChainId, *node.key, i, h, round,
                                                     make_value(true, h, round, i, 6 + salt), -1),
                                       {}});
    Bytes b =
        encode_message(ProposalMessage{sign_proposal(kChainId, *node.key, i, h, round,
                                                     make_value(true, h, round, i, 7 + salt), -1),
                                       {}});
    for (NodeIndex t : peers_of(i)) send(i, t, t % 2 ? a : b);
  }
}

void Simulator::check_liveness(NodeIndex i) {
  const Node& node = nodes_[i];
  if (!after_gst_ || node.byzantine || !node.alive || stop_ || result_.certificate_violations)
    return;
  const BftEngine* engine = engine_of(i);
  if (!engine) return;
  const uint64_t h = engine->height();
  const uint32_t r = engine->round();
  auto it = gst_rounds_.find(h);
  const uint32_t base = it == gst_rounds_.end() ? 0 : it->second;
  const uint32_t used = r > base ? r - base : 0;
  result_.max_rounds_after_gst = std::max(result_.max_rounds_after_gst, used);
  const uint32_t bound = liveness_round_bound(config_.validators, post_gst_delay_ms_);
  if (used > bound) {
    violation(result_.liveness_failures,
              fmt::format("liveness: node {} at h={} reached round {} ({} rounds after GST, "
                          "bound {})",
                          i, h, r, used, bound));
  }
}

void Simulator::step(Event& e) {
  switch (e.kind) {
    case EventKind::kDeliver: {
      Node& node = nodes_[e.node];
      if (groups_[e.node] != groups_[e.from] || one_way_cut_.count({e.from, e.node}) ||
          !node.alive || !engine_of(e.node)) {
        trace(fmt::format("{} drop {}->{}", now_, e.from, e.node));
        return;
      }
      // The hash covers the exact bytes delivered; the text (when kept) a summary.
      trace_hasher_.update(as_bytes(fmt::format("{} d {} {}", now_, e.from, e.node)));
      trace_hasher_.update(e.message);
      if (config_.record_trace)
        result_.trace +=
            fmt::format("{} deliver {}->{} {}\n", now_, e.from, e.node, describe(e.message));
      if (node.byzantine) {
        if (node.archive.size() < kArchiveSize) {
          node.archive.push_back(e.message);
        } else {
          node.archive[node.archive_next++ % kArchiveSize] = e.message;
        }
      }
      if (node.byzantine && (node.strategy == Strategy::kFork || node.strategy == Strategy::kMixed))
        byzantine_forge(e.node, e.message);
      if (node.byzantine && node.strategy == Strategy::kForger)
        forger_forge(e.node, e.from, e.message);
      if (node.full) {
        node.full->replica->on_message(e.from, e.message);
      } else {
        execute(e.node, node.engine->on_message(e.from, e.message));
      }
      check_liveness(e.node);
      return;
    }
    case EventKind::kTimeout: {
      Node& node = nodes_[e.node];
      if (!node.alive || e.incarnation != node.incarnation || !engine_of(e.node)) return;
      trace(fmt::format("{} timeout node={} h={} r={} step={}", now_, e.node, e.timeout.height,
                        e.timeout.round, static_cast<int>(e.timeout.step)));
      if (node.full) {
        node.full->replica->on_timeout(e.timeout);
      } else {
        execute(e.node, node.engine->on_timeout(e.timeout));
      }
      check_liveness(e.node);
      return;
    }
    case EventKind::kValueReady: {
      Node& node = nodes_[e.node];
      if (!node.alive || e.incarnation != node.incarnation || !node.engine) return;
      const bool valid = !(node.byzantine && node.strategy == Strategy::kInvalid);
      Value v = make_value(valid, e.timeout.height, e.timeout.round, e.node, 0);
      trace(fmt::format("{} value node={} h={} r={} v={}", now_, e.node, e.timeout.height,
                        e.timeout.round, short_id(v.id)));
      execute(e.node, node.engine->on_value_ready(e.timeout.height, e.timeout.round, v));
      check_liveness(e.node);
      return;
    }
    case EventKind::kCrash:
      crash(e.node);
      return;
    case EventKind::kOneWay:
      trace(fmt::format("{} one-way {}->{} {}", now_, e.from, e.node,
                        e.incarnation ? "cut" : "restored"));
      if (e.incarnation) {
        one_way_cut_.insert({e.from, e.node});
      } else {
        one_way_cut_.erase({e.from, e.node});
      }
      return;
    case EventKind::kRestart:
      if (!nodes_[e.node].alive) start_node(e.node);
      return;
    case EventKind::kPartition: {
      std::string g;
      for (uint8_t x : e.groups) g += static_cast<char>('0' + x);
      trace(fmt::format("{} partition {}", now_, g));
      groups_ = e.groups;
      return;
    }
    case EventKind::kGst:
      on_gst();
      return;
    case EventKind::kSubmit:
      submit_tx(e.node);
      return;
  }
}

ScheduleResult Simulator::run() {
  trace(fmt::format(
      "schedule seed={} validators={} byzantine={} loss={} partitions={} "
      "crashes={} heights={} mutation={}",
      seed_, config_.validators, config_.byzantine, config_.loss_percent, config_.partitions,
      config_.crashes, config_.heights, mutation_name(config_.mutation)));
  plan();
  for (NodeIndex i = 0; i < nodes_.size(); ++i) start_node(i);
  while (!queue_.empty() && !stop_ && !done()) {
    Event e = std::move(const_cast<Event&>(queue_.top()));  // only time/seq order the heap
    queue_.pop();
    graveyard_.clear();
    now_ = e.time;
    if (++result_.events > event_limit_) {
      if (result_.certificate_violations == 0)
        violation(result_.liveness_failures, "liveness: event budget exhausted");
      break;
    }
    const bool late = config_.steady ? now_ > kMaxVirtualMsAfterGst
                                     : after_gst_ && now_ > gst_ + kMaxVirtualMsAfterGst;
    if (late && result_.certificate_violations == 0) {
      violation(result_.liveness_failures, "liveness: no decision within the time budget");
      break;
    }
    step(e);
  }
  if (!stop_ && !done() && queue_.empty() && result_.certificate_violations == 0)
    violation(result_.liveness_failures, "liveness: nothing left to happen");
  if (config_.full) check_full_end();
  result_.virtual_ms = now_;
  trace(fmt::format("{} end heights={} messages={}", now_, result_.heights_committed,
                    result_.messages));
  result_.trace_hash = trace_hasher_.finish();
  return std::move(result_);
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
    t.txs_committed += r.txs_committed;
    t.evidence_committed += r.evidence_committed;
    t.heights += r.heights_committed;
    t.rounds += r.rounds_total;
    t.messages += r.messages;
    t.evidence_found += r.evidence_found;
    if (r.failed() && !t.first_failure) t.first_failure = std::move(r);
  }
  return t;
}

}  // namespace wattle::simnet
