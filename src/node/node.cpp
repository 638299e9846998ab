#include "node/node.h"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "consensus/single_engine.h"
#include "node/home.h"

namespace wattle::node {

namespace asio = boost::asio;
using ledger::Block;

namespace {
uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}
}  // namespace

// The consensus thread. Everything here runs on io's single thread, which is
// what the engine contract asks for (one call at a time, actions in order).
struct Node::Driver {
  Driver(Node& n, uint64_t interval_ms)
      : node(n), engine(n.genesis().chain_id, n.key_, interval_ms) {}

  void start() {
    work.emplace(asio::make_work_guard(io));
    uint64_t next = node.height() + 1;
    asio::post(io, [this, next] { run(engine.start(next)); });
    thread = std::thread([this] { io.run(); });
  }

  void stop() {
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }

  void run(consensus::Actions actions) {
    for (auto& action : actions) {
      if (node.halted()) return;
      std::visit([this](auto& a) { handle(a); }, action);
    }
  }

  void handle(consensus::ScheduleTimeout& a) {
    auto timer =
        std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(a.timeout.delay_ms));
    consensus::Timeout t = a.timeout;
    timer->async_wait([this, timer, t](const boost::system::error_code& ec) {
      if (!ec) run(engine.on_timeout(t));
    });
  }

  // The proposer's block comes from the application; an empty mempool
  // proposes nothing (no empty blocks).
  void handle(consensus::RequestValue& a) {
    std::optional<consensus::Value> value;
    auto p = node.app_->prepare_proposal(a.height, now_ms(), node.key_.public_key());
    if (!p) {
      spdlog::warn("no proposal at height {}: {}", a.height, p.status().to_string());
    } else if (p->block.header.tx_count > 0) {
      value = consensus::Value{p->id, std::move(p->bytes)};
    }
    run(engine.on_value_ready(a.height, a.round, std::move(value)));
  }

  void handle(consensus::Commit& a) {
    auto block = ledger::decode_block(a.value.data);
    Status st = block.status();
    if (st && block->header.hash() != a.value.id)
      st = Status(Code::kCorruption, "decided bytes do not hash to the decided id");
    if (st) {
      block->certificate = std::move(a.certificate);
      st = node.app_->finalize_block(*block);
    }
    Result<ledger::CommitInfo> info = st ? node.app_->commit() : Result<ledger::CommitInfo>(st);
    if (!info) {
      node.halt("commit failed at height " + std::to_string(a.height) + ": " +
                info.status().to_string());
      return;
    }
    node.on_committed(*info);
    run(engine.on_block_executed(a.height));
  }

  // Other actions need peers (BFT); a single validator has none.
  template <typename A>
  void handle(A&) {}

  Node& node;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  consensus::SingleEngine engine;
};

Result<std::unique_ptr<Node>> Node::open(const NodeConfig& config) {
  crypto_init();
  auto genesis = load_genesis(config.home);
  if (!genesis) return genesis.status();
  auto key = load_validator_key(config.home);
  if (!key) return key.status();
  if (genesis->validators.size() != 1 || genesis->validators[0].public_key != key->public_key())
    return Status(
        Code::kUnauthorized,
        "this node's validator.key is not the genesis validator (single-validator chain)");
  auto store = ledger::Store::open(data_dir(config.home), config.store);
  if (!store) return store.status();
  ledger::AppConfig ac;
  ac.max_block_txs = config.max_block_txs;
  ac.mempool = config.mempool;
  auto app = ledger::Application::open(std::move(*genesis), std::move(*store), ac);
  if (!app) return app.status();
  return std::unique_ptr<Node>(new Node(config, std::move(*key), std::move(*app)));
}

Node::Node(NodeConfig config, KeyPair key, std::unique_ptr<ledger::Application> app)
    : config_(std::move(config)),
      key_(std::move(key)),
      app_(std::move(app)),
      height_gauge_(metrics_.gauge("wattle_height", "Height of the last committed block")),
      mempool_gauge_(metrics_.gauge("wattle_mempool_size", "Transactions waiting in the mempool")),
      halted_gauge_(metrics_.gauge("wattle_halted",
                                   "1 once the node stopped producing blocks (store failure)")),
      committed_counter_(
          metrics_.counter("wattle_txs_committed_total",
                           "Transactions committed in all blocks (kept across restarts)")),
      commit_latency_(metrics_.histogram("wattle_commit_latency_seconds",
                                         "Time from mempool admission to commit")) {
  height_gauge_.set(static_cast<double>(app_->head().height));
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
    http_ = std::make_unique<rpc::HttpServer>(*this, hc);
    Status st = http_->start();
    if (!st) {
      http_.reset();
      return st;
    }
  }
  uint64_t interval =
      config_.block_interval_ms ? config_.block_interval_ms : genesis().block_interval_ms;
  driver_ = std::make_unique<Driver>(*this, interval);
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

uint64_t Node::height() const {
  return app_->head().height;
}

bool Node::wait_for_height(uint64_t h, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return committed_cv_.wait_for(lock, timeout, [&] { return app_->head().height >= h; });
}

void Node::on_committed(const ledger::CommitInfo& info) {
  auto now = ledger::Mempool::Clock::now();
  for (const auto& t : info.admitted)
    commit_latency_.observe(std::chrono::duration<double>(now - t).count());
  mempool_gauge_.set(static_cast<double>(app_->mempool_size()));
  committed_counter_.inc(info.tx_hashes.size());
  height_gauge_.set(static_cast<double>(info.header.height));
  { std::lock_guard lock(mu_); }  // a waiter between its check and its wait sees the notify
  committed_cv_.notify_all();
}

std::vector<rpc::SubmitResult> Node::submit(const std::vector<Bytes>& raw_txs) {
  std::vector<rpc::SubmitResult> results;
  if (halted()) {
    // Accepting a tx that can never commit would be a lie.
    results.resize(raw_txs.size());
    for (auto& r : results)
      r.status = Status(Code::kHalted, "node halted (storage failure); not accepting txs");
    return results;
  }
  results.reserve(raw_txs.size());
  for (auto& r : app_->check_txs(raw_txs)) results.push_back({r.hash, std::move(r.status)});
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

Result<ledger::HeadProof> Node::account_proof(const Address& address) {
  return app_->prove_account(address);
}

rpc::ChainStatus Node::status() {
  ledger::BlockHeader head = app_->head();
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
  return s;
}

std::string Node::metrics_text() {
  return metrics_.render();
}

// --- market views (issue 15): forwards to the Application ---------------------

Result<nlohmann::json> Node::market_params() {
  return app_->market_params_json();
}

Result<nlohmann::json> Node::market_slot(uint64_t slot) {
  return app_->market_slot_json(slot);
}

Result<nlohmann::json> Node::account_orders(const Address& address) {
  return app_->account_orders_json(address);
}

Result<nlohmann::json> Node::account_bill(const Address& address, uint64_t slot) {
  return app_->bill_json(address, slot);
}

}  // namespace wattle::node
