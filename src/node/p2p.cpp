#include "node/p2p.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>

#include "consensus/bft/messages.h"
#include "core/codec.h"
#include "node/chain_consensus.h"

namespace wattle::node {

namespace {

enum ConsensusTag : uint8_t { kHello = 0, kEngine = 1, kEvidence = 2 };
enum SyncTag : uint8_t { kStatus = 0, kRequest = 1, kBlock = 2 };

// An index no validator has: the engine never answers or buffers for it.

Bytes tagged(uint8_t tag, ByteView body) {
  Bytes out;
  out.reserve(body.size() + 1);
  out.push_back(tag);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// What a validator signs with its consensus key to claim it in a Hello: the
// chain and the node id the handshake proved for the sender. The proof is
// good for that node id only, so a peer that received it cannot present it
// as its own (docs/network.md, section 7).
Bytes validator_claim(std::string_view chain_id, const PublicKey& node_id) {
  Writer w;
  w.str("wattle/p2p/validator-hello/v1");
  w.str(chain_id);
  encode(w, node_id);
  return std::move(w).take();
}

Bytes tagged_u64(uint8_t tag, uint64_t v) {
  Writer w;
  w.u8(tag);
  w.u64(v);
  return std::move(w).take();
}

}  // namespace

P2p::P2p(boost::asio::io_context& io, const KeyPair& node_key,
         const std::optional<KeyPair>& validator_key, chain::Application& app,
         consensus::bft::ValidatorSet validators, P2pConfig config)
    : io_(io),
      hello_(make_hello(app.genesis().chain_id, node_key, validator_key)),
      app_(app),
      validators_(std::move(validators)),
      config_(std::move(config)),
      switch_(io, node_key,
              [&] {
                net::SwitchConfig sc;
                sc.network_id = app.genesis().chain_id;
                sc.listen_host = config_.listen_host;
                sc.listen_port = config_.listen_port;
                sc.persistent_peers = config_.peers;
                // Any authenticated node of this chain may connect (full
                // nodes, a wiped validator under a new node key); the
                // handshake binds the chain id and peer scores ban abusers.
                sc.allow = [](const PublicKey&) { return true; };
                return sc;
              }()),
      status_timer_(io),
      flush_timer_(io),
      sync_(SyncPool::Limits{.timeout = config_.request_timeout}) {
  switch_.on_receive([this](const PublicKey& peer, net::ChannelId ch, ByteView payload) {
    on_receive(peer, ch, payload);
  });
  switch_.on_peer_connected([this](const PublicKey& peer) {
    send_hello(peer);
    send_to(peer, net::ChannelId::kBlockSync, tagged_u64(kStatus, app_.head().height));
  });
  switch_.on_peer_disconnected([this](const PublicKey& peer) {
    validators_.forget(peer);
    sync_.remove(peer);
    best_peer_height_ = sync_.max_claim();
  });
}

P2p::~P2p() {
  stop();
}

Status P2p::start() {
  WATTLE_RETURN_IF_ERROR(switch_.start());
  refresh_validators();  // a restart may come after set changes
  running_ = true;
  alive_->store(true);
  checker_ = std::make_unique<TxCheckWorker>(
      app_, kMaxQueuedCheckTxs,
      [this, alive = alive_](TxCheckWorker::Batch batch,
                             std::vector<chain::CheckTxResult> results) {
        boost::asio::post(io_,
                          [this, alive, batch = std::move(batch), results = std::move(results)] {
                            if (!alive->load()) return;
                            on_checked(batch.peer, batch.txs, results);
                            checker_->handled(batch.txs.size());
                          });
      });
  schedule_status();
  return Status::ok();
}

void P2p::stop() {
  if (!running_) return;
  running_ = false;
  alive_->store(false);
  if (checker_) checker_->stop();  // joins: no CheckTx result arrives after this
  status_timer_.cancel();
  flush_timer_.cancel();
  switch_.stop();
}

void P2p::send_to(const PublicKey& peer, net::ChannelId channel, ByteView payload) {
  // Best effort: a full queue or a gone peer drops the message; the engine
  // re-sends (rebroadcast, catch-up help) and status messages repeat.
  (void)switch_.send(peer, channel, payload);
}

void P2p::send(consensus::NodeIndex to, ByteView engine_message) {
  validators_.for_each_peer_of(to, [&](const PublicKey& peer) {
    send_to(peer, net::ChannelId::kConsensus, tagged(kEngine, engine_message));
  });
}

void P2p::broadcast(ByteView engine_message) {
  switch_.broadcast(net::ChannelId::kConsensus, tagged(kEngine, engine_message));
}

void P2p::gossip_tx(ByteView tx) {
  tx_out_.emplace_back(tx.begin(), tx.end());
  tx_out_bytes_ += tx.size() + 4;
  if (tx_out_.size() >= kGossipBatchTxs || tx_out_bytes_ >= kGossipBatchBytes) return flush_txs();
  if (flush_armed_ || !running_) return;
  flush_armed_ = true;
  flush_timer_.expires_after(kGossipFlush);
  flush_timer_.async_wait([this](const boost::system::error_code& ec) {
    flush_armed_ = false;
    if (!ec && running_) flush_txs();
  });
}

void P2p::flush_txs() {
  if (tx_out_.empty()) return;
  Writer w;
  w.u32(static_cast<uint32_t>(tx_out_.size()));
  for (const Bytes& tx : tx_out_) w.bytes(tx);
  tx_out_.clear();
  tx_out_bytes_ = 0;
  switch_.broadcast(net::ChannelId::kTxGossip, w.data());
}

void P2p::gossip_evidence(ByteView evidence) {
  switch_.broadcast(net::ChannelId::kConsensus, tagged(kEvidence, evidence));
}

void P2p::on_committed() {
  refresh_validators();
  maybe_request();
}

void P2p::refresh_validators() {
  if (!has_staked_sets(app_.genesis())) return;
  auto set = validator_set_at(app_.genesis(), app_.committed_state(), app_.head().height + 1);
  // Unreadable only on a broken store, which the replica halts on; routing
  // by the last known set meanwhile is the best there is.
  if (set) validators_.set_validators(std::move(*set));
}

Bytes P2p::make_hello(std::string_view chain_id, const KeyPair& node_key,
                      const std::optional<KeyPair>& validator_key) {
  Writer w;
  w.u8(kHello);
  w.boolean(validator_key.has_value());
  if (validator_key) {
    encode(w, validator_key->public_key());
    encode(w, validator_key->sign(validator_claim(chain_id, node_key.public_key())));
  }
  return std::move(w).take();
}

void P2p::send_hello(const PublicKey& peer) {
  send_to(peer, net::ChannelId::kConsensus, hello_);
}

void P2p::on_receive(const PublicKey& peer, net::ChannelId channel, ByteView payload) {
  switch (channel) {
    case net::ChannelId::kConsensus:
      return on_consensus(peer, payload);
    case net::ChannelId::kTxGossip:
      return on_tx(peer, payload);
    case net::ChannelId::kBlockSync:
      return on_block_sync(peer, payload);
    case net::ChannelId::kPeerExchange:
      return;  // the configured set only, for now
  }
}

void P2p::on_consensus(const PublicKey& peer, ByteView payload) {
  if (payload.empty()) {
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation, "empty message");
  }
  if (payload[0] == kEngine) {
    // The engine's kind byte (consensus/bft/messages.cpp): 0 proposal, 1 vote, 2 decision.
    const size_t kind = payload.size() > 1 ? std::min<size_t>(payload[1], 3) : 3;
    engine_in_[kind].fetch_add(1, std::memory_order_relaxed);
    if (replica_) replica_->on_message(validators_.index_of(peer), payload.subspan(1));
    return;
  }
  if (payload[0] == kEvidence) {
    evidence_in_.fetch_add(1, std::memory_order_relaxed);
    const ByteView item = payload.subspan(1);
    const Status st = app_.add_evidence(item);
    if (st) return gossip_evidence(item);  // new here: pass it on once
    if (st.code() == Code::kDuplicate || st.code() == Code::kMempoolFull ||
        st.code() == Code::kIoError)
      return;
    // Honest nodes gossip only what their own pool took, which checked it.
    return switch_.report_misbehavior(peer, 10, "invalid evidence: " + st.to_string());
  }
  on_hello(peer, payload);
}

void P2p::on_hello(const PublicKey& peer, ByteView payload) {
  Reader r(payload.subspan(1));
  bool has_key = false;
  PublicKey key;
  Signature proof;
  Status st =
      payload[0] == kHello ? r.boolean(has_key) : Status(Code::kMalformed, "unknown consensus tag");
  if (st && has_key) st = decode(r, key);
  if (st && has_key) st = decode(r, proof);
  if (st) st = r.finish();
  if (!st)
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation,
                                      "undecodable consensus message: " + st.to_string());
  validators_.forget(peer);
  if (!has_key) return;
  // Routing Send{to} to a peer hands it that validator's traffic and a share
  // of its bounded buffers: only a holder of the consensus key may claim it.
  if (!verify(key, validator_claim(app_.genesis().chain_id, peer), proof)) {
    hellos_refused_.fetch_add(1, std::memory_order_relaxed);
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation,
                                      "hello claims a validator key it does not hold");
  }
  // Any proven key is kept, in the set now or not: a set change can make it
  // a validator later (set_validators).
  validators_.claim(peer, key);
}

