// PowHost: hosts the proof-of-work engine on a node (docs/consensus.md,
// "Proof of work"). The engine (consensus/pow/pow_engine.h) stays pure; the
// host feeds it events (engine messages from peers, blocks its miner
// solved, a tick) and carries out its actions: messages go out on the
// Switch, a new best chain goes onto the store through PowChain inside
// Application::reorganize, refused blocks cost their peer, and the txs of a
// disconnected branch go back through CheckTx into the mempool.
//
// Peers: a net::Switch of its own. Channel kConsensus carries the engine's
// messages (consensus/pow/messages.h) as they are; kTxGossip carries tx
// batches ([u32 n][n length-prefixed txs], as node/p2p.h): a tx admitted
// here is passed on once. A peer's engine index is the order it connected
// in (never reused while the host lives).
//
// Restart: each stored block keeps its PoW header as its certificate
// (PowChain), so start() rebuilds the engine's tree from the store before
// it listens, and mining resumes on the stored tip.
//
// Threading: every member except gossip_tx, status and the miner's own
// threads runs on `io`'s one thread (the node's consensus thread). Bounded:
// the engine's pools, the Switch's queues, kMaxRelayTxs per batch.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "chain/application.h"
#include "consensus/pow/pow_engine.h"
#include "metrics/metrics.h"
#include "net/switch.h"
#include "node/p2p.h"
#include "node/pow_miner.h"

namespace wattle::node {

// The engine parameters a genesis names (chain::GenesisPow), checked.
Result<consensus::pow::PowParams> pow_params(const chain::Genesis& genesis);
// Block 0 as the PoW engine sees it: the genesis chain block as its body.
consensus::pow::PowBlock pow_genesis_block(const chain::Genesis& genesis);

// What /v1/status shows of the PoW chain; any thread.
struct PowStatus {
  std::string chainwork;  // the tip's cumulative work, hex
  uint64_t reorgs = 0;
  uint64_t max_reorg_depth = 0;
  Hash256 tip;  // the PoW hash of the best block
};

struct PowHostOptions {
  unsigned mine_threads = 1;  // 0: follow only
  std::optional<P2pConfig> p2p;
  std::optional<KeyPair> node_key;  // required with p2p
};

class PowHost {
 public:
  static constexpr uint32_t kMaxRelayTxs = 512;
  static constexpr std::chrono::milliseconds kTick{500};

  using CommittedFn = std::function<void(const chain::CommitInfo&)>;
  using HaltFn = std::function<void(const Status&)>;

  PowHost(boost::asio::io_context& io, chain::Application& app, const KeyPair& miner,
          PowHostOptions options, Metrics& metrics, CommittedFn on_committed, HaltFn on_halt);
  ~PowHost();

  // Rebuilds the tree from the store, listens and dials, starts mining.
  Status start();
  void stop();
  uint16_t listen_port() const;
  size_t peer_count() const;
  // Passes a tx this node admitted (from the API) to every peer.
  void gossip_tx(ByteView tx);
  PowStatus status() const;

 private:
  Status rebuild_from_store();
  void on_receive(const PublicKey& peer, net::ChannelId channel, ByteView payload);
  void on_txs(const PublicKey& from, ByteView payload);
  void relay(const std::vector<Bytes>& txs, const PublicKey* except);
  void on_found(uint64_t job, const consensus::pow::PowHeader& solved);
  void on_tick();
  void schedule_tick();
  void run(consensus::pow::PowActions actions);
  void apply(const consensus::pow::TipChanged& change);
  // Builds a block on the tip from the mempool and gives it to the miner.
  void new_job();
  consensus::NodeIndex index_of(const PublicKey& peer);
  void publish_status();

  boost::asio::io_context& io_;
  chain::Application& app_;
  const KeyPair key_;  // names this node as the proposer of the blocks it mines
  PowHostOptions options_;
  consensus::pow::PowParams params_;
  consensus::pow::PowEngine engine_;
  std::unique_ptr<net::Switch> switch_;
  std::unique_ptr<PowMiner> miner_;
  boost::asio::steady_timer tick_;
  CommittedFn on_committed_;
  HaltFn on_halt_;
  bool running_ = false;
  bool halted_ = false;
  // Cleared by stop(): a solved header posted before then does nothing after.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(false);

  std::map<PublicKey, consensus::NodeIndex> index_;
  std::map<consensus::NodeIndex, PublicKey> peer_of_;
  consensus::NodeIndex next_index_ = 0;

  // The block the miner works on, and its job id.
  std::optional<consensus::pow::PowBlock> job_block_;
  uint64_t job_ = 0;
  size_t job_mempool_size_ = 0;
  uint64_t job_built_ms_ = 0;
  uint64_t last_hashes_ = 0;
  uint64_t last_rate_ms_ = 0;

  mutable std::mutex status_mu_;
  PowStatus status_;  // guarded by status_mu_

  Counter& hashes_;
  Gauge& hash_rate_;
  Counter& mined_;
  Gauge& stale_;
  Counter& reorgs_;
  Gauge& max_reorg_depth_;
  Counter& refused_;
};

}  // namespace wattle::node
