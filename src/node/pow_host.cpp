#include "node/pow_host.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "consensus/pow/target.h"
#include "core/env.h"
#include "net/peer_score.h"
#include "node/pow_chain.h"

namespace wattle::node {

namespace asio = boost::asio;
using consensus::pow::PowBlock;
using consensus::pow::PowHeader;

namespace {
// Engine index of the stored blocks replayed at start (never a peer's).
constexpr consensus::NodeIndex kStoreReplay = UINT32_MAX - 1;
// The easiest target a Wattle PoW chain allows (about 4096 hashes a block).
constexpr uint32_t kPowLimitBits = 0x1f0fffff;

uint64_t now_ms() {
  return system_env().now_ms();
}

Bytes encode_tx_batch(const std::vector<Bytes>& txs) {
  Writer w;
  w.u32(static_cast<uint32_t>(txs.size()));
  for (const Bytes& tx : txs) w.bytes(tx);
  return std::move(w).take();
}
}  // namespace

Result<consensus::pow::PowParams> pow_params(const chain::Genesis& genesis) {
  if (genesis.engine != chain::EngineKind::kPow || !genesis.pow)
    return Status(Code::kInvalidArgument, "not a \"pow\" genesis");
  consensus::pow::PowParams p;
  p.target_block_ms = genesis.pow->target_block_ms;
  p.retarget_blocks = genesis.pow->retarget_blocks;
  p.initial_bits = genesis.pow->initial_bits;
  p.pow_limit_bits = kPowLimitBits;
  p.finality_depth = genesis.pow->finality_depth;
  if (Status st = consensus::pow::validate(p); !st)
    return Status(Code::kInvalidArgument, "genesis pow: " + st.message() +
                                              " (initial_bits must decode and be at most the "
                                              "easiest target 0x1f0fffff)");
  return p;
}

PowBlock pow_genesis_block(const chain::Genesis& genesis) {
  PowBlock g;
  g.body = encode_to_bytes(genesis.block());
  g.header.tx_root = blake2b256(g.body);
  g.header.state_root = genesis.block().header.state_root;
  g.header.time_ms = genesis.genesis_time_ms;
  g.header.bits = genesis.pow ? genesis.pow->initial_bits : kPowLimitBits;
  return g;
}

PowHost::PowHost(asio::io_context& io, chain::Application& app, const KeyPair& miner,
                 PowHostOptions options, Metrics& metrics, CommittedFn on_committed, HaltFn on_halt)
    : io_(io),
      app_(app),
      key_(miner),
      options_(std::move(options)),
      params_(pow_params(app.genesis()).value()),
      engine_(params_, pow_genesis_block(app.genesis())),
      tick_(io),
      on_committed_(std::move(on_committed)),
      on_halt_(std::move(on_halt)),
      hashes_(metrics.counter("wattle_pow_hashes_total", "Nonces this node's miner tried")),
      hash_rate_(metrics.gauge("wattle_pow_hash_rate", "Hashes per second over the last tick")),
      mined_(metrics.counter("wattle_pow_blocks_mined_total",
                             "Blocks this node mined that its engine accepted")),
      stale_(metrics.gauge("wattle_pow_stale_blocks",
                           "Blocks and headers this node knows that are off its best chain")),
      reorgs_(metrics.counter("wattle_pow_reorgs_total",
                              "Best-chain changes that disconnected at least one block")),
      max_reorg_depth_(
          metrics.gauge("wattle_pow_reorg_max_depth", "Most blocks one reorg disconnected")),
      refused_(metrics.counter("wattle_pow_refused_total",
                               "Blocks or headers refused (bad PoW, time, target, body)")) {
  if (options_.p2p) {
    net::SwitchConfig sc;
    sc.network_id = app.genesis().chain_id;
    sc.listen_host = options_.p2p->listen_host;
    sc.listen_port = options_.p2p->listen_port;
    sc.persistent_peers = options_.p2p->peers;
    sc.allow = [](const PublicKey&) { return true; };  // miners are anyone
    switch_ = std::make_unique<net::Switch>(io, *options_.node_key, sc);
    switch_->on_receive([this](const PublicKey& peer, net::ChannelId ch, ByteView payload) {
      on_receive(peer, ch, payload);
    });
    switch_->on_peer_connected([this](const PublicKey& peer) {
      index_of(peer);
      // Headers first: ask every peer for what follows our best chain.
      run(engine_.sync_request());
    });
  }
  if (options_.mine_threads > 0)
    miner_ = std::make_unique<PowMiner>(
        options_.mine_threads, [this, alive = alive_](uint64_t job, const PowHeader& solved) {
          asio::post(io_, [this, alive, job, solved] {
            if (alive->load()) on_found(job, solved);
          });
        });
}

PowHost::~PowHost() {
  stop();
}

Status PowHost::rebuild_from_store() {
  const uint64_t head = app_.head().height;
  for (uint64_t h = 1; h <= head; ++h) {
    auto block = app_.block(h);
    if (!block) return block.status();
    PowBlock b;
    auto header = decode_exact<PowHeader>(block->certificate);
    if (!header)
      return Status(Code::kCorruption, "stored block " + std::to_string(h) +
                                           " carries no PoW header: " + header.status().message());
    b.header = *header;
    block->certificate.clear();
    b.body = encode_to_bytes(*block);
    // Its actions (relays, the tip moving onto blocks the store holds) are moot.
    engine_.on_message(kStoreReplay, consensus::pow::encode_message(consensus::pow::BlockMsg{b}),
                       now_ms());
  }
  if (engine_.tip().header.height != head)
    return Status(Code::kCorruption, "stored PoW chain does not rebuild: tip at " +
                                         std::to_string(engine_.tip().header.height) +
                                         ", store at " + std::to_string(head));
  return Status::ok();
}

Status PowHost::start() {
  if (running_) return Status::ok();
  WATTLE_RETURN_IF_ERROR(rebuild_from_store());
  alive_->store(true);
  running_ = true;
  publish_status();
  if (switch_) WATTLE_RETURN_IF_ERROR(switch_->start());
  if (miner_) {
    miner_->start();
    new_job();
  }
  last_rate_ms_ = system_env().steady_ms();
  schedule_tick();
  return Status::ok();
}

void PowHost::stop() {
  if (!running_) return;
  running_ = false;
  alive_->store(false);
  if (miner_) miner_->stop();
  tick_.cancel();
  if (switch_) switch_->stop();
}

uint16_t PowHost::listen_port() const {
  return switch_ ? switch_->listen_port() : 0;
}

size_t PowHost::peer_count() const {
  return switch_ ? switch_->peers().size() : 0;
}

PowStatus PowHost::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

std::optional<PowBlockView> PowHost::block_view(uint64_t height) const {
  const auto& tip = engine_.tip();
  if (height > tip.header.height) return std::nullopt;
  const auto* e = engine_.tree().ancestor(tip, height);
  return PowBlockView{e->header, e->hash, e->chainwork.hex()};
}

void PowHost::publish_status() {
  const auto& m = engine_.metrics();
  std::lock_guard lock(status_mu_);
  status_.chainwork = engine_.tip().chainwork.hex();
  status_.reorgs = m.reorgs;
  status_.max_reorg_depth = m.max_reorg_depth;
  status_.tip = engine_.tip().hash;
}

consensus::NodeIndex PowHost::index_of(const PublicKey& peer) {
  auto [it, fresh] = index_.try_emplace(peer, next_index_);
  if (fresh) peer_of_[next_index_++] = peer;
  return it->second;
}

void PowHost::on_receive(const PublicKey& peer, net::ChannelId channel, ByteView payload) {
  if (!running_) return;
  if (channel == net::ChannelId::kConsensus)
    return run(engine_.on_message(index_of(peer), payload, now_ms()));
  if (channel == net::ChannelId::kTxGossip) return on_txs(peer, payload);
}

void PowHost::on_txs(const PublicKey& from, ByteView payload) {
  Reader r(payload);
  uint32_t n = 0;
  Status st = r.count(n, kMaxRelayTxs, 4);
  if (st && n == 0) st = Status(Code::kMalformed, "empty tx batch");
  std::vector<Bytes> txs(st ? n : 0);
  for (size_t i = 0; st && i < txs.size(); ++i) st = r.bytes(txs[i], chain::kMaxTxBytes);
  if (st) st = r.finish();
  if (!st)
    return switch_->report_misbehavior(from, net::kPenaltyProtocolViolation,
                                       "undecodable tx batch: " + st.to_string());
  auto results = app_.check_txs(txs, chain::TxSource::kPeer);
  std::vector<Bytes> admitted;
  for (size_t i = 0; i < results.size(); ++i)
    if (results[i].status) admitted.push_back(std::move(txs[i]));
  relay(admitted, &from);
}

void PowHost::relay(const std::vector<Bytes>& txs, const PublicKey* except) {
  if (!switch_ || txs.empty()) return;
  for (size_t at = 0; at < txs.size(); at += kMaxRelayTxs) {
    const auto end = txs.begin() + std::min(txs.size(), at + kMaxRelayTxs);
    const Bytes batch = encode_tx_batch({txs.begin() + at, end});
    for (const PublicKey& peer : switch_->peers())
      // Best effort, as all gossip: a full queue or a gone peer drops it.
      if (!except || peer != *except) (void)switch_->send(peer, net::ChannelId::kTxGossip, batch);
  }
}

void PowHost::gossip_tx(ByteView tx) {
  Bytes copy(tx.begin(), tx.end());
  asio::post(io_, [this, alive = alive_, copy = std::move(copy)] {
    if (alive->load()) relay({copy}, nullptr);
  });
}

void PowHost::on_found(uint64_t job, const PowHeader& solved) {
  if (job != job_ || !job_block_) return;  // the tip moved on meanwhile
  PowBlock block = *job_block_;
  block.header = solved;
  const uint64_t before = engine_.metrics().blocks_mined;
  run(engine_.on_mined(block, now_ms()));
  if (engine_.metrics().blocks_mined > before) mined_.inc();
}

void PowHost::schedule_tick() {
  tick_.expires_after(kTick);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && running_) on_tick();
  });
}

