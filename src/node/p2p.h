// P2p: the node's reactors (CometBFT's names) over one net::Switch:
//
//   consensus  kConsensus: on connecting, each side says which validator it
//              is (Hello: its validator key and a signature by that key over
//              the chain id and the sender's authenticated node id, or none
//              for a full node); then engine messages both ways. A claim
//              without a valid proof gets the peer banned. A message's author
//              comes from its signature; the Hello only routes Send{to} and
//              tells the engine which peer relayed what (an unknown peer is an
//              index outside the set, which the engine never answers). Evidence of
//              equivocation goes on this channel too: an item new to this
//              node's pool (Application::add_evidence, which checks it) is
//              passed on once; an item that does not check costs the sender.
//   txs        kTxGossip: a tx admitted by this node's CheckTx (from HTTP or a
//              peer) goes to every peer once; a peer's tx goes through the
//              same CheckTx, and one already known is not sent on again.
//              Txs travel in batches (up to kGossipBatchTxs, or what gathered
//              in kGossipFlush): one frame, one seal and one write per batch
//              instead of per tx. A received batch is checked off this
//              thread (TxCheckWorker: batches merged, signatures verified in
//              parallel, at most kMaxQueuedCheckTxs waiting; beyond that a
//              batch is dropped and counted in
//              wattle_gossip_txs_dropped_total); the results come back here
//              to pass admitted txs on and charge the sender for invalid ones.
//   blocksync  kBlockSync: every status interval each node tells its peers
//              its height; a node behind asks peers that are ahead for the
//              next blocks, several in parallel (SyncPool: a bounded window,
//              rotation on timeout, peers that claim what they do not serve
//              dropped, claims capped at what it can check next), checks each
//              block's certificate against
//              the genesis validator set (node::verify_block_certificate; a
//              bad one or a wrong parent costs the peer its score) and hands
//              it to the engine as a decision, so synced blocks take the one
//              commit path (Replica::commit).
//
// Wire format, canonical codec, one tag byte first:
//   consensus  0 Hello  [bool has_key]([32-byte validator key][64-byte proof] if has_key)
//              1 Engine [engine message bytes]
//              2 Evidence [evidence bytes, ledger/evidence.h]
//   blocksync  0 Status  [u64 height]   1 Request [u64 height]
//              2 Block   [block bytes, certificate included]
//   txs        [u32 n][n length-prefixed tx bytes], 1 <= n <= kGossipBatchTxs
// Anything that does not decode costs the sender kPenaltyProtocolViolation.
//
// Threading: every member runs on the Switch's io_context thread (the
// replica's thread), including the callbacks. Bounded: block requests and
// synced blocks waiting for their parent at most SyncPool's window; queues
// are the Switch's (per channel, per peer).
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>

#include "chain/application.h"
#include "consensus/bft/validator_set.h"
#include "net/switch.h"
#include "node/peer_validators.h"
#include "node/replica.h"
#include "node/sync_pool.h"
#include "node/tx_check_worker.h"

namespace wattle::node {

struct P2pConfig {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;  // 0: any free port (P2p::listen_port)
  std::vector<net::PeerAddress> peers;
  std::chrono::milliseconds status_interval{500};
  // A block request not answered within this is a strike against the peer
  // and goes to another peer (node/sync_pool.h).
  std::chrono::milliseconds request_timeout{2000};
};

class P2p {
 public:
  static constexpr uint32_t kGossipBatchTxs = 512;
  static constexpr size_t kGossipBatchBytes = 512 * 1024;
  static constexpr std::chrono::milliseconds kGossipFlush{5};
  // Gossiped txs waiting for (or in) CheckTx; a few blocks' worth.
  static constexpr size_t kMaxQueuedCheckTxs = 16 * kGossipBatchTxs;

  // `node_key` is the node's network identity. The validator key, when this
  // node is one, is announced to peers with a proof of possession (a
  // signature over the chain id and `node_key`'s public key). `app` must outlive this.
  P2p(boost::asio::io_context& io, const KeyPair& node_key,
      const std::optional<KeyPair>& validator_key, chain::Application& app,
      consensus::bft::ValidatorSet validators, P2pConfig config);
  ~P2p();

