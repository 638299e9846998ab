#include "node/node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <future>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "node/chain_consensus.h"
#include "node/config.h"
#include "node/home.h"
#include "node/pow_host.h"
#include "node/replica.h"
#include "rpc/market_json.h"
#include "rpc/staking_json.h"

namespace wattle::node {

namespace asio = boost::asio;
using chain::Block;

namespace {
uint64_t wall_ms() {
  return system_env().now_ms();
}
}  // namespace

// The consensus thread: the Env of this node's Replica (the host code the
// simulator runs too). Everything here runs on io's single thread, which is
// what the Replica's and the Switch's contracts ask for; with peers, the P2P
// reactors (p2p.h) share it. Without p2p what the engine sends goes nowhere.
struct Node::Driver final : Env {
  explicit Driver(Node& n) : node(n) {}

  Status open(uint64_t interval_ms) {
    if (node.genesis().engine == chain::EngineKind::kPow) return open_pow();
    ReplicaOptions options;
    options.block_interval_ms = interval_ms;
    options.timeouts = node.config_.timeouts;
    options.sign_guard = node.signing_state_.get();
    options.misbehave_double_prevote = node.config_.misbehave_double_prevote;
    auto r = Replica::open(*node.app_, node.key_, *this, options);
    if (!r) return r.status();
    replica = std::move(*r);
    if (node.config_.p2p) {
      auto set = validator_set(node.genesis());
      if (!set) return set.status();
      std::optional<KeyPair> announced;
      if (node.validator_) announced = node.key_;
      p2p = std::make_unique<P2p>(io, *node.config_.node_key, announced, *node.app_, *set,
                                  *node.config_.p2p);
      p2p->attach(replica.get());
      WATTLE_RETURN_IF_ERROR(p2p->start());
      node.p2p_ = p2p.get();
    }
    return Status::ok();
  }

  // A "pow" chain: the PoW host instead of a Replica and P2p. It starts
  // here, before the thread runs io (the Switch's contract).
  Status open_pow() {
    PowHostOptions o;
    o.mine_threads = node.config_.mine_threads.value_or(1);
    o.p2p = node.config_.p2p;
    o.node_key = node.config_.node_key;
    pow = std::make_unique<PowHost>(
        io, *node.app_, node.key_, o, node.metrics_,
        [this](const chain::CommitInfo& info) { node.on_committed(info); },
        [this](const Status& why) { node.halt(why.to_string()); });
    WATTLE_RETURN_IF_ERROR(pow->start());
    node.pow_ = pow.get();
    return Status::ok();
  }

  void start() {
    work.emplace(asio::make_work_guard(io));
    if (replica) asio::post(io, [this] { replica->start(); });
    thread = std::thread([this] { io.run(); });
  }

  void stop() {
    node.p2p_ = nullptr;
    node.pow_ = nullptr;
    if (pow) {
      if (thread.joinable()) {
        asio::post(io, [this] { pow->stop(); });
      } else {
        pow->stop();
      }
    }
    if (p2p) {
      // The Switch must stop on its own thread (or with none running).
      if (thread.joinable()) {
        asio::post(io, [this] { p2p->stop(); });
      } else {
        p2p->stop();
      }
    }
    work.reset();
    if (thread.joinable()) {
      // Let the p2p stop run before the loop ends.
      std::promise<void> done;
      asio::post(io, [&done] { done.set_value(); });
      done.get_future().wait_for(std::chrono::seconds(5));
    }
    io.stop();
    if (thread.joinable()) thread.join();
    p2p.reset();
    pow.reset();
  }

  // Env: the process's clocks, workers and disks, plus Asio timers and P2P.
  uint64_t now_ms() override { return system_env().now_ms(); }
  uint64_t steady_ms() override { return system_env().steady_ms(); }
  void for_each(size_t n, const std::function<void(size_t)>& fn) override {
    system_env().for_each(n, fn);
  }
  unsigned worker_count() const override { return system_env().worker_count(); }
  Result<uint64_t> free_bytes(const std::string& dir) override {
    return system_env().free_bytes(dir);
  }
  void schedule(const consensus::Timeout& t) override {
    auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(t.delay_ms));
    timer->async_wait([this, timer, t](const boost::system::error_code& ec) {
      if (!ec) replica->on_timeout(t);
    });
  }
  void send(consensus::NodeIndex to, Bytes message) override {
    if (p2p) p2p->send(to, message);
  }
  void broadcast(Bytes message) override {
    if (p2p) p2p->broadcast(message);
  }
  void on_committed(const chain::CommitInfo& info, const consensus::Commit&) override {
    node.on_committed(info);
    node.refresh_catching_up();
    if (p2p) p2p->on_committed();
  }
  void on_halted(const Status& why) override { node.halt(why.to_string()); }
  void on_evidence(ByteView evidence, const Status& pooled) override {
    node.on_evidence(evidence, pooled);
    if (pooled && p2p) p2p->gossip_evidence(evidence);
  }
  void on_round(uint64_t height, uint32_t round) override { node.on_round(height, round); }

