// Cluster: the validators of one simulated schedule and their lifecycle
// (docs/consensus.md): keys, engines (or, in full mode, whole node::Replicas over
// their own application and in-memory RocksDB disk), start, crash, torn
// crash between persisting and sending, restart from what was persisted,
// and the host's side of every engine action.
//
// Promises: an honest validator's messages pass Checker::check_own_message
// before the Network sends them; a Byzantine validator's go through
// Adversaries::on_send instead. A crash loses everything but what the
// engine persisted (PersistBeforeSend) and the committed chain (in full mode:
// the disk); timers and value requests of a crashed incarnation never fire.
// Every commit is checked (Checker::check_commit) before the validator's
// chain grows. Full mode also plays the load: signed transfers from funded
// accounts to old and fresh addresses, and the txs of an energy community
// with certificates (community.h). A staked schedule's nodes are the
// genesis validators (node i is validator i of the genesis set), then its
// candidates (candidates.h), which join and leave the set: an engine's
// validator index of a peer and the peer's node index are told apart by
// key (engine_index, node_at), as a node's P2P maps peers by key.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <rocksdb/env.h>

#include "chain/application.h"
#include "chain/genesis.h"
#include "chain/test_hooks.h"
#include "cluster_sim/world.h"
#include "consensus/bft/bft_engine.h"
#include "consensus/bft/test_hooks.h"
#include "node/replica.h"

namespace wattle::cluster_sim {

class Network;
class Checker;
class Adversaries;

// Full mode: block times are this plus virtual time; every funded account
// starts with kFundedBalance; blocks follow each other kBlockIntervalMs apart.
inline constexpr uint64_t kGenesisTimeMs = 1'700'000'000'000;
inline constexpr uint32_t kFundedAccounts = 8;
inline constexpr int64_t kFundedBalance = 1'000'000'000;
inline constexpr int64_t kMinBalance = 1'000;
inline constexpr uint64_t kBlockIntervalMs = 40;

// Full mode: virtual time a schedule runs at least after GST, `heights`
// block intervals, so a schedule sized by --heights gives its txs time
// (slots of 1 s must end, settle and issue before certificates move).
inline uint64_t min_run_after_gst_ms(const SimConfig& c) {
  return c.full ? uint64_t{c.heights} * kBlockIntervalMs : 0;
}

class Cluster {
 public:
  class ReplicaEnv;
  // Full mode: one honest validator as the node runs it. `disk` is its
  // store's file system and outlives crashes; the rest is rebuilt on restart.
  struct FullReplica {
    FullReplica();
    ~FullReplica();
    std::unique_ptr<rocksdb::Env> disk;  // survives crashes
    std::unique_ptr<ReplicaEnv> env;
    std::unique_ptr<chain::Application> app;
    std::unique_ptr<node::Replica> replica;
  };

  struct Node {
    bool byzantine = false;
    Adversary strategy = Adversary::kHonest;
    std::optional<KeyPair> key;
    std::unique_ptr<consensus::bft::BftEngine> engine;
    bool alive = true;
    uint64_t incarnation = 0;
    Bytes persisted;             // the last PersistBeforeSend: survives crashes
    std::vector<Hash256> chain;  // committed value ids (the durable block store)
    std::vector<std::pair<consensus::Value, consensus::bft::CommitCertificate>>
        recent;                         // its last blocks with certificates
    std::unique_ptr<FullReplica> full;  // full mode, honest validators
    bool candidate = false;             // outside the genesis set (candidates.h)
  };

  // `hooks` and `app_hooks` (one per validator, filled before any start) are
  // the mutations; only the driver can make them (their constructors are
  // private to cluster_sim::Simulator).
  Cluster(World& world, Network& network, Checker& checker, Adversaries& adversaries,
          const consensus::bft::TestHooks& hooks,
          const std::vector<chain::AppTestHooks>& app_hooks);
  ~Cluster();

  // Plan time: the validators' keys (World::set) and, in full mode, the
  // genesis with its funded accounts.
  void create();
  // Plan time (GST drawn): a torn crash and 1..3 crash/restart episodes of
  // honest validators before GST.
  void plan_crashes();
  // Plan time, full mode: SimConfig::txs submissions until 500 ms after GST,
  // or min_run_after_gst_ms after it if that is longer (so a long
  // schedule's certificates see slots settle and issue).
  void plan_submissions();
  // Plan time, staked: each candidate's join (a seeded time in the first
  // half of the submissions' span), half the time its leave a quarter to
  // half a span later, and its block sync.
  void plan_candidates();