  // The replica messages go to; set before start().
  void attach(Replica* replica) { replica_ = replica; }
  Status start();
  void stop();
  uint16_t listen_port() const { return switch_.listen_port(); }
  size_t peer_count() const { return switch_.peers().size(); }
  // Prometheus text of the network and sync counters; any thread.
  std::string metrics_text() const;

  // The replica's Env calls these.
  void send(consensus::NodeIndex to, ByteView engine_message);
  void broadcast(ByteView engine_message);
  // Gossips txs this node admitted (from the API).
  void gossip_tx(ByteView tx);
  // Gossips evidence this node's engine found (and its pool took).
  void gossip_evidence(ByteView evidence);
  // After each commit: ask for the next block if a peer is ahead.
  void on_committed();
  // The highest height a connected peer claims (Status), 0 if none; any thread.
  uint64_t best_peer_height() const { return best_peer_height_.load(); }

 private:
  void on_receive(const PublicKey& peer, net::ChannelId channel, ByteView payload);
  void on_consensus(const PublicKey& peer, ByteView payload);
  void on_tx(const PublicKey& peer, ByteView payload);
  // A gossiped batch's CheckTx results, back on this thread.
  void on_checked(const PublicKey& peer, const std::vector<Bytes>& txs,
                  const std::vector<chain::CheckTxResult>& results);
  void flush_txs();
  void on_block_sync(const PublicKey& peer, ByteView payload);
  void send_to(const PublicKey& peer, net::ChannelId channel, ByteView payload);
  static Bytes make_hello(std::string_view chain_id, const KeyPair& node_key,
                          const std::optional<KeyPair>& validator_key);
  void send_hello(const PublicKey& peer);
  void on_hello(const PublicKey& peer, ByteView payload);
  void send_status();
  void maybe_request();
  void commit_ready();
  void schedule_status();
  // On a chain with staked sets (docs/staking.md), re-reads the set of the
  // height after the committed head, so directed sends and relayed messages
  // follow set changes; the genesis set is kept otherwise.
  void refresh_validators();

  boost::asio::io_context& io_;
  Bytes hello_;  // our Hello, signed once
  chain::Application& app_;
  PeerValidators validators_;  // from Hello, against the set in force
  P2pConfig config_;
  net::Switch switch_;
  Replica* replica_ = nullptr;
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer flush_timer_;
  bool flush_armed_ = false;
  std::vector<Bytes> tx_out_;  // admitted txs waiting for the next batch
  // CheckTx of gossiped txs; runs between start() and stop(). Its results
  // come back through io_ while *alive_ (false once stopped, so a result
  // posted before a stop does nothing after it).
  std::unique_ptr<TxCheckWorker> checker_;
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(false);
  size_t tx_out_bytes_ = 0;
  bool running_ = false;
  SyncPool sync_;
  // Synced blocks whose certificate checked, waiting for their parent to commit.
  struct Ready {
    chain::DecodedBlock block;  // certificate cleared (it is `cert`)
    consensus::bft::CommitCertificate cert;
    PublicKey peer;
  };
  std::map<uint64_t, Ready> ready_;
  // Read by metrics_text() from any thread.
  std::atomic<uint64_t> blocks_synced_{0};
  // The highest height any peer claims, uncapped (catching_up; node.cpp caps it
  // by the chain's pacing). Read from any thread.
  std::atomic<uint64_t> best_peer_height_{0};
  // Engine messages received, by the engine's kind byte: proposal, vote,
  // decision, anything else.
  std::array<std::atomic<uint64_t>, 4> engine_in_{};
  std::atomic<uint64_t> evidence_in_{0};
  std::atomic<uint64_t> hellos_refused_{0};
  std::atomic<uint64_t> sync_timeouts_{0};
  std::atomic<uint64_t> sync_drops_{0};      // validator claims without a valid proof
  std::atomic<uint64_t> gossip_dropped_{0};  // gossiped txs dropped: CheckTx queue full
};

}  // namespace wattle::node