void PowHost::on_tick() {
  if (engine_.bodies_pending()) run(engine_.on_tick(now_ms()));
  if (miner_) {
    const uint64_t total = miner_->hashes();
    const uint64_t steady = system_env().steady_ms();
    hashes_.inc(total - last_hashes_);
    if (steady > last_rate_ms_)
      hash_rate_.set(static_cast<double>(total - last_hashes_) * 1000.0 /
                     static_cast<double>(steady - last_rate_ms_));
    last_hashes_ = total;
    last_rate_ms_ = steady;
    // New txs join the block being mined (at most once a second).
    if (app_.mempool_size() != job_mempool_size_ && now_ms() >= job_built_ms_ + 1000) new_job();
  }
  schedule_tick();
}

void PowHost::run(consensus::pow::PowActions actions) {
  for (auto& action : actions) {
    if (auto* b = std::get_if<consensus::Broadcast>(&action)) {
      if (switch_) switch_->broadcast(net::ChannelId::kConsensus, b->message);
    } else if (auto* s = std::get_if<consensus::Send>(&action)) {
      if (auto it = peer_of_.find(s->to); switch_ && it != peer_of_.end())
        (void)switch_->send(it->second, net::ChannelId::kConsensus, s->message);  // best effort
    } else if (auto* t = std::get_if<consensus::pow::TipChanged>(&action)) {
      apply(*t);
    } else if (auto* m = std::get_if<consensus::pow::PeerMisbehaved>(&action)) {
      refused_.inc();
      if (auto it = peer_of_.find(m->peer); switch_ && it != peer_of_.end())
        switch_->report_misbehavior(it->second, net::kPenaltyProtocolViolation,
                                    consensus::pow::refusal_name(m->reason));
    }
  }
}

