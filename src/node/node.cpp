#include "node/node.h"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>

#include "consensus/single_engine.h"
#include "ledger/executor.h"
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
  struct Built {
    Block block;
    std::vector<Hash256> tx_hashes;  // hashed once, at admission
    ledger::AccountWrites writes;
  };

  Driver(Node& n, uint64_t interval_ms)
      : node(n), engine(n.genesis_.chain_id, n.key_, interval_ms) {}

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

  void handle(consensus::RequestValue& a) {
    std::optional<consensus::Value> value;
    if (auto built = build(a.height)) {
      value = consensus::Value{built->block.header.hash(), {}};
      pending[value->id] = std::move(*built);
    }
    run(engine.on_value_ready(a.height, a.round, std::move(value)));
  }

  void handle(consensus::Commit& a) {
    auto it = pending.find(a.value.id);
    if (it == pending.end()) {
      node.halt("commit of unknown value " + a.value.id.hex() + " at height " +
                std::to_string(a.height));
      return;
    }
    Built built = std::move(it->second);
    pending.clear();
    built.block.certificate = std::move(a.certificate);
    Status st = node.store_->commit(built.block, built.writes, &built.tx_hashes);
    if (!st) {
      node.halt("store commit failed at height " + std::to_string(a.height) + ": " +
                st.to_string());
      return;
    }
    node.on_committed(built.block, built.tx_hashes, built.writes);
    run(engine.on_block_executed(a.height));
  }

  // Other actions need peers (BFT); a single validator has none.
  template <typename A>
  void handle(A&) {}

  // Builds the next block from the mempool; nullopt if nothing applies.
  // A tx admitted earlier can stop applying (another tx credited its
  // recipient up to the int64 limit, say): it is left out of the block and
  // dropped from the mempool, so one bad tx can never stall the chain.
  std::optional<Built> build(uint64_t height) {
    std::vector<ledger::Mempool::Pending> candidates;
    ledger::BlockHeader prev;
    {
      std::lock_guard lock(node.mempool_mu_);
      candidates = node.mempool_.reap_pending(node.config_.max_block_txs);
    }
    prev = node.head_;  // written only on this thread
    if (candidates.empty() || prev.height + 1 != height) return std::nullopt;
    // The state only changes on this thread, so reading it unlocked is safe.
    // Signatures were verified by CheckTx on admission.
    ledger::StateOverlay overlay(node.state_);
    std::vector<ledger::Tx> txs;
    std::vector<Hash256> hashes, dropped;
    txs.reserve(candidates.size());
    hashes.reserve(candidates.size());
    for (auto& p : candidates) {
      Status st = ledger::apply_tx(overlay, p.tx);
      if (st) {
        txs.push_back(std::move(p.tx));
        hashes.push_back(p.hash);
      } else {
        spdlog::warn("dropping tx {} from the mempool: {}", p.hash.hex(), st.to_string());
        dropped.push_back(p.hash);
      }
    }
    if (!dropped.empty()) {
      std::lock_guard lock(node.mempool_mu_);
      node.mempool_.update_hashes(dropped, node.state_);
      node.mempool_size_ = node.mempool_.size();
    }
    if (txs.empty()) return std::nullopt;
    Built b;
    b.block.header.height = height;
    b.block.header.prev_hash = prev.hash();
    b.block.header.proposer = node.key_.public_key();
    b.block.header.time_ms = std::max(prev.time_ms, now_ms());
    b.block.header.tx_root = merkle_root(hashes);  // == compute_tx_root(txs)
    b.block.header.state_root = overlay.root();
    b.block.header.tx_count = static_cast<uint32_t>(txs.size());
    b.block.txs = std::move(txs);
    b.tx_hashes = std::move(hashes);
    b.writes = overlay.writes();
    return b;
  }

  Node& node;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  consensus::SingleEngine engine;
  std::map<Hash256, Built> pending;
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
  WATTLE_RETURN_IF_ERROR((*store)->init_genesis(*genesis));
  auto head_height = (*store)->head_height();
  if (!head_height) return Status(Code::kCorruption, "store has no head");
  auto head = (*store)->block(*head_height);
  if (!head) return head.status();
  auto state = (*store)->load_state();
  if (!state) return state.status();
  if (state->root() != head->header.state_root)
    return Status(Code::kCorruption,
                  "stored state root does not match block " + std::to_string(*head_height));
  return std::unique_ptr<Node>(new Node(config, std::move(*genesis), std::move(*key),
                                        std::move(*store), std::move(*state), head->header));
}

Node::Node(NodeConfig config, ledger::Genesis genesis, KeyPair key,
           std::unique_ptr<ledger::Store> store, ledger::State state, ledger::BlockHeader head)
    : config_(std::move(config)),
      genesis_(std::move(genesis)),
      key_(std::move(key)),
      store_(std::move(store)),
      state_(std::move(state)),
      head_(head),
      mempool_(config_.mempool),
      height_gauge_(metrics_.gauge("wattle_height", "Height of the last committed block")),
      mempool_gauge_(metrics_.gauge("wattle_mempool_size", "Transactions waiting in the mempool")),
      halted_gauge_(metrics_.gauge("wattle_halted",
                                   "1 once the node stopped producing blocks (store failure)")),
      committed_counter_(
          metrics_.counter("wattle_txs_committed_total", "Transactions committed in all blocks (kept across restarts)")),
      commit_latency_(metrics_.histogram("wattle_commit_latency_seconds",
                                         "Time from mempool admission to commit")) {
  height_gauge_.set(static_cast<double>(head_.height));
  txs_committed_ = store_->txs_committed();
  committed_counter_.inc(txs_committed_);
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
      config_.block_interval_ms ? config_.block_interval_ms : genesis_.block_interval_ms;
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
  std::lock_guard lock(mu_);
  return head_.height;
}

