#include "chain/application.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "modules/staking/staking_state.h"

namespace wattle::chain {

namespace {
std::vector<PublicKey> validator_keys(const Genesis& genesis) {
  std::vector<PublicKey> keys;
  for (const auto& v : genesis.validators) keys.push_back(v.public_key);
  return keys;
}

// The genesis' modules, with the simulator's nondeterministic-exec mutation
// (this replica's own min_balance instead of the genesis one) when asked.
ChainParams make_params(const Genesis& genesis, const AppConfig& config) {
  if (config.modules) return ChainParams{genesis.chain_id, config.modules};
  const AppTestHooks* hooks = config.hooks;
  if (hooks && hooks->nondeterministic_exec()) {
    Genesis mutated = genesis;
    mutated.min_balance = Money(hooks->local_min_balance());
    return mutated.params(config.evidence_checker);
  }
  return genesis.params(config.evidence_checker);
}
}  // namespace

Result<std::unique_ptr<Application>> Application::open(Genesis genesis,
                                                       std::unique_ptr<Store> store,
                                                       AppConfig config) {
  if (!store) return Status(Code::kInvalidArgument, "no store");
  WATTLE_RETURN_IF_ERROR(store->init_genesis(genesis));
  auto height = store->head_height();
  if (!height) return Status(Code::kCorruption, "store has no head");
  auto head = store->block(*height);
  if (!head) return head.status();
  if (store->root() != head->header.state_root)
    return Status(Code::kCorruption,
                  "stored state root does not match block " + std::to_string(*height));
  // The root node must be there: a tree without it cannot execute anything.
  if (!store->root().is_zero()) {
    auto n = store->tree().node(store->root());
    if (!n) return Status(Code::kCorruption, "state tree root: " + n.status().message());
  }
  return std::unique_ptr<Application>(
      new Application(std::move(genesis), std::move(store), config, head->header));
}

Application::Application(Genesis genesis, std::unique_ptr<Store> store, AppConfig config,
                         BlockHeader head)
    : genesis_(std::move(genesis)),
      params_(make_params(genesis_, config)),
      config_(config),
      own_env_(config.env ? nullptr : std::make_unique<InlineEnv>()),
      env_(config.env ? *config.env : *own_env_),
      store_(std::move(store)),
      events_(config.event_capacity),
      validators_(validator_keys(genesis_)),
      mempool_(config.mempool, params_),
      head_(head),
      txs_committed_(store_->txs_committed()) {}

CheckTxResult Application::check_tx(ByteView bytes) {
  return check_txs({Bytes(bytes.begin(), bytes.end())}).at(0);
}

std::vector<CheckTxResult> Application::check_txs(const std::vector<Bytes>& raw, TxSource source) {
  std::vector<CheckTxResult> results(raw.size());
  std::vector<std::optional<Tx>> txs(raw.size());
  // 1 = signature verified already, by a block validation (block_verified_).
  std::vector<uint8_t> verified(raw.size(), 0);
  std::vector<Tx> to_verify;
  std::vector<size_t> verify_index;
  for (size_t i = 0; i < raw.size(); ++i) {
    auto tx = decode_tx(raw[i]);
    if (!tx) {
      results[i].status = tx.status();
      continue;
    }
    results[i].hash = tx_hash(raw[i]);  // strict decode: raw is its canonical encoding
    Status st = catching_up_ ? Status(Code::kCatchingUp, "node is catching up; try a synced node")
                             : check_stateless(*tx, params_.chain_id, /*check_signature=*/false);
    if (!st) {
      results[i].status = st;
      continue;
    }
    txs[i] = std::move(*tx);
  }
  // Copies within this call (the gossip worker merges several peers'
  // batches, and each peer relays the same txs): only the first is checked,
  // and each later copy gets the answer the mempool would give it, below.
  std::vector<size_t> copy_of(raw.size(), SIZE_MAX);
  {
    std::unordered_map<Hash256, size_t, Hash256Hasher> first;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (!txs[i]) continue;
      auto [it, inserted] = first.emplace(results[i].hash, i);
      if (!inserted) {
        copy_of[i] = it->second;
        txs[i].reset();
      }
    }
  }
  {
    // A tx already pending is refused before its signature is checked: tx
    // gossip brings each tx to a node once per peer, and verifying every
    // copy would cost several times the one check per node a tx needs.
    std::lock_guard lock(mempool_mu_);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (!txs[i]) continue;
      if (mempool_.contains(results[i].hash)) {
        results[i].status = Status(Code::kDuplicate, "tx already in the mempool");
        txs[i].reset();
      } else if (block_verified_.contains(results[i].hash)) {
        verified[i] = 1;
      }
    }
  }
  if (source == TxSource::kPeer) refuse_committed_copies(txs, results);
  // The owning module's cheap pre-checks, before the signature.
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!txs[i]) continue;
    const Module* m = params_.modules->for_kind(txs[i]->kind());
    Status st = m ? m->check_tx(*txs[i])
                  : Status(Code::kMalformed, "no module of this chain executes tx kind " +
                                                 std::to_string(txs[i]->kind()));
    if (!st) {
      results[i].status = st;
      txs[i].reset();
      continue;
    }
    if (verified[i]) continue;
    to_verify.push_back(*txs[i]);
    verify_index.push_back(i);
  }
  // Signatures are the expensive part: check them on all cores, outside the lock.
  std::vector<uint8_t> ok = verify_each(to_verify, &env_);
  for (size_t k = 0; k < verify_index.size(); ++k) {
    if (!ok[k]) {
      results[verify_index[k]].status = Status(Code::kBadSignature, "signature does not verify");
      txs[verify_index[k]].reset();
    }
  }
  const BlockContext ctx = next_block();
  std::lock_guard lock(mempool_mu_);
  mempool_.set_next_block(ctx);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!txs[i]) continue;
    results[i].status =
        mempool_.add(*txs[i], results[i].hash, raw[i].size(), *store_, env_.steady_ms());
  }
  mempool_size_ = mempool_.size();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (copy_of[i] == SIZE_MAX) continue;
    // Identical bytes: refused for what refused the first, else a duplicate.
    const Status& first = results[copy_of[i]].status;
    results[i].status = first ? Status(Code::kDuplicate, "tx already in the mempool") : first;
  }
  return results;
}