  uint32_t size() const { return static_cast<uint32_t>(nodes_.size()); }
  const Node& node(NodeIndex i) const { return nodes_[i]; }
  Node& node(NodeIndex i) { return nodes_[i]; }
  std::vector<NodeIndex> peers_of(NodeIndex i) const;
  // The engine deciding for validator i now (null while down, or silent).
  const consensus::bft::BftEngine* engine_of(NodeIndex i) const;
  // The node whose validator key is `key`, if any.
  std::optional<NodeIndex> node_with(const PublicKey& key) const;
  const chain::Genesis& genesis() const { return genesis_; }
  // Every address a transfer touched (for the conservation check).
  const std::vector<Address>& addresses() const { return addresses_; }

  // A block value: fake_value, or in full mode a real empty block by
  // validator `proposer` of the set of `height` on top of the committed
  // chain (with a wrong state root when invalid).
  consensus::Value make_value(bool valid, uint64_t height, uint32_t round, NodeIndex proposer,
                              uint64_t salt) const;

  void start(NodeIndex i);
  void crash(NodeIndex i);
  // Whether validator i can take a message now (alive, with an engine).
  bool can_receive(NodeIndex i) const { return nodes_[i].alive && engine_of(i); }
  // Event handlers. deliver: precondition can_receive(i). The others return
  // false (and do nothing) for a timer or value request of a past incarnation.
  void deliver(NodeIndex i, NodeIndex from, const Bytes& message);
  bool on_timeout(const Event& e);
  bool on_value_ready(const Event& e);
  // On a staked chain a third of the time a staking tx (stake_load.h) while
  // the schedule's budget lasts; else half the time a transfer, else a
  // community tx (community::draw).
  void submit(NodeIndex i);
  // Candidate e.node's join or leave, try e.from: its next tx (candidate::next)
  // to the next honest genesis replica up, tried again kRetryMs later until
  // that replica has it committed.
  void on_candidate_tx(const Event& e);
  // Candidate e.node takes the blocks a connected honest replica has
  // committed beyond its head (block sync), then looks again kSyncMs later.
  void on_sync(const Event& e);
  // Replicas that crashed inside a call are freed at the next step.
  void free_crashed() { graveyard_.clear(); }

 private:
  void start_full(NodeIndex i);
  // Staked: `sender`'s index in the set of `receiver`'s engine (not a
  // member: kNotAValidator); the node `sender`'s engine means by its
  // validator `index`. Identities on a fixed set.
  NodeIndex engine_index(NodeIndex receiver, NodeIndex sender) const;
  std::optional<NodeIndex> node_at(NodeIndex sender, NodeIndex index) const;
  void execute(NodeIndex i, consensus::Actions actions);
  void honest_send(NodeIndex from, NodeIndex to, const Bytes& message);
  void honest_broadcast(NodeIndex from, const Bytes& message);
  // Persisted and due for the planned torn crash: crashes validator i and
  // schedules its restart. Returns whether it did.
  bool tear_if_due(NodeIndex i);
  void submit_transfer(chain::Application& app, NodeIndex i);
  void submit_community(chain::Application& app, NodeIndex i);
  void submit_staking(chain::Application& app, NodeIndex i);
  void on_commit(NodeIndex i, const consensus::Commit& c);
  void on_full_commit(NodeIndex i, const chain::CommitInfo& info, const consensus::Commit& c);

  World& world_;
  Network& network_;
  Checker& checker_;
  Adversaries& adversaries_;
  const consensus::bft::TestHooks& hooks_;
  const std::vector<chain::AppTestHooks>& app_hooks_;
  SimApp app_;
  std::vector<Node> nodes_;
  std::map<PublicKey, NodeIndex> by_key_;
  // A crash between persisting and sending: node torn_node_'s first
  // PersistBeforeSend at or after torn_time_ is made durable, then the node
  // dies before anything after it in the batch leaves.
  std::optional<NodeIndex> torn_node_;
  uint64_t torn_time_ = 0;
  // Full mode.
  chain::Genesis genesis_;
  std::vector<KeyPair> accounts_;                        // funded senders
  std::vector<KeyPair> operators_;                       // staked: the validators' keys
  std::vector<Address> addresses_;                       // every address a transfer touched
  std::vector<std::unique_ptr<FullReplica>> graveyard_;  // crashed mid-call: freed next step
  uint64_t fresh_addresses_ = 0;
  uint32_t staking_txs_ = 0;  // drawn so far (at most stake::kMaxStakingTxs)
};

}  // namespace wattle::cluster_sim