  Node& node;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<Replica> replica;
  std::unique_ptr<P2p> p2p;      // before replica in destruction: it points at it
  std::unique_ptr<PowHost> pow;  // a "pow" chain's host (no replica, no p2p then)
};

Status apply_home_config(NodeConfig& config, bool keep_rpc) {
  if (!std::filesystem::exists(std::filesystem::path(config.home) / kConfigFile))
    return Status::ok();
  auto home = load_config(config.home);
  if (!home) return home.status();
  auto node_key = load_node_key(config.home);
  if (!node_key) return node_key.status();
  P2pConfig p2p;
  p2p.listen_host = home->p2p_listen.host;
  p2p.listen_port = home->p2p_listen.port;
  p2p.peers = home->persistent_peers;
  config.p2p = p2p;
  config.node_key = *node_key;
  config.timeouts = home->timeouts;
  if (!keep_rpc) {
    config.rpc_host = home->rpc_listen.host;
    config.rpc_port = home->rpc_listen.port;
  }
  return Status::ok();
}

namespace {
// A "bft" validator's signing state (signing_state.h): required, unless the
// operator asked for a fresh one.
Result<std::unique_ptr<SigningStateFile>> open_signing_state(const NodeConfig& config) {
  const std::string path = signing_state_path(config.home);
  if (config.reset_signing_state) {
    spdlog::warn(
        "--reset-signing-state: {} starts afresh; this validator no longer knows what "
        "it signed before and could double-sign at heights it signed already",
        path);
    WATTLE_RETURN_IF_ERROR(SigningStateFile::write_fresh(path, /*overwrite=*/true));
  }
  auto opened = SigningStateFile::open(path);
  if (opened.status().code() == Code::kNotFound)
    return Status(Code::kNotFound,
                  path +
                      " is missing but validator.key is here: this validator may already have "
                      "signed at heights its record no longer shows (a wiped or copied home), "
                      "and signing again could be double-signing. Restore the file from the "
                      "old home, or start once with --reset-signing-state if this key never "
                      "signed on this chain (docs/consensus.md, \"Signing state\")");
  return opened;
}
}  // namespace