void Application::refuse_committed_copies(std::vector<std::optional<Tx>>& txs,
                                          std::vector<CheckTxResult>& results) const {
  // A peer's copy of a tx this node has committed: one account read
  // instead of a signature check (the store is safe to read meanwhile).
  for (size_t i = 0; i < txs.size(); ++i) {
    if (!txs[i]) continue;
    auto committed = store_->account(txs[i]->sender_address());
    if (committed && txs[i]->nonce < committed->nonce) {
      results[i].status = check_nonce(committed->nonce, txs[i]->nonce);
      txs[i].reset();
    }
  }
}

BlockContext Application::next_block() const {
  // The next block is strictly after the head; a node's wall clock
  // (AppConfig::env) may say it is later still.
  const BlockHeader h = head();
  uint64_t time = h.time_ms + 1;
  time = std::max(time, env_.now_ms());
  return BlockContext{h.height + 1, time, h.hash(), 0};
}

Status Application::add_evidence(ByteView item) {
  if (!config_.evidence_checker) return Status(Code::kUnauthorized, "this chain takes no evidence");
  if (item.size() > kMaxEvidenceBytes) return Status(Code::kTooLarge, "evidence item too large");
  const Hash256 id = evidence_hash(item);
  {
    std::lock_guard lock(mempool_mu_);
    if (evidence_pool_.contains(id)) return Status(Code::kDuplicate, "evidence already pending");
  }
  auto info = config_.evidence_checker(item);  // signatures: outside the lock
  if (!info) return info.status();
  auto committed = store_->read(evidence_key(id));
  if (!committed) return committed.status();
  if (*committed) return Status(Code::kDuplicate, "evidence already committed");
  std::lock_guard lock(mempool_mu_);
  if (evidence_pool_.size() >= kMaxPendingEvidence)
    return Status(Code::kMempoolFull, "evidence pool full");
  if (!evidence_pool_.emplace(id, Bytes(item.begin(), item.end())).second)
    return Status(Code::kDuplicate, "evidence already pending");
  return Status::ok();
}