void P2p::on_tx(const PublicKey& peer, ByteView payload) {
  Reader r(payload);
  uint32_t n = 0;
  std::vector<Bytes> txs;
  Status st = r.count(n, kGossipBatchTxs, 4);
  if (st && n == 0) st = Status(Code::kMalformed, "empty tx batch");
  txs.resize(st ? n : 0);
  for (size_t i = 0; st && i < txs.size(); ++i) st = r.bytes(txs[i], chain::kMaxTxBytes);
  if (st) st = r.finish();
  if (!st)
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation,
                                      "undecodable tx batch: " + st.to_string());
  // CheckTx off this (the consensus) thread; a full queue drops the batch
  // (counted): the sender's other peers, or the sender itself when it
  // proposes, still carry these txs.
  if (!checker_ || !checker_->submit(TxCheckWorker::Batch{peer, std::move(txs)}))
    gossip_dropped_.store(checker_ ? checker_->dropped_txs() : 0, std::memory_order_relaxed);
}

void P2p::on_checked(const PublicKey& peer, const std::vector<Bytes>& txs,
                     const std::vector<chain::CheckTxResult>& results) {
  bool invalid = false;
  for (size_t i = 0; i < results.size(); ++i) {
    const Code code = results[i].status.code();
    if (results[i].status) {
      gossip_tx(txs[i]);  // newly admitted here: pass it on once
    } else {
      // Not a tx that could ever be valid: a peer's CheckTx would have said so.
      invalid |=
          code == Code::kMalformed || code == Code::kBadSignature || code == Code::kWrongChain;
    }
  }
  if (invalid) switch_.report_misbehavior(peer, 10, "invalid tx gossiped");
}