Result<std::unique_ptr<Node>> Node::open(const NodeConfig& config) {
  crypto_init();
  auto genesis = load_genesis(config.home);
  if (!genesis) return genesis.status();
  auto key = load_validator_key(config.home);
  bool validator = key.is_ok();
  if (!key) {
    // A home without validator.key is a full node: it follows the chain
    // over p2p under its node key, which is in no validator set.
    if (!config.p2p || !config.node_key || genesis->engine == chain::EngineKind::kSingle)
      return key.status();
    key = *config.node_key;
  }
  if (config.p2p && !config.node_key) return Status(Code::kInvalidArgument, "p2p needs a node key");
  if (config.p2p && genesis->engine == chain::EngineKind::kSingle)
    return Status(Code::kInvalidArgument, "peers need a \"bft\" or \"pow\" genesis");
  const bool pow = genesis->engine == chain::EngineKind::kPow;
  if (config.mine_threads && !pow)
    return Status(Code::kInvalidArgument,
                  "--mine-threads is for \"pow\" chains; this chain's engine is \"" +
                      std::string(chain::engine_name(genesis->engine)) + "\"");
  if (config.mine_threads && *config.mine_threads > PowMiner::kMaxThreads)
    return Status(Code::kInvalidArgument,
                  "--mine-threads: at most " + std::to_string(PowMiner::kMaxThreads));
  if (pow) {
    auto params = pow_params(*genesis);
    if (!params) return params.status();
  }
  if (genesis->engine == chain::EngineKind::kSingle &&
      genesis->validators[0].public_key != key->public_key())
    return Status(
        Code::kUnauthorized,
        "this node's validator.key is not the genesis validator (single-validator chain)");
  std::unique_ptr<SigningStateFile> signing_state;
  if (validator && genesis->engine == chain::EngineKind::kBft &&
      std::any_of(genesis->validators.begin(), genesis->validators.end(),
                  [&](const auto& v) { return v.public_key == key->public_key(); })) {
    auto opened = open_signing_state(config);
    if (!opened) return opened.status();
    signing_state = std::move(*opened);
  }
  chain::StoreOptions store_options = config.store;
  // A PoW chain's blocks can be reorganised away: keep their undo data.
  store_options.keep_undo = store_options.keep_undo || pow;
  auto store = chain::Store::open(data_dir(config.home), store_options);
  if (!store) return store.status();
  chain::AppConfig ac;
  ac.max_block_txs = config.max_block_txs;
  ac.mempool = config.mempool;
  // A full block's tx events and its block event fit, so a stream reader
  // keeping up never sees "missed".
  ac.event_capacity = std::max(ac.event_capacity, 2 * config.max_block_txs + 16);
  // The process's Env: CheckTx judges the market's time rules by its wall
  // clock (a reading just after its slot is admitted before a block proves
  // that time) and checks signatures on its workers.
  ac.env = &system_env();
  // The store outlives the checker: the application owns both.
  ac.evidence_checker = evidence_checker(*genesis, store->get());
  auto app = chain::Application::open(std::move(*genesis), std::move(*store), ac);
  if (!app) return app.status();
  return std::unique_ptr<Node>(
      new Node(config, std::move(*key), validator, std::move(*app), std::move(signing_state)));
}

Node::Node(NodeConfig config, KeyPair key, bool validator, std::unique_ptr<chain::Application> app,
           std::unique_ptr<SigningStateFile> signing_state)
    : config_(std::move(config)),
      key_(std::move(key)),
      validator_(validator),
      app_(std::move(app)),
      signing_state_(std::move(signing_state)),
      height_gauge_(metrics_.gauge("wattle_height", "Height of the last committed block")),
      mempool_gauge_(metrics_.gauge("wattle_mempool_size", "Transactions waiting in the mempool")),
      halted_gauge_(metrics_.gauge("wattle_halted",
                                   "1 once the node stopped producing blocks (store failure)")),
      committed_counter_(
          metrics_.counter("wattle_txs_committed_total",
                           "Transactions committed in all blocks (kept across restarts)")),
      commit_latency_(metrics_.histogram("wattle_commit_latency_seconds",
                                         "Time from mempool admission to commit")),
      block_time_(metrics_.histogram("wattle_block_time_seconds",
                                     "Time between consecutive committed blocks (header times)")),
      consensus_height_gauge_(
          metrics_.gauge("wattle_consensus_height", "Height the consensus engine is deciding")),
      round_gauge_(
          metrics_.gauge("wattle_consensus_round", "Round of the height being decided (0 first)")),
      round_changes_(metrics_.counter("wattle_consensus_round_changes_total",
                                      "Rounds after the first at any height (timeouts, a "
                                      "silent or faulty proposer)")),
      evidence_found_(metrics_.counter("wattle_evidence_found_total",
                                       "Equivocations this node's engine detected")),
      evidence_committed_(metrics_.counter("wattle_evidence_committed_total",
                                           "Evidence items in committed blocks")),
      evidence_pending_(
          metrics_.gauge("wattle_evidence_pending", "Evidence waiting for inclusion in a block")) {
  height_gauge_.set(static_cast<double>(app_->head().height));
  last_block_time_ms_ = app_->head().time_ms;
  committed_counter_.inc(app_->txs_committed());
}

void Node::halt(const std::string& why) {
  spdlog::critical("{}; halting block production (reads keep working; restart once fixed)", why);
  halted_ = true;
  halted_gauge_.set(1);
}

Node::~Node() {
  stop();
}

