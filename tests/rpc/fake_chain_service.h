// FakeChainService: an in-memory ChainService for rpc tests. It performs the
// same CheckTx verdicts a node would (decode, chain id, amount, signature,
// nonce, funds, mempool capacity) with simple maps, so the HTTP layer can be
// tested end to end without the ledger. Thread-safe (one mutex). Like the
// node's Application, commit_block() publishes a block event and one tx
// event per tx to its EventBus (events()), after the block is visible.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "chain/block.h"
#include "chain/events.h"
#include "chain/mempool.h"
#include "core/codec.h"
#include "rpc/chain_service.h"
#include "rpc/metrics.h"

namespace wattle::rpc::testing {

inline constexpr const char* kTestChain = "test-chain";

inline std::string tx_hex(const chain::Tx& tx) {
  return to_hex(encode_to_bytes(tx));
}

inline chain::Tx transfer(const KeyPair& from, uint64_t nonce, const Address& to, int64_t amount,
                          std::string chain = kTestChain) {
  return chain::Tx::make_signed(std::move(chain), from, nonce, chain::Transfer{to, Money(amount)});
}

class FakeChainService : public ChainService {
 public:
  // `event_capacity`: how many events its EventBus keeps (as the node's
  // ApplicationConfig::event_capacity).
  explicit FakeChainService(size_t event_capacity = 1 << 16)
      : validator_(KeyPair::from_label("validator")), bus_(event_capacity) {
    chain::Block genesis;
    genesis.header.proposer = validator_.public_key();
    genesis.header.state_root = blake2b256(as_bytes("genesis state"));
    blocks_.push_back(genesis);
    height_ = &metrics_.gauge("wattle_height", "Height of the last committed block.");
    committed_total_ =
        &metrics_.counter("wattle_txs_committed_total", "Transactions committed since start.");
  }

  void fund(const Address& a, int64_t amount) {
    std::lock_guard lock(mu_);
    accounts_[a].balance = Money(accounts_[a].balance.value() + amount);
  }
  void set_mempool_capacity(size_t n) {
    std::lock_guard lock(mu_);
    mempool_capacity_ = n;
  }
  // The certificate of the blocks committed from now on (default 2 bytes);
  // a large one makes large block JSON.
  void set_certificate(Bytes certificate) {
    std::lock_guard lock(mu_);
    certificate_ = std::move(certificate);
  }
  // When set, status() throws, as a buggy node might.
  void set_throw_on_status(bool v) {
    std::lock_guard lock(mu_);
    throw_on_status_ = v;
  }

  // Executes every pending tx into a new block (all pending txs are valid)
  // and publishes its events, with `market` after the tx events (their
  // height is set here); keeps them for committed_events, as the store does.
  chain::Block commit_block(std::vector<chain::Event> market = {}) {
    chain::Block b = commit_locked();
    for (chain::Event& e : market) e.height = b.header.height;
    std::vector<Hash256> hashes;
    for (const chain::Tx& tx : b.txs) hashes.push_back(tx.hash());
    std::vector<chain::Event> events =
        chain::block_events(b.header.height, b.header.hash(), hashes, std::move(market));
    {
      std::lock_guard lock(mu_);
      history_[b.header.height] = events;
    }
    bus_.publish(std::move(events));
    return b;
  }

  chain::EventBus* events() override { return &bus_; }
  Result<std::vector<chain::Event>> committed_events(uint64_t height) override {
    std::lock_guard lock(mu_);
    auto it = history_.find(height);
    if (it == history_.end())
      return Status(Code::kNotFound, "no block at height " + std::to_string(height));
    return it->second;
  }
  chain::EventBus& bus() { return bus_; }

 private:
  chain::Block commit_locked() {
    std::lock_guard lock(mu_);
    chain::Block b;
    b.header.height = blocks_.size();
    b.header.prev_hash = blocks_.back().header.hash();
    b.header.proposer = validator_.public_key();
    b.header.time_ms = 1'700'000'000'000 + b.header.height * 1000;
    b.txs = std::move(pending_);
    pending_.clear();
    pending_by_sender_.clear();
    b.header.tx_count = static_cast<uint32_t>(b.txs.size());
    b.header.tx_root = chain::compute_tx_root(b.txs);
    b.certificate = certificate_;
    for (size_t i = 0; i < b.txs.size(); ++i) {
      const chain::Tx& tx = b.txs[i];
      chain::Account& from = accounts_[tx.sender_address()];
      from.nonce++;
      if (const auto* t = std::get_if<chain::Transfer>(&tx.payload)) {
        from.balance = Money(from.balance.value() - t->amount.value());
        accounts_[t->to].balance = Money(accounts_[t->to].balance.value() + t->amount.value());
      }
      committed_[tx.hash()] = {b.header.height, static_cast<uint32_t>(i)};
    }
    b.header.state_root = blake2b256(b.header.tx_root.bytes);
    blocks_.push_back(b);
    txs_committed_ += b.txs.size();
    height_->set(static_cast<double>(b.header.height));
    committed_total_->inc(b.txs.size());
    return b;
  }