void P2p::on_block_sync(const PublicKey& peer, ByteView payload) {
  if (payload.empty())
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation, "empty sync message");
  const uint8_t tag = payload[0];
  Reader r(payload.subspan(1));
  if (tag == kStatus || tag == kRequest) {
    uint64_t height = 0;
    if (!r.u64(height) || !r.finish())
      return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation,
                                        "undecodable sync message");
    if (tag == kStatus) {
      sync_.set_claim(peer, height);
      best_peer_height_ = sync_.max_claim();
      return maybe_request();
    }
    if (height == 0 || height > app_.head().height) return;  // we do not have it
    auto block = app_.block(height);
    if (block) send_to(peer, net::ChannelId::kBlockSync, tagged(kBlock, encode_to_bytes(*block)));
    return;
  }
  if (tag != kBlock)
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation, "unknown sync tag");
  // Decoded once, here: the engine and the application reuse it (commit_ready).
  auto decoded = chain::decode_block_hashed(payload.subspan(1));
  if (!decoded)
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation, "undecodable block");
  chain::Block& block = decoded->block;
  const uint64_t height = block.header.height;
  if (!sync_.on_block(peer, height) || height <= app_.head().height)
    return;  // unasked for, or overtaken by consensus meanwhile
  auto cert = decode_exact<consensus::bft::CommitCertificate>(block.certificate);
  Status st = cert.status();
  if (st)
    st = verify_block_certificate(app_.genesis(), block.header, block.certificate,
                                  &app_.committed_state());
  if (!st)
    return switch_.report_misbehavior(peer, net::kPenaltyProtocolViolation,
                                      "synced block: " + st.to_string());
  // The value is the block without its certificate; the engine's own
  // certificate goes with the decision.
  block.certificate.clear();
  // Asked heights only, at most the pool's window: this stays bounded.
  ready_.insert_or_assign(height, Ready{std::move(*decoded), std::move(*cert), peer});
  commit_ready();
  maybe_request();
}

void P2p::commit_ready() {
  for (auto it = ready_.begin(); it != ready_.end(); it = ready_.begin()) {
    const uint64_t head = app_.head().height;
    if (it->first <= head) {
      ready_.erase(it);
      continue;
    }
    if (it->first != head + 1) return;  // waiting for the block before it
    Ready r = std::move(it->second);
    ready_.erase(it);
    if (r.block.block.header.prev_hash != app_.head().hash()) {
      sync_.release(head + 1);
      return switch_.report_misbehavior(r.peer, net::kPenaltyProtocolViolation,
                                        "synced block does not extend our head");
    }
    // The engine commits it like any decision it hears: one commit path.
    // The replica keeps the decoded block, so the engine's id check, its
    // validation and the commit decode nothing again.
    auto decoded = std::make_shared<const chain::DecodedBlock>(std::move(r.block));
    consensus::bft::DecisionMessage d{
        consensus::Value{decoded->id, encode_to_bytes(decoded->block)}, std::move(r.cert)};
    if (replica_) replica_->remember_value(d.value.data, std::move(decoded));
    const Bytes msg = consensus::bft::encode_message(d);
    if (replica_) replica_->on_message(validators_.index_of(r.peer), msg);
    if (app_.head().height != head + 1) return sync_.release(head + 1);  // not committed: ask again
    blocks_synced_.fetch_add(1, std::memory_order_relaxed);
  }
}

