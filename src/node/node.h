// Node: one process running the ledger, a consensus engine and (optionally)
// the HTTP API over a home directory (see home.h).
//
// Threads: one consensus thread (an Asio io_context) owns the engine and
// makes the application's consensus calls (prepare_proposal, finalize_block,
// commit); HTTP threads call the ChainService methods, which go to the
// chain::Application (CheckTx, queries). The application keeps the mempool
// under its own lock, so the recheck of the whole mempool after a block never
// blocks status and balance queries (see application.h). Signature checks of
// submitted txs run outside every lock, in parallel. The application commits
// to the store before anything reports the block, so what the API reports as
// committed is durable (docs/architecture.md).
//
// Errors: open() returns a Status for a bad home, genesis or key, a data
// dir of another chain, or (kNotFound) a "bft" validator's home without
// signing_state.json (see NodeConfig::reset_signing_state). A store write failure while running
// (disk full) halts the node: it stops producing blocks, keeps answering reads, reports "halted" in
// /v1/status and /metrics (wattle_halted 1) and refuses new txs with kHalted (503 "halted"). The
// store is left at the last good block, so a restart after the cause is fixed resumes from there.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "chain/application.h"
#include "chain/genesis.h"
#include "node/env.h"
#include "node/p2p.h"
#include "node/signing_state.h"
#include "rpc/chain_service.h"
#include "rpc/http_server.h"
#include "rpc/metrics.h"

namespace wattle::node {

class PowHost;

struct NodeConfig {
  std::string home;
  bool rpc_enabled = true;
  std::string rpc_host = "127.0.0.1";
  uint16_t rpc_port = 8645;  // 0: any free port (see Node::rpc_port)
  unsigned rpc_threads = 2;
  size_t max_block_txs = 10'000;
  chain::MempoolLimits mempool;
  // Overrides genesis block_interval_ms when non-zero (benchmarks).
  uint64_t block_interval_ms = 0;
  // Per-client tx submission budget of the HTTP API.
  rpc::RateLimit tx_rate = rpc::HttpServerConfig{}.tx_rate;
  // Serve the dashboard from this directory (web/dist; docs/dashboard.md). Empty: none.
  std::string web_dir;
  chain::StoreOptions store;  // tests inject storage faults here
  // Peers (a "bft" genesis only): the reactors of p2p.h on this node's
  // consensus thread. Unset: no network (a single validator).
  std::optional<P2pConfig> p2p;
  // The node's network identity; required with p2p.
  std::optional<KeyPair> node_key;
  // Consensus timeouts of the BFT engine.
  consensus::bft::TimeoutConfig timeouts;
  // A "bft" validator needs HOME/signing_state.json (signing_state.h); true
  // writes a fresh one, replacing any there (`--reset-signing-state`: it
  // forgets what this key signed, so only for a key that never signed on
  // this chain, or whose signatures are all below heights it can reach).
  bool reset_signing_state = false;
  // TEST ONLY: `--misbehave double-prevote:H` (ReplicaOptions).
  std::optional<uint64_t> misbehave_double_prevote;
  // Mining threads on a "pow" chain (node/pow_host.h); unset: 1; 0: follow
  // only. Refused (kInvalidArgument) on other engines.
  std::optional<unsigned> mine_threads;
};

// Fills `config` from HOME/config.toml when the home has one (a devnet
// node): P2P listen address and peers, the RPC address unless
// `keep_rpc`, consensus timeouts, and the node key from HOME/node.key.
// No config.toml: `config` is left as it is (a single-validator home).
// Errors name the file and key.
Status apply_home_config(NodeConfig& config, bool keep_rpc);

class Node final : public rpc::ChainService {
 public:
  // A node whose head is more than this many blocks below the highest height
  // a peer claims is catching up: /v1/status says "catching_up": true and
  // CheckTx refuses txs with kCatchingUp (503), since its state is too old to
  // judge nonces and funds. A claim above what the chain's pacing allows
  // (one block per block_interval_ms since genesis) counts only up to that.
  static constexpr uint64_t kCatchingUpBlocks = 10;

  static Result<std::unique_ptr<Node>> open(const NodeConfig& config);
  ~Node() override;

