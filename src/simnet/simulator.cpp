#include "simnet/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>

#include "consensus/bft/bft_engine.h"
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

// Simulated block values: data = (tag, valid flag, height, round, proposer,
// salt) and id = BLAKE2b(data), so values are distinct, self-certifying and
// cheap; the application accepts a value iff its flag says valid, its height
// is the one being decided and its id matches its data.
Value make_value(bool valid, uint64_t height, uint32_t round, NodeIndex proposer, uint64_t salt) {
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
  bool validate(uint64_t height, const Value& v) override {
    Reader r(v.data);
    std::string tag;
    bool valid = false;
    uint64_t h = 0;
    if (!r.str(tag, 32) || tag != "wattle-sim-value" || !r.boolean(valid) || !r.u64(h))
      return false;
    return valid && h == height && blake2b256(v.data) == v.id;
  }
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
//  mixed       one of the above at random per message, and forges like fork.
enum class Strategy : uint8_t { kSilent, kEquivocate, kFork, kInvalid, kReplay, kHonest, kMixed };

const char* strategy_name(Strategy s) {
  switch (s) {
    case Strategy::kSilent:
      return "silent";
    case Strategy::kEquivocate:
      return "equivocate";
    case Strategy::kFork:
      return "fork";
    case Strategy::kInvalid:
      return "invalid";
    case Strategy::kReplay:
      return "replay";
    case Strategy::kHonest:
      return "honest";
    case Strategy::kMixed:
      return "mixed";
  }
  return "?";
}

enum class EventKind : uint8_t {
  kDeliver,
  kTimeout,
  kValueReady,
  kCrash,
  kRestart,
  kPartition,
  kGst
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

uint32_t liveness_round_bound(uint32_t validators) {
  return 2 * validators + 4;
}

Status validate_config(const SimConfig& c) {
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
  return cmd + " --trace trace.txt";
}

// One schedule. A class (not a function) because it is TestHooks' friend:
// the only place that can switch on an engine mutation.
class Simulator {
 public:
  Simulator(const SimConfig& config, uint64_t seed)
      : config_(config), seed_(seed), rng_(seed), hooks_(config.mutation) {
    result_.seed = seed;
  }

  ScheduleResult run();

 private:
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
    std::set<std::pair<uint64_t, uint32_t>> forged;  // Byzantine fork: rounds forged
  };

  void plan();
  void push(Event e);
  void step(Event& e);
  void execute(NodeIndex i, Actions actions);
  void send(NodeIndex from, NodeIndex to, const Bytes& message);
  void byzantine_send(NodeIndex i, const Bytes& message, const std::vector<NodeIndex>& targets);
  void byzantine_forge(NodeIndex i, const Bytes& received);
  void check_own_message(NodeIndex i, const Bytes& message);
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
  std::map<uint64_t, std::pair<Hash256, uint32_t>> decided_;  // height -> (value, round)
  // Honest signatures: (validator, height, round, kind 0 proposal/1 prevote/2 precommit).
  std::map<std::tuple<NodeIndex, uint64_t, uint32_t, uint8_t>, std::optional<Hash256>> signed_;
  std::map<uint64_t, uint32_t> gst_rounds_;  // height -> highest honest round at GST
  ScheduleResult result_;
  Hasher trace_hasher_;
  bool stop_ = false;
  uint64_t event_limit_ = kMaxEvents;
};

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

  // Byzantine validators: a uniform random subset of the configured size
  // (validate_config guarantees any subset is below 1/3 of the power).
  std::vector<NodeIndex> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  for (uint32_t i = 0; i < config_.byzantine; ++i) {
    std::swap(order[i], order[i + rng_.below(n - i)]);
    Node& b = nodes_[order[i]];
    b.byzantine = true;
    const uint64_t pick = rng_.below(10);
    b.strategy = pick == 0   ? Strategy::kSilent
                 : pick <= 2 ? Strategy::kEquivocate
                 : pick <= 6 ? Strategy::kFork
                 : pick == 7 ? Strategy::kInvalid
                 : pick == 8 ? Strategy::kReplay
                             : Strategy::kMixed;
  }
  for (uint32_t i = 0; i < n; ++i)
    if (nodes_[i].byzantine)
      trace(fmt::format("byzantine node={} strategy={}", i, strategy_name(nodes_[i].strategy)));

  gst_ = rng_.between(300, 3000);
  if (config_.steady) {
    gst_ = kMaxVirtualMsAfterGst;  // never reached: the run ends when heights are done
    trace("steady");
    return;
  }
  trace(fmt::format("gst={}", gst_));
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
  }
  if (config_.crashes) {
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
  auto engine = BftEngine::create(BftConfig{kChainId, set_, sim_timeouts()}, *node.key, app_,
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
}

void Simulator::on_gst() {
  trace(fmt::format("{} gst", now_));
  after_gst_ = true;
  groups_.assign(nodes_.size(), 0);
  for (NodeIndex i = 0; i < nodes_.size(); ++i)
    if (!nodes_[i].alive) start_node(i);
  uint64_t highest = 0;
  for (const Node& node : nodes_) {
    if (node.byzantine) continue;
    highest = std::max<uint64_t>(highest, node.chain.size());
    auto& r = gst_rounds_[node.engine->height()];
    r = std::max(r, node.engine->round());
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
  const uint64_t max_delay = after_gst_ ? kPostGstMaxDelayMs : kPreGstMaxDelayMs;
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
  auto [it, inserted] = signed_.emplace(*key, id);
  if (!inserted && it->second != id)
    violation(result_.equivocations,
              fmt::format("equivocation: honest node {} signed {} and {} at h={} r={} kind={}", i,
                          short_id(it->second), short_id(id), std::get<1>(*key), std::get<2>(*key),
                          std::get<3>(*key)));
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
  if (!app_.validate(c.height, c.value))
    violation(result_.safety_violations,
              fmt::format("node {} committed an invalid value at h={}", i, c.height));
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
  if (cert) {
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
  auto ev = decode_exact<Evidence>(bytes);
  if (!ev || !verify_evidence(kChainId, set_, *ev, verifier_)) {
    violation(result_.evidence_violations,
              fmt::format("node {} reported unverifiable evidence", i));
    return;
  }
  trace(fmt::format("{} evidence node={} against={}", now_, i, ev->first.validator));
  if (!nodes_[ev->first.validator].byzantine)
    violation(result_.evidence_violations,
              fmt::format("node {} holds evidence against honest node {}", i, ev->first.validator));
}

void Simulator::execute(NodeIndex i, Actions actions) {
  Node& node = nodes_[i];
  for (auto& a : actions) {
    if (auto* p = std::get_if<PersistBeforeSend>(&a)) {
      node.persisted = std::move(p->state);
    } else if (auto* b = std::get_if<Broadcast>(&a)) {
      if (node.byzantine) {
        byzantine_send(i, b->message, peers_of(i));
      } else {
        check_own_message(i, b->message);
        for (NodeIndex j : peers_of(i)) send(i, j, b->message);
      }
    } else if (auto* s = std::get_if<Send>(&a)) {
      if (node.byzantine) {
        byzantine_send(i, s->message, {s->to});
      } else {
        check_own_message(i, s->message);
        send(i, s->to, s->message);
      }
    } else if (auto* t = std::get_if<ScheduleTimeout>(&a)) {
      Event e{.kind = EventKind::kTimeout, .node = i, .incarnation = node.incarnation};
      e.time = now_ + t->timeout.delay_ms;
      e.timeout = t->timeout;
      push(std::move(e));
    } else if (auto* c = std::get_if<Commit>(&a)) {
      on_commit(i, *c);
      // The host stores the block (above) and reports it executed at once.
      execute(i, node.engine->on_block_executed(c->height));
    } else if (auto* ev = std::get_if<EvidenceFound>(&a)) {
      on_evidence(i, ev->evidence);
    } else if (auto* r = std::get_if<RequestValue>(&a)) {
      Event e{.kind = EventKind::kValueReady, .node = i, .incarnation = node.incarnation};
      e.time = now_ + rng_.between(0, 5);
      e.timeout = Timeout{r->height, r->round, TimeoutStep::kPropose, 0};
      push(std::move(e));
    }
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
  if (auto* v = std::get_if<Vote>(&*m); v && v->validator == i) {
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
  uint64_t h = 0;
  uint32_t r = 0;
  if (auto* v = std::get_if<Vote>(&*m)) {
    h = v->height;
    r = v->round;
  } else if (auto* p = std::get_if<ProposalMessage>(&*m)) {
    h = p->proposal.height;
    r = p->proposal.round;
  } else {
    return;
  }
  // Its next proposer round at or after r (within n rounds, by round-robin).
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

void Simulator::check_liveness(NodeIndex i) {
  const Node& node = nodes_[i];
  if (!after_gst_ || node.byzantine || !node.alive || stop_ || result_.certificate_violations)
    return;
  const uint64_t h = node.engine->height();
  const uint32_t r = node.engine->round();
  auto it = gst_rounds_.find(h);
  const uint32_t base = it == gst_rounds_.end() ? 0 : it->second;
  const uint32_t used = r > base ? r - base : 0;
  result_.max_rounds_after_gst = std::max(result_.max_rounds_after_gst, used);
  if (used > liveness_round_bound(config_.validators)) {
    violation(result_.liveness_failures,
              fmt::format("liveness: node {} at h={} reached round {} ({} rounds after GST, "
                          "bound {})",
                          i, h, r, used, liveness_round_bound(config_.validators)));
  }
}

void Simulator::step(Event& e) {
  switch (e.kind) {
    case EventKind::kDeliver: {
      Node& node = nodes_[e.node];
      if (groups_[e.node] != groups_[e.from] || !node.alive || !node.engine) {
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
      execute(e.node, node.engine->on_message(e.from, e.message));
      check_liveness(e.node);
      return;
    }
    case EventKind::kTimeout: {
      Node& node = nodes_[e.node];
      if (!node.alive || e.incarnation != node.incarnation || !node.engine) return;
      trace(fmt::format("{} timeout node={} h={} r={} step={}", now_, e.node, e.timeout.height,
                        e.timeout.round, static_cast<int>(e.timeout.step)));
      execute(e.node, node.engine->on_timeout(e.timeout));
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
    t.evidence_failed += r.evidence_violations > 0;
    t.liveness_failed += r.liveness_failures > 0;
    t.heights += r.heights_committed;
    t.rounds += r.rounds_total;
    t.messages += r.messages;
    t.evidence_found += r.evidence_found;
    if (r.failed() && !t.first_failure) t.first_failure = std::move(r);
  }
  return t;
}

}  // namespace wattle::simnet