void P2p::maybe_request() {
  const uint64_t head = app_.head().height;
  for (const SyncPool::Request& r : sync_.next(head, std::chrono::steady_clock::now()))
    send_to(r.peer, net::ChannelId::kBlockSync, tagged_u64(kRequest, r.height));
  for (const PublicKey& peer : sync_.take_dropped()) {
    // It kept claiming heights it did not serve: a persistent peer is
    // redialled and starts afresh, a stranger may come back and do the same
    // (it costs us one window slot per timeout, never the sync).
    spdlog::warn("p2p: dropping {}: unanswered block requests", peer.hex());
    switch_.disconnect(peer);
  }
  sync_timeouts_.store(sync_.timeouts(), std::memory_order_relaxed);
  sync_drops_.store(sync_.drops(), std::memory_order_relaxed);
}

std::string P2p::metrics_text() const {
  const net::MetricsSnapshot m = switch_.metrics().snapshot();
  std::string out;
  auto line = [&](std::string_view name, std::string_view type, std::string_view help, uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, v);
  };
  line("wattle_p2p_peers", "gauge", "Authenticated peer connections", m.peers);
  line("wattle_p2p_peers_banned_total", "counter", "Peers banned for misbehaviour", m.peers_banned);
  line("wattle_p2p_protocol_errors_total", "counter", "Garbage, oversized or tampered frames",
       m.protocol_errors);
  line("wattle_p2p_handshakes_failed_total", "counter", "Handshakes that failed",
       m.handshakes_failed);
  line("wattle_p2p_handshakes_evicted_total", "counter",
       "Pending inbound handshakes closed to make room (per-address and total budgets)",
       m.handshakes_evicted);
  line("wattle_gossip_txs_dropped_total", "counter",
       "Gossiped txs dropped unchecked: the CheckTx queue was full",
       gossip_dropped_.load(std::memory_order_relaxed));
  line("wattle_blocks_synced_total", "counter", "Blocks committed through block sync",
       blocks_synced_.load(std::memory_order_relaxed));
  line("wattle_blocksync_timeouts_total", "counter",
       "Block requests a peer did not answer in time (each a strike)",
       sync_timeouts_.load(std::memory_order_relaxed));
  line("wattle_blocksync_peers_dropped_total", "counter",
       "Peers disconnected for claiming heights they did not serve",
       sync_drops_.load(std::memory_order_relaxed));
  line("wattle_p2p_hellos_refused_total", "counter",
       "Validator claims in a Hello without a valid proof of the key",
       hellos_refused_.load(std::memory_order_relaxed));
  line("wattle_p2p_evidence_received_total", "counter", "Evidence items received from peers",
       evidence_in_.load(std::memory_order_relaxed));
  out +=
      "# HELP wattle_consensus_messages_in_total Engine messages received from peers, by kind\n"
      "# TYPE wattle_consensus_messages_in_total counter\n";
  const char* kinds[] = {"proposal", "vote", "decision", "other"};
  for (size_t k = 0; k < engine_in_.size(); ++k)
    out += fmt::format("wattle_consensus_messages_in_total{{kind=\"{}\"}} {}\n", kinds[k],
                       engine_in_[k].load(std::memory_order_relaxed));
  for (const char* dir : {"in", "out"}) {
    out += fmt::format(
        "# HELP wattle_p2p_bytes_{0}_total Payload bytes {0} per channel\n"
        "# TYPE wattle_p2p_bytes_{0}_total counter\n",
        dir);
    for (size_t c = 0; c < net::kChannelCount; ++c)
      out += fmt::format("wattle_p2p_bytes_{}_total{{channel=\"{}\"}} {}\n", dir,
                         net::channel_name(static_cast<net::ChannelId>(c)),
                         dir[0] == 'i' ? m.channels[c].bytes_in : m.channels[c].bytes_out);
  }
  return out;
}

void P2p::send_status() {
  switch_.broadcast(net::ChannelId::kBlockSync, tagged_u64(kStatus, app_.head().height));
}

void P2p::schedule_status() {
  status_timer_.expires_after(config_.status_interval);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    send_status();
    maybe_request();
    schedule_status();
  });
}

}  // namespace wattle::node