  // Starts the consensus thread and the HTTP API. Idempotent failure-safe.
  Status start();
  // Stops the HTTP API and the consensus thread; safe to call twice.
  void stop();

  uint16_t rpc_port() const;
  // The bound P2P port (0 without p2p); valid after start().
  uint16_t p2p_port() const;
  const chain::Genesis& genesis() const { return app_->genesis(); }
  chain::Application& app() { return *app_; }
  uint64_t height() const;
  // Blocks until the committed height reaches `h` or the timeout passes.
  bool wait_for_height(uint64_t h, std::chrono::milliseconds timeout);
  // True once the node stopped producing blocks after a store failure.
  bool halted() const { return halted_.load(); }
  // See kCatchingUpBlocks; also sets the application's CheckTx refusal. Any thread.
  bool refresh_catching_up();

  // rpc::ChainService
  std::vector<rpc::SubmitResult> submit(const std::vector<Bytes>& raw_txs) override;
  rpc::TxLookup lookup_tx(const Hash256& hash) override;
  Result<chain::Block> block(uint64_t height) override;
  rpc::AccountView account(const Address& address) override;
  Result<chain::HeadProof> account_proof(const Address& address) override;
  rpc::ChainStatus status() override;
  std::string metrics_text() override;
  chain::EventBus* events() override { return &app_->events(); }
  Result<std::vector<chain::Event>> committed_events(uint64_t height) override {
    return app_->committed_events(height);
  }
  // Market views (docs/market.md): thin forwards to the Application.
  Result<nlohmann::json> market_params() override;
  Result<nlohmann::json> validators(std::optional<uint64_t> height) override;
  Result<nlohmann::json> stake(const Address& address) override;
  Result<nlohmann::json> market_slot(uint64_t slot) override;
  Result<nlohmann::json> account_orders(const Address& address) override;
  Result<nlohmann::json> account_bill(const Address& address, uint64_t slot) override;
  Result<nlohmann::json> certificates(const rpc::CertificateRequest& request) override;

 private:
  struct Driver;  // the consensus thread: engine, timers, block building
  Node(NodeConfig config, KeyPair key, bool validator, std::unique_ptr<chain::Application> app,
       std::unique_ptr<SigningStateFile> signing_state);
  void on_committed(const chain::CommitInfo& info);
  void on_round(uint64_t height, uint32_t round);
  void on_evidence(ByteView evidence, const Status& pooled);

  NodeConfig config_;
  KeyPair key_;     // the validator key, or the node key of a full node
  bool validator_;  // false: a full node following the chain
  std::unique_ptr<chain::Application> app_;
  // A "bft" validator's guard against double-signing; null otherwise.
  std::unique_ptr<SigningStateFile> signing_state_;

  // Halts block production after a store failure (see the header comment).
  void halt(const std::string& why);

  mutable std::mutex mu_;  // guards nothing but committed_cv_'s wait
  std::condition_variable committed_cv_;
  std::atomic<bool> halted_{false};
  // The Driver's P2p while it runs (null before start and after stop), for
  // the peers' heights; HTTP threads read it, and stop() ends them first.
  std::atomic<P2p*> p2p_{nullptr};
  // The same for a "pow" chain's host (status: chainwork, reorgs).
  std::atomic<PowHost*> pow_{nullptr};

  rpc::Metrics metrics_;
  rpc::Gauge& height_gauge_;
  rpc::Gauge& mempool_gauge_;
  rpc::Gauge& halted_gauge_;
  rpc::Counter& committed_counter_;
  rpc::Histogram& commit_latency_;
  rpc::Histogram& block_time_;
  rpc::Gauge& consensus_height_gauge_;
  rpc::Gauge& round_gauge_;
  rpc::Counter& round_changes_;
  rpc::Counter& evidence_found_;
  rpc::Counter& evidence_committed_;
  rpc::Gauge& evidence_pending_;
  uint64_t last_block_time_ms_ = 0;  // consensus thread only

  std::unique_ptr<Driver> driver_;
  std::unique_ptr<rpc::HttpServer> http_;
  friend struct Driver;
};

}  // namespace wattle::node