 public:
  std::vector<SubmitResult> submit(const std::vector<Bytes>& raw_txs) override {
    std::lock_guard lock(mu_);
    std::vector<SubmitResult> out;
    for (const Bytes& raw : raw_txs) out.push_back(check_and_add(raw));
    return out;
  }

  TxLookup lookup_tx(const Hash256& hash) override {
    std::lock_guard lock(mu_);
    TxLookup r;
    if (auto it = committed_.find(hash); it != committed_.end()) {
      r.state = TxState::kCommitted;
      r.height = it->second.first;
      r.index = it->second.second;
      r.tx = blocks_[r.height].txs[r.index];
      return r;
    }
    for (const chain::Tx& tx : pending_) {
      if (tx.hash() == hash) {
        r.state = TxState::kPending;
        r.tx = tx;
      }
    }
    return r;
  }

  Result<chain::Block> block(uint64_t height) override {
    std::lock_guard lock(mu_);
    if (height >= blocks_.size())
      return Status(Code::kNotFound, "no block at height " + std::to_string(height));
    return blocks_[height];
  }

  AccountView account(const Address& address) override {
    std::lock_guard lock(mu_);
    AccountView v;
    if (auto it = accounts_.find(address); it != accounts_.end()) {
      v.account = it->second;
      v.exists = true;
    }
    auto p = pending_by_sender_.find(address);
    v.pending_nonce = v.account.nonce + (p == pending_by_sender_.end() ? 0 : p->second.count);
    return v;
  }

  ChainStatus status() override {
    std::lock_guard lock(mu_);
    if (throw_on_status_) throw std::runtime_error("status exploded");
    ChainStatus s;
    s.chain_id = kTestChain;
    s.height = blocks_.size() - 1;
    s.last_block_hash = blocks_.back().header.hash();
    s.state_root = blocks_.back().header.state_root;
    s.last_block_time_ms = blocks_.back().header.time_ms;
    s.mempool_size = pending_.size();
    s.txs_committed = txs_committed_;
    s.validator = validator_.public_key().hex();
    return s;
  }

  std::string metrics_text() override { return metrics_.render(); }

  // The staking views: unset = a chain without staking (kNoStaking).
  void set_staking(nlohmann::json validators, nlohmann::json stake) {
    std::lock_guard lock(mu_);
    staking_ = std::make_pair(std::move(validators), std::move(stake));
  }
  Result<nlohmann::json> validators(std::optional<uint64_t> height) override {
    std::lock_guard lock(mu_);
    if (!staking_) return ChainService::validators(height);
    return staking_->first;
  }
  // One change in the shape node::SetChangeLog serves (its proofs are
  // checked by the light client's tests, not here).
  Result<nlohmann::json> validator_changes() override {
    std::lock_guard lock(mu_);
    if (!staking_) return ChainService::validator_changes();
    const nlohmann::json proven{{"value", "00"}, {"proof", "00"}};
    return nlohmann::json{{"changes",
                           {{{"height", 1},
                             {"effective", 3},
                             {"state_root", Hash256{}.hex()},
                             {"index", proven},
                             {"set", proven}}}}};
  }
  Result<nlohmann::json> stake(const Address& a) override {
    std::lock_guard lock(mu_);
    if (!staking_) return ChainService::stake(a);
    return staking_->second;
  }