Status Node::start() {
  if (driver_) return Status::ok();
  if (config_.rpc_enabled) {
    rpc::HttpServerConfig hc;
    hc.host = config_.rpc_host;
    hc.port = config_.rpc_port;
    hc.threads = config_.rpc_threads;
    hc.metrics = &metrics_;  // HTTP request metrics on the same /metrics page
    hc.tx_rate = config_.tx_rate;
    if (!config_.web_dir.empty()) {
      auto web = rpc::StaticFiles::load(config_.web_dir);
      if (!web) return web.status();
      hc.web = std::make_shared<const rpc::StaticFiles>(std::move(*web));
    }
    http_ = std::make_unique<rpc::HttpServer>(*this, hc);
    Status st = http_->start();
    if (!st) {
      http_.reset();
      return st;
    }
  }
  uint64_t interval =
      config_.block_interval_ms ? config_.block_interval_ms : genesis().block_interval_ms;
  auto driver = std::make_unique<Driver>(*this);
  if (Status st = driver->open(interval); !st) {
    if (http_) http_->stop();
    http_.reset();
    return st;
  }
  driver_ = std::move(driver);
  driver_->start();
  return Status::ok();
}

void Node::stop() {
  if (http_) http_->stop();
  if (driver_) driver_->stop();
  http_.reset();
  driver_.reset();
}

uint16_t Node::rpc_port() const {
  return http_ ? http_->port() : 0;
}

uint16_t Node::p2p_port() const {
  if (driver_ && driver_->pow) return driver_->pow->listen_port();
  return driver_ && driver_->p2p ? driver_->p2p->listen_port() : 0;
}

uint64_t Node::height() const {
  return app_->head().height;
}

bool Node::wait_for_height(uint64_t h, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return committed_cv_.wait_for(lock, timeout, [&] { return app_->head().height >= h; });
}

void Node::on_committed(const chain::CommitInfo& info) {
  const uint64_t now = system_env().steady_ms();
  for (uint64_t t : info.admitted)
    commit_latency_.observe(static_cast<double>(now - std::min(now, t)) / 1000.0);
  mempool_gauge_.set(static_cast<double>(app_->mempool_size()));
  committed_counter_.inc(info.tx_hashes.size());
  height_gauge_.set(static_cast<double>(info.header.height));
  if (last_block_time_ms_ != 0 && info.header.time_ms > last_block_time_ms_)
    block_time_.observe(static_cast<double>(info.header.time_ms - last_block_time_ms_) / 1000.0);
  last_block_time_ms_ = info.header.time_ms;
  evidence_committed_.inc(info.evidence_count);
  evidence_pending_.set(static_cast<double>(app_->evidence_pending()));
  { std::lock_guard lock(mu_); }  // a waiter between its check and its wait sees the notify
  committed_cv_.notify_all();
}

void Node::on_round(uint64_t height, uint32_t round) {
  consensus_height_gauge_.set(static_cast<double>(height));
  if (round > 0) round_changes_.inc();
  round_gauge_.set(static_cast<double>(round));
}

void Node::on_evidence(ByteView evidence, const Status& pooled) {
  evidence_found_.inc();
  evidence_pending_.set(static_cast<double>(app_->evidence_pending()));
  auto ev = consensus::bft::decode_evidence(evidence);
  const std::string who = ev ? std::to_string(consensus::bft::accused(*ev)) : "?";
  spdlog::warn("evidence of equivocation by validator #{} ({} bytes): {}", who, evidence.size(),
               pooled ? "pending inclusion in a block" : pooled.to_string());
}

bool Node::refresh_catching_up() {
  const P2p* p2p = p2p_.load();
  uint64_t claimed = p2p ? p2p->best_peer_height() : 0;
  const uint64_t interval =
      config_.block_interval_ms ? config_.block_interval_ms : genesis().block_interval_ms;
  const uint64_t now = wall_ms();
  const uint64_t genesis_time = genesis().genesis_time_ms;
  if (interval > 0)  // the most blocks the chain's pacing allows by now
    claimed = std::min(claimed, (now > genesis_time ? (now - genesis_time) / interval : 0) + 1);
  const bool behind = claimed > app_->head().height + kCatchingUpBlocks;
  app_->set_catching_up(behind);
  return behind;
}