size_t Application::evidence_pending() const {
  std::lock_guard lock(mempool_mu_);
  return evidence_pool_.size();
}

Result<Proposal> Application::prepare_proposal(uint64_t height, uint64_t time_ms,
                                               const PublicKey& proposer) {
  std::vector<Mempool::Pending> candidates;
  std::vector<Bytes> evidence;
  BlockHeader prev;
  prev = head();
  {
    std::lock_guard lock(mempool_mu_);
    candidates = mempool_.reap_pending(config_.max_block_txs);
    for (const auto& [id, item] : evidence_pool_) {
      if (evidence.size() == kMaxBlockEvidence) break;
      evidence.push_back(item);
    }
  }
  if (height != prev.height + 1)
    return Status(Code::kInvalidArgument, "cannot propose height " + std::to_string(height) +
                                              " on top of " + std::to_string(prev.height));
  Block b;
  b.header.height = height;
  b.header.prev_hash = prev.hash();
  b.header.proposer = proposer;
  // Strictly after the parent, whatever the proposer's clock says.
  b.header.time_ms = std::max(time_ms, prev.time_ms + 1);
  auto last_commit = proposed_last_commit(prev, b);
  if (!last_commit) return last_commit.status();
  std::vector<Tx> txs;
  std::vector<Hash256> hashes;
  txs.reserve(candidates.size());
  for (auto& p : candidates) {
    txs.push_back(std::move(p.tx));
    hashes.push_back(p.hash);
  }
  // Signatures were verified by CheckTx on admission.
  // Evidence that no longer applies (committed meanwhile, or for this very
  // height) is left out; the pool forgets committed items at commit().
  auto exec = execute_block(*store_, b.header, std::move(txs), params_, ExecMode::kDropFailing,
                            /*verify_signatures=*/false, std::move(evidence), &hashes,
                            *last_commit ? &**last_commit : nullptr);
  if (!exec) return exec.status();
  if (!exec->dropped.empty()) {
    // A tx admitted earlier can stop applying (another tx credited its
    // recipient up to the int64 limit, say): it leaves the block and the
    // mempool, so one bad tx can never stall the chain.
    std::vector<Hash256> dropped;
    std::vector<Mempool::Dropped> reasons;
    for (size_t k = 0; k < exec->dropped.size(); ++k) {
      dropped.push_back(hashes[exec->dropped[k]]);
      reasons.push_back({dropped.back(), exec->drop_reasons[k]});
    }
    std::vector<Hash256> kept;
    size_t d = 0;
    for (size_t i = 0; i < hashes.size(); ++i) {
      if (d < exec->dropped.size() && exec->dropped[d] == i) {
        ++d;
      } else {
        kept.push_back(hashes[i]);
      }
    }
    hashes = std::move(kept);
    std::lock_guard lock(mempool_mu_);
    remember_dropped(reasons, height);
    remember_dropped(mempool_.update_hashes(dropped, *store_), height);
    mempool_size_ = mempool_.size();
  }
  b.header.tx_root = merkle_root(hashes);  // == compute_tx_root(txs)
  b.header.tx_count = static_cast<uint32_t>(exec->txs.size());
  b.header.state_root = exec->state_root;
  b.header.evidence_root = compute_evidence_root(exec->evidence);
  b.txs = std::move(exec->txs);
  b.evidence = std::move(exec->evidence);
  Proposal p;
  p.id = b.header.hash();
  p.bytes = encode_to_bytes(b);
  p.block = b;
  p.decoded =
      std::make_shared<const DecodedBlock>(DecodedBlock{std::move(b), p.id, std::move(hashes)});
  cache(p.id, Executed{p.decoded, {}, std::move(*exec)});
  return p;
}