void PowHost::apply(const consensus::pow::TipChanged& change) {
  if (halted_) return;
  PowSyncResult synced;
  const Hash256 target = engine_.tip().hash;
  auto infos = app_.reorganize([&](chain::Store& store) -> Result<uint64_t> {
    PowChain chain(store, app_.genesis().params());
    auto r = chain.sync_to(engine_.tree(), target);
    if (!r) return r.status();
    synced = std::move(*r);
    return synced.connected;
  });
  if (!infos) {
    halted_ = true;
    if (miner_) miner_->stop();
    return on_halt_(infos.status());
  }
  for (const chain::CommitInfo& info : *infos) on_committed_(info);
  if (change.depth() > 0) {
    reorgs_.inc();
    spdlog::info("pow reorg: {} block(s) off, old tip {} new tip {}", change.depth(),
                 change.old_tip.hex(), change.new_tip.hex());
  }
  max_reorg_depth_.set(static_cast<double>(engine_.metrics().max_reorg_depth));
  // The old branch's txs that the new one lacks: back through CheckTx
  // (which drops those now invalid) and on to the peers.
  if (!synced.returned_txs.empty()) {
    std::vector<Bytes> raw;
    for (const chain::Tx& tx : synced.returned_txs) raw.push_back(encode_to_bytes(tx));
    auto results = app_.check_txs(raw);
    std::vector<Bytes> back;
    for (size_t i = 0; i < results.size(); ++i)
      if (results[i].status) back.push_back(std::move(raw[i]));
    spdlog::info("pow reorg: {} of {} disconnected tx(s) back in the mempool", back.size(),
                 raw.size());
    relay(back, nullptr);
  }
  if (synced.invalid) {
    spdlog::warn("pow block {} refused by the application: {}", synced.invalid->hex(),
                 synced.invalid_reason.to_string());
    const auto* bad = engine_.tree().find(*synced.invalid);
    std::optional<consensus::NodeIndex> from;
    if (bad && bad->source != UINT32_MAX && bad->source != kStoreReplay) from = bad->source;
    run(engine_.on_block_invalid(*synced.invalid, from));
    return;  // that TipChanged brings the next job
  }
  stale_.set(static_cast<double>(engine_.tree().size() - 1 - engine_.tip().header.height));
  publish_status();
  new_job();
}

void PowHost::new_job() {
  if (!miner_ || !running_ || halted_) return;
  const auto& tip = engine_.tip();
  const chain::BlockHeader head = app_.head();
  if (head.height != tip.header.height) return;  // the store lags (a refused block): wait
  auto proposal = app_.prepare_proposal(head.height + 1, now_ms(), key_.public_key());
  if (!proposal) {
    spdlog::warn("pow: cannot build a block: {}", proposal.status().to_string());
    return;
  }
  // Chain block times strictly increase, so this time (after the parent's)
  // is after the median-time-past too.
  job_block_ = pow_block_for(engine_.tree(), tip, proposal->block, proposal->block.header.time_ms);
  job_mempool_size_ = app_.mempool_size();
  job_built_ms_ = now_ms();
  job_ = miner_->set_job(job_block_->header);
}

}  // namespace wattle::node