bool Node::wait_for_height(uint64_t h, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return committed_cv_.wait_for(lock, timeout, [&] { return head_.height >= h; });
}

void Node::on_committed(const Block& block, const std::vector<Hash256>& tx_hashes,
                        const ledger::AccountWrites& writes) {
  auto now = ledger::Mempool::Clock::now();
  {
    // The mempool lock first, so no tx is admitted between the new state and
    // the recheck against it; queries that need only mu_ go on meanwhile.
    std::lock_guard pool_lock(mempool_mu_);
    for (const auto& h : tx_hashes) {
      if (auto t = mempool_.admitted_at(h))
        commit_latency_.observe(std::chrono::duration<double>(now - *t).count());
    }
    {
      std::lock_guard lock(mu_);
      state_.apply(writes);
      head_ = block.header;
      txs_committed_ += block.txs.size();
    }
    // This thread is the only writer of state_, so reading it without mu_ is safe.
    mempool_.update_hashes(tx_hashes, state_);
    mempool_size_ = mempool_.size();
    mempool_gauge_.set(static_cast<double>(mempool_size_.load()));
  }
  committed_cv_.notify_all();  // waiters see the block and the rechecked mempool
  committed_counter_.inc(block.txs.size());
  height_gauge_.set(static_cast<double>(block.header.height));
}

std::vector<rpc::SubmitResult> Node::submit(const std::vector<Bytes>& raw_txs) {
  std::vector<rpc::SubmitResult> results(raw_txs.size());
  if (halted()) {
    // Accepting a tx that can never commit would be a lie.
    for (auto& r : results)
      r.status = Status(Code::kHalted, "node halted (storage failure); not accepting txs");
    return results;
  }
  std::vector<std::optional<ledger::Tx>> txs(raw_txs.size());
  std::vector<ledger::Tx> to_verify;
  std::vector<size_t> verify_index;
  for (size_t i = 0; i < raw_txs.size(); ++i) {
    auto tx = ledger::decode_tx(raw_txs[i]);
    if (!tx) {
      results[i].status = tx.status();
      continue;
    }
    results[i].hash = tx->hash();
    Status st = ledger::check_stateless(*tx, genesis_.chain_id, /*check_signature=*/false);
    if (!st) {
      results[i].status = st;
      continue;
    }
    to_verify.push_back(*tx);
    verify_index.push_back(i);
    txs[i] = std::move(*tx);
  }
  // Signatures are the expensive part: check them on all cores, outside the lock.
  std::vector<uint8_t> ok = ledger::verify_each(to_verify);
  for (size_t k = 0; k < verify_index.size(); ++k) {
    if (!ok[k]) {
      results[verify_index[k]].status = Status(Code::kBadSignature, "signature does not verify");
      txs[verify_index[k]].reset();
    }
  }
  std::lock_guard pool_lock(mempool_mu_);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < raw_txs.size(); ++i) {
    if (!txs[i]) continue;
    results[i].status = mempool_.add(*txs[i], results[i].hash, raw_txs[i].size(), state_);
  }
  mempool_size_ = mempool_.size();
  mempool_gauge_.set(static_cast<double>(mempool_size_.load()));
  return results;
}

rpc::TxLookup Node::lookup_tx(const Hash256& hash) {
  rpc::TxLookup out;
  {
    std::lock_guard lock(mempool_mu_);
    if (auto tx = mempool_.get(hash)) {
      out.state = rpc::TxState::kPending;
      out.tx = std::move(tx);
      return out;
    }
  }
  if (auto loc = store_->tx_location(hash)) {
    auto b = store_->block(loc->height);
    if (b && loc->index < b->txs.size()) {
      out.state = rpc::TxState::kCommitted;
      out.height = loc->height;
      out.index = loc->index;
      out.tx = b->txs[loc->index];
    }
  }
  return out;
}

Result<Block> Node::block(uint64_t height) {
  if (height > this->height())
    return Status(Code::kNotFound, "no block at height " + std::to_string(height));
  return store_->block(height);
}

rpc::AccountView Node::account(const Address& address) {
  rpc::AccountView v;
  {
    std::lock_guard lock(mu_);
    v.account = state_.get(address);
    v.exists = state_.contains(address);
  }
  // Taken separately (not nested): a block commit between the two reads can
  // only make pending_nonce stale-low, which the JSON view clamps to nonce.
  std::lock_guard lock(mempool_mu_);
  v.pending_nonce = mempool_.pending_nonce(address).value_or(v.account.nonce);
  return v;
}

rpc::ChainStatus Node::status() {
  std::lock_guard lock(mu_);
  rpc::ChainStatus s;
  s.chain_id = genesis_.chain_id;
  s.height = head_.height;
  s.last_block_hash = head_.hash();
  s.state_root = head_.state_root;
  s.last_block_time_ms = head_.time_ms;
  s.mempool_size = mempool_size_.load();
  s.txs_committed = txs_committed_.load();
  s.validator = key_.public_key().hex();
  s.halted = halted();
  return s;
}

std::string Node::metrics_text() {
  return metrics_.render();
}

}  // namespace wattle::node