Result<std::optional<LastCommit>> Application::proposed_last_commit(const BlockHeader& prev,
                                                                    Block& b) const {
  if (!config_.last_commit_checker || prev.height == 0) return std::optional<LastCommit>();
  if (head_certificate_ && head_certificate_->first == prev.height) {
    b.last_commit = head_certificate_->second;
  } else {
    auto parent = store_->block(prev.height);
    if (!parent) return parent.status();
    b.last_commit = std::move(parent->certificate);
  }
  b.header.last_commit_hash = compute_last_commit_hash(b.last_commit);
  // The proposer executes with the signers its followers will see.
  return check_last_commit(prev, b, config_.last_commit_checker);
}

Application::Cache::iterator Application::cache(const Hash256& id, Executed e) {
  if (executed_.size() >= kMaxCachedExecutions) executed_.clear();
  return executed_.insert_or_assign(id, std::move(e)).first;
}

Result<Application::Cache::iterator> Application::execute(
    const std::shared_ptr<const DecodedBlock>& decoded, bool trust_mempool) {
  const Hash256& id = decoded->id;
  if (auto it = executed_.find(id); it != executed_.end()) return it;
  const Block& block = decoded->block;
  const std::vector<Hash256>& hashes = decoded->tx_hashes;
  // Signatures: a tx in this node's mempool passed this node's CheckTx
  // (signature included) under the hash that covers its signature bytes,
  // so with trust_mempool only the others are verified: a follower checking
  // a proposal verifies each tx once, not once at CheckTx and again per block.
  BlockChecks checks;
  auto proposers = proposer_keys(genesis_, *store_, block.header.height);
  if (!proposers) return proposers.status();
  checks.validators = proposers->empty() ? validators_ : std::move(*proposers);
  checks.env = &env_;
  checks.tx_hashes = &hashes;
  checks.last_commit = config_.last_commit_checker;
  if (trust_mempool) {
    checks.verified.resize(block.txs.size());
    std::lock_guard lock(mempool_mu_);
    for (size_t i = 0; i < block.txs.size(); ++i)
      checks.verified[i] = mempool_.contains(hashes[i]) ? 1 : 0;
  }
  // The one block validation `wattle verify` runs too (executor.h).
  auto exec = validate_block(*store_, head(), block, params_, checks);
  if (!exec) return exec.status();
  if (trust_mempool) {
    // The txs verified here, for CheckTx of their gossiped copies that
    // arrive before the block commits.
    std::lock_guard lock(mempool_mu_);
    for (size_t i = 0; i < block.txs.size(); ++i)
      if (!checks.verified[i] && block_verified_.size() < kMaxBlockVerified)
        block_verified_.insert(hashes[i]);
  }
  exec->txs.clear();  // the block holds them
  exec->evidence.clear();
  return cache(id, Executed{decoded, {}, std::move(*exec)});
}

Status Application::process_proposal(std::shared_ptr<const DecodedBlock> decoded,
                                     const PublicKey& expected_proposer) {
  const Block& block = decoded->block;
  if (block.header.proposer != expected_proposer)
    return Status(Code::kUnauthorized, "block proposed by " + block.header.proposer.hex() +
                                           ", expected " + expected_proposer.hex());
  if (config_.hooks && config_.hooks->skip_root_check())
    return check_links(head(), block, &decoded->tx_hashes);
  return execute(decoded, /*trust_mempool=*/true).status();
}

Status Application::process_proposal(const Block& block, const PublicKey& expected_proposer) {
  return process_proposal(std::make_shared<const DecodedBlock>(hashed(block)), expected_proposer);
}

Status Application::finalize_block(std::shared_ptr<const DecodedBlock> decoded,
                                   ByteView certificate) {
  auto it = execute(decoded, /*trust_mempool=*/false);
  if (!it) return it.status();
  // Moved out, not copied: commit() clears the cache anyway.
  finalized_ = std::move((*it)->second);
  executed_.erase(*it);
  finalized_->certificate.assign(certificate.begin(), certificate.end());
  return Status::ok();
}