  // The market views: unset = a chain without a market (kNoMarket).
  void set_market(nlohmann::json params) {
    std::lock_guard lock(mu_);
    market_ = std::move(params);
  }
  void set_slot(uint64_t slot, nlohmann::json j) {
    std::lock_guard lock(mu_);
    slots_[slot] = std::move(j);
  }
  void set_orders(const Address& a, nlohmann::json j) {
    std::lock_guard lock(mu_);
    orders_[a] = std::move(j);
  }
  void set_bill(const Address& a, uint64_t slot, nlohmann::json j) {
    std::lock_guard lock(mu_);
    bills_[{a, slot}] = std::move(j);
  }
  Result<nlohmann::json> market_params() override {
    std::lock_guard lock(mu_);
    if (!market_) return ChainService::market_params();
    return *market_;
  }
  Result<nlohmann::json> market_slot(uint64_t slot) override {
    std::lock_guard lock(mu_);
    if (!market_) return ChainService::market_slot(slot);
    auto it = slots_.find(slot);
    if (it != slots_.end()) return it->second;
    return nlohmann::json{{"slot", slot},
                          {"status", "open"},
                          {"orders", nlohmann::json::array()},
                          {"clearing_price", nullptr},
                          {"trades", nlohmann::json::array()}};
  }
  Result<nlohmann::json> account_orders(const Address& a) override {
    std::lock_guard lock(mu_);
    if (!market_) return ChainService::account_orders(a);
    auto it = orders_.find(a);
    if (it != orders_.end()) return it->second;
    return nlohmann::json{{"address", a.to_string()}, {"orders", nlohmann::json::array()}};
  }
  Result<nlohmann::json> account_bill(const Address& a, uint64_t slot) override {
    std::lock_guard lock(mu_);
    if (!market_) return ChainService::account_bill(a, slot);
    auto it = bills_.find({a, slot});
    if (it == bills_.end()) return Status(Code::kNotFound, "no bill");
    return it->second;
  }

  // The certificates views: unset = a chain without certificates.
  using CertificateViews = std::function<Result<nlohmann::json>(const CertificateRequest&)>;
  void set_certificates(CertificateViews views) {
    std::lock_guard lock(mu_);
    certificates_ = std::move(views);
  }
  Result<nlohmann::json> certificates(const CertificateRequest& r) override {
    std::lock_guard lock(mu_);
    if (!certificates_) return ChainService::certificates(r);
    return certificates_(r);
  }

  size_t submit_calls() const {
    std::lock_guard lock(mu_);
    return submit_calls_;
  }

 private:
  // What a tx moves out of its sender's balance in this fake (transfers only).
  static int64_t transfer_amount(const chain::Tx& tx) {
    const auto* t = std::get_if<chain::Transfer>(&tx.payload);
    return t ? t->amount.value() : 0;
  }
  SubmitResult check_and_add(const Bytes& raw) {
    ++submit_calls_;
    auto decoded = chain::decode_tx(raw);
    if (!decoded) return {Hash256{}, decoded.status()};
    const chain::Tx& tx = *decoded;
    SubmitResult r{tx.hash(), Status::ok()};
    r.status = chain::check_stateless(tx, kTestChain);
    if (!r.status) return r;
    const Address sender = tx.sender_address();
    auto known = accounts_.find(sender);
    const chain::Account acct = known == accounts_.end() ? chain::Account{} : known->second;
    const Pending& mine = pending_by_sender_[sender];
    const uint64_t expected = acct.nonce + mine.count;
    const int64_t committed_out = mine.amount;
    if (tx.nonce < expected) {
      r.status = Status(Code::kNonceReplay, "nonce " + std::to_string(tx.nonce) + " already used");
    } else if (tx.nonce > expected) {
      r.status = Status(Code::kNonceGap, "expected nonce " + std::to_string(expected));
    } else if (acct.balance.value() - committed_out < transfer_amount(tx)) {
      r.status = Status(Code::kInsufficientFunds, "balance too small");
    } else if (pending_.size() >= mempool_capacity_) {
      r.status = Status(Code::kMempoolFull, "mempool is full");
    } else {
      pending_.push_back(tx);
      Pending& p = pending_by_sender_[sender];
      p.count++;
      p.amount += transfer_amount(tx);
    }
    return r;
  }

  mutable std::mutex mu_;
  std::map<uint64_t, std::vector<chain::Event>> history_;  // height -> its events
  KeyPair validator_;
  std::map<Address, chain::Account> accounts_;
  std::vector<chain::Tx> pending_;
  struct Pending {
    uint64_t count = 0;
    int64_t amount = 0;
  };
  std::map<Address, Pending> pending_by_sender_;
  std::map<Hash256, std::pair<uint64_t, uint32_t>> committed_;
  std::vector<chain::Block> blocks_;
  std::optional<std::pair<nlohmann::json, nlohmann::json>> staking_;
  std::optional<nlohmann::json> market_;
  CertificateViews certificates_;
  std::map<uint64_t, nlohmann::json> slots_;
  std::map<Address, nlohmann::json> orders_;
  std::map<std::pair<Address, uint64_t>, nlohmann::json> bills_;
  uint64_t txs_committed_ = 0;
  size_t mempool_capacity_ = 100'000;
  bool throw_on_status_ = false;
  Bytes certificate_{0xce, 0x57};
  size_t submit_calls_ = 0;
  Metrics metrics_;
  Gauge* height_ = nullptr;
  Counter* committed_total_ = nullptr;
  chain::EventBus bus_;
};

}  // namespace wattle::rpc::testing