std::vector<rpc::SubmitResult> Node::submit(const std::vector<Bytes>& raw_txs) {
  refresh_catching_up();
  std::vector<rpc::SubmitResult> results;
  if (halted()) {
    // Accepting a tx that can never commit would be a lie.
    results.resize(raw_txs.size());
    for (auto& r : results)
      r.status = Status(Code::kHalted, "node halted (storage failure); not accepting txs");
    return results;
  }
  results.reserve(raw_txs.size());
  std::vector<Bytes> admitted;
  auto checked = app_->check_txs(raw_txs);
  for (size_t i = 0; i < checked.size(); ++i) {
    if (checked[i].status && config_.p2p) admitted.push_back(raw_txs[i]);
    results.push_back({checked[i].hash, std::move(checked[i].status)});
  }
  if (!admitted.empty() && driver_) {
    // Tx gossip runs on the consensus thread, as the Switch requires.
    asio::post(driver_->io, [d = driver_.get(), txs = std::move(admitted)] {
      if (d->p2p)
        for (const Bytes& tx : txs) d->p2p->gossip_tx(tx);
      if (d->pow)
        for (const Bytes& tx : txs) d->pow->gossip_tx(tx);
    });
  }
  mempool_gauge_.set(static_cast<double>(app_->mempool_size()));
  return results;
}

rpc::TxLookup Node::lookup_tx(const Hash256& hash) {
  rpc::TxLookup out;
  if (auto tx = app_->pending_tx(hash)) {
    out.state = rpc::TxState::kPending;
    out.tx = std::move(tx);
    return out;
  }
  auto stored = app_->committed_tx(hash);
  if (stored && *stored) {
    out.state = rpc::TxState::kCommitted;
    out.height = (*stored)->location.height;
    out.index = (*stored)->location.index;
    out.tx = std::move((*stored)->tx);
  } else if (auto dropped = app_->dropped_tx(hash)) {
    out.state = rpc::TxState::kDropped;
    out.height = dropped->height;
    out.reason = dropped->reason;
  }
  return out;
}

Result<Block> Node::block(uint64_t height) {
  return app_->block(height);
}

rpc::AccountView Node::account(const Address& address) {
  auto a = app_->account(address);
  if (!a) return rpc::AccountView{};
  // pending_nonce comes from a separate read: a block committed in between
  // can only make it stale-low, which the JSON view clamps to the nonce.
  return rpc::AccountView{a->account, a->exists,
                          app_->pending_nonce(address).value_or(a->account.nonce)};
}

Result<chain::HeadProof> Node::account_proof(const Address& address) {
  return app_->prove_account(address);
}

rpc::ChainStatus Node::status() {
  chain::BlockHeader head = app_->head();
  rpc::ChainStatus s;
  s.chain_id = genesis().chain_id;
  s.height = head.height;
  s.last_block_hash = head.hash();
  s.state_root = head.state_root;
  s.last_block_time_ms = head.time_ms;
  s.mempool_size = app_->mempool_size();
  s.txs_committed = app_->txs_committed();
  s.validator = key_.public_key().hex();
  s.halted = halted();
  s.catching_up = refresh_catching_up();
  if (const PowHost* pow = pow_.load()) {
    const PowStatus ps = pow->status();
    s.chainwork = ps.chainwork;
    s.reorgs = ps.reorgs;
  }
  return s;
}

std::string Node::metrics_text() {
  std::string out = metrics_.render();
  if (signing_state_)
    out +=
        "# HELP wattle_signatures_refused_total Signatures the signing state refused (at or "
        "below one this key already made)\n# TYPE wattle_signatures_refused_total counter\n"
        "wattle_signatures_refused_total " +
        std::to_string(signing_state_->refusals()) + "\n";
  if (driver_ && driver_->p2p) out += driver_->p2p->metrics_text();
  return out;
}

// --- market views (docs/market.md): rpc views over the energy module ----------

Result<nlohmann::json> Node::market_params() {
  return rpc::market_params_json(*app_);
}

Result<nlohmann::json> Node::market_slot(uint64_t slot) {
  return rpc::market_slot_json(*app_, slot);
}

Result<nlohmann::json> Node::account_orders(const Address& address) {
  return rpc::account_orders_json(*app_, address);
}

Result<nlohmann::json> Node::account_bill(const Address& address, uint64_t slot) {
  return rpc::bill_json(*app_, address, slot);
}

Result<nlohmann::json> Node::certificates(const rpc::CertificateRequest& request) {
  return rpc::certificate_json(*app_, request);
}

// --- staking views (docs/staking.md) -------------------------------------------

Result<nlohmann::json> Node::validators(std::optional<uint64_t> height) {
  return rpc::validators_json(*app_, height);
}

Result<nlohmann::json> Node::stake(const Address& address) {
  return rpc::stake_json(*app_, address);
}

}  // namespace wattle::node