Status Application::finalize_block(const Block& block) {
  return finalize_block(std::make_shared<const DecodedBlock>(hashed(block)), block.certificate);
}

Result<CommitInfo> Application::commit() {
  if (!finalized_) return Status(Code::kInternal, "commit without a finalized block");
  Executed e = std::move(*finalized_);
  finalized_.reset();
  // The store is the committed state; this thread is its only writer, so
  // the write needs no lock (CheckTx meanwhile reads either side of it, and
  // the mempool update below re-checks every pending tx).
  // The market events go in the same batch, so a replay (committed_events)
  // shows what subscribers saw live.
  const Block& block = e.block->block;
  const std::vector<Hash256>& tx_hashes = e.block->tx_hashes;
  WATTLE_RETURN_IF_ERROR(store_->commit(block, e.certificate, e.exec.writes, e.exec.tree,
                                        &tx_hashes, encode_events(e.exec.module_events)));
  executed_.clear();
  head_certificate_.emplace(block.header.height, std::move(e.certificate));
  CommitInfo info;
  info.header = block.header;
  info.evidence_count = static_cast<uint32_t>(block.evidence.size());
  {
    // The mempool lock first, so no tx is admitted between the new head and
    // the recheck against it; head and status queries (mu_ only) go on
    // meanwhile.
    std::lock_guard pool_lock(mempool_mu_);
    for (const Hash256& h : tx_hashes)
      if (auto t = mempool_.admitted_at(h)) info.admitted.push_back(*t);
    {
      std::lock_guard lock(mu_);
      head_ = block.header;
      txs_committed_ = store_->txs_committed();
    }
    remember_dropped(mempool_.update_hashes(tx_hashes, *store_), block.header.height);
    mempool_size_ = mempool_.size();
    for (const Bytes& item : block.evidence) evidence_pool_.erase(evidence_hash(item));
    // Copies of committed txs now fail on their nonce.
    block_verified_.clear();
  }
  events_.publish(
      block_events(block.header.height, e.block->id, tx_hashes, std::move(e.exec.module_events)));
  info.tx_hashes = tx_hashes;
  return info;
}

Result<std::vector<CommitInfo>> Application::reorganize(
    const std::function<Result<uint64_t>(Store&)>& move) {
  executed_.clear();
  finalized_.reset();
  head_certificate_.reset();
  const BlockHeader old_head = head();
  auto connected = move(*store_);
  auto height = store_->head_height();
  if (!height) return Status(Code::kCorruption, "store has no head after a reorganisation");
  std::vector<CommitInfo> infos;
  std::vector<Hash256> done;
  const uint64_t count = connected ? std::min(*connected, *height) : 0;
  for (uint64_t h = *height - count + 1; h <= *height && count > 0; ++h) {
    auto b = store_->block(h);
    if (!b) return b.status();
    CommitInfo info;
    info.header = b->header;
    for (const Tx& tx : b->txs) info.tx_hashes.push_back(tx.hash());
    done.insert(done.end(), info.tx_hashes.begin(), info.tx_hashes.end());
    infos.push_back(std::move(info));
  }
  auto head = store_->block(*height);
  if (!head) return head.status();
  {
    std::lock_guard pool_lock(mempool_mu_);  // the order commit() takes them in
    for (CommitInfo& info : infos)
      for (const Hash256& h : info.tx_hashes)
        if (auto t = mempool_.admitted_at(h)) info.admitted.push_back(*t);
    {
      std::lock_guard lock(mu_);
      head_ = head->header;
      txs_committed_ = store_->txs_committed();
    }
    remember_dropped(mempool_.update_hashes(done, *store_), *height);
    mempool_size_ = mempool_.size();
    block_verified_.clear();
  }
  // The fork is where the connected blocks start; what the old head had
  // above it was disconnected.
  const Hash256 tip = head->header.hash();
  const uint64_t fork = *height - count;
  if (old_head.height > fork) {
    Event e;
    e.kind = Event::Kind::kReorg;
    e.height = *height;
    e.hash = tip;
    e.index = static_cast<uint32_t>(std::min<uint64_t>(old_head.height - fork, UINT32_MAX));
    e.branch = old_head.hash();
    e.old_height = old_head.height;
    events_.publish({e});
  }
  for (const CommitInfo& info : infos) {
    auto events = block_events(info.header.height, info.header.hash(), info.tx_hashes, {});
    for (Event& e : events)
      if (e.kind == Event::Kind::kBlock) e.branch = tip;
    events_.publish(std::move(events));
  }
  if (!connected) return connected.status();
  return infos;
}

Result<std::vector<Event>> Application::committed_events(uint64_t height) const {
  auto block = store_->block(height);
  if (!block) return block.status();
  auto stored = store_->module_events(height);
  if (!stored) return stored.status();
  if (!*stored)
    return Status(Code::kUnavailable,
                  "block " + std::to_string(height) + " was committed before events were stored");
  auto market = decode_events(**stored);
  if (!market)
    return Status(Code::kCorruption, "stored events of block " + std::to_string(height) + ": " +
                                         market.status().message());
  std::vector<Hash256> hashes;
  hashes.reserve(block->txs.size());
  for (const Tx& tx : block->txs) hashes.push_back(tx.hash());
  return block_events(height, block->header.hash(), hashes, std::move(market).value());
}

BlockHeader Application::head() const {
  std::lock_guard lock(mu_);
  return head_;
}

Result<Block> Application::block(uint64_t height) const {
  if (height > head().height)
    return Status(Code::kNotFound, "no block at height " + std::to_string(height));
  return store_->block(height);
}

Result<AccountState> Application::account(const Address& address) const {
  auto rec = store_->read(StateKey::account(address));
  if (!rec) return rec.status();
  if (!*rec) return AccountState{};
  auto acct = decode_exact<Account>(**rec);
  if (!acct) return Status(Code::kCorruption, "bad account record: " + acct.status().message());
  return AccountState{*acct, true};
}

Result<HeadProof> Application::prove_account(const Address& address) const {
  return store_->prove_head(StateKey::account(address));
}

std::optional<Tx> Application::pending_tx(const Hash256& hash) const {
  std::lock_guard lock(mempool_mu_);
  return mempool_.get(hash);
}

std::optional<uint64_t> Application::pending_nonce(const Address& address) const {
  std::lock_guard lock(mempool_mu_);
  return mempool_.pending_nonce(address);
}

Result<std::optional<StoredTx>> Application::committed_tx(const Hash256& hash) const {
  return store_->tx(hash);
}

void Application::remember_dropped(const std::vector<Mempool::Dropped>& dropped, uint64_t height) {
  for (const Mempool::Dropped& d : dropped) {
    if (!dropped_.insert_or_assign(d.hash, DroppedTx{height, d.reason}).second) continue;
    dropped_order_.push_back(d.hash);
    if (dropped_order_.size() > kMaxDroppedTxs) {
      dropped_.erase(dropped_order_.front());
      dropped_order_.pop_front();
    }
  }
}

std::optional<DroppedTx> Application::dropped_tx(const Hash256& hash) const {
  std::lock_guard lock(mempool_mu_);
  auto it = dropped_.find(hash);
  if (it == dropped_.end()) return std::nullopt;
  return it->second;
}

size_t Application::mempool_size() const {
  return mempool_size_.load();
}

uint64_t Application::txs_committed() const {
  std::lock_guard lock(mu_);
  return txs_committed_;
}

bool Application::block_due(uint64_t time_ms) const {
  auto due = params_.modules->block_due(*store_, time_ms);
  return due && *due;
}

Result<Bytes> Application::query(std::string_view module, std::string_view path,
                                 ByteView request) const {
  const Module* m = params_.modules->find(module);
  if (m == nullptr)
    return Status(Code::kNotFound, "this chain has no module " + std::string(module));
  return m->query(path, request, *store_);
}

}  // namespace wattle::chain
