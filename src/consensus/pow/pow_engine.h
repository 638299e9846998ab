// PowEngine: Nakamoto consensus as a pure state machine (docs/consensus.md,
// "Proof of work"): blocks and sync messages in, actions out. Mining itself
// (grinding nonces) is the host's job (miner.h); the engine says what to
// mine on (next_header) and takes the result (on_mined).
//
// Promises:
//  - No sockets, threads, clocks or randomness: the host passes its clock
//    (now_ms) with each event. Not thread-safe; one call at a time.
//  - Every block it accepts passed BlockTree's checks and its body hashes to
//    the header's tx_root (the host's ValueHasher). A refused block or header
//    leaves the tip unchanged and yields PeerMisbehaved naming the peer and a
//    stable Refusal, except duplicates, unknown parents and low-work header
//    chains, which are normal on a gossip network (they are only counted).
//  - Blocks whose parent is unknown wait in an orphan pool of at most
//    PowParams::max_orphans blocks (the oldest leaves first), and the sender
//    is asked for headers; they connect when the parent arrives.
//  - Sync is headers first: a header chain is taken only if it ends with more
//    work than our best chain (refused by work, never by length), and only
//    then are its bodies requested.
//  - A TipChanged action is emitted whenever the best chain changes; it lists
//    the blocks to disconnect (tip first) and to connect (oldest first). The
//    host executes them and reports a block the application refuses with
//    on_block_invalid, which re-chooses the tip (another TipChanged).
#pragma once

#include <array>
#include <deque>
#include <map>

#include "consensus/engine.h"
#include "consensus/pow/block_tree.h"
#include "consensus/pow/messages.h"

namespace wattle::consensus::pow {

struct TipChanged {
  Hash256 old_tip;
  Hash256 new_tip;
  uint64_t fork_height = 0;                 // height of the last common block
  std::vector<Hash256> disconnected;        // old branch, tip first
  std::vector<const TreeEntry*> connected;  // new branch, oldest first (owned by the tree)
  size_t depth() const { return disconnected.size(); }
};
struct PeerMisbehaved {
  NodeIndex peer = 0;
  Refusal reason = Refusal::kMalformed;
};

using PowAction = std::variant<Broadcast, Send, TipChanged, PeerMisbehaved>;
using PowActions = std::vector<PowAction>;

struct PowMetrics {
  uint64_t blocks_accepted = 0;
  uint64_t blocks_mined = 0;  // by this node, accepted
  uint64_t reorgs = 0;        // tip changes that disconnected at least one block
  uint64_t max_reorg_depth = 0;
  uint64_t orphans_evicted = 0;
  std::array<uint64_t, kRefusalCount> refused{};  // per Refusal
};

class PowEngine {
 public:
  PowEngine(const PowParams& params, const PowBlock& genesis,
            const ValueHasher& body_hasher = blake2b_value_hasher(),
            PowMutation mutation = PowMutation::kNone);

  // A message from a peer.
  PowActions on_message(NodeIndex from, ByteView message, uint64_t now_ms);
  // A block this node's miner solved on top of next_header().
  PowActions on_mined(const PowBlock& block, uint64_t now_ms);
  // The application refused the block `hash` (it came from `from`).
  PowActions on_block_invalid(const Hash256& hash, std::optional<NodeIndex> from);
  // Asks every peer for headers after our best chain (after a restart or a heal).
  PowActions sync_request() const;
  // The host's periodic tick while bodies_pending(): asks the peer that sent
  // the heaviest header chain again for the bodies it still lacks, once a
  // request has been out longer than its timeout (a lost reply). Bitcoin
  // Core's stalled-download timeout, with the clock left to the host.
  PowActions on_tick(uint64_t now_ms);
  // Whether a header chain heavier than the best chain waits for bodies.
  bool bodies_pending() const;

  // The header to mine on the best tip: nonce 0, time after median-time-past.
  PowHeader next_header(const Hash256& tx_root, const Hash256& state_root, uint64_t now_ms) const;
  // The same on any block the tree holds (a selfish miner's private tip).
  PowHeader next_header_on(const TreeEntry& parent, const Hash256& tx_root,
                           const Hash256& state_root, uint64_t now_ms) const;

  const BlockTree& tree() const { return tree_; }
  const TreeEntry& tip() const { return tree_.best(); }
  const PowMetrics& metrics() const { return metrics_; }
  size_t orphan_count() const { return orphans_.size(); }

 private:
  struct Orphan {
    NodeIndex from;
    PowBlock block;
  };
  PowActions on_block(NodeIndex from, PowBlock block, uint64_t now_ms, bool own);
  PowActions on_headers(NodeIndex from, const std::vector<PowHeader>& headers, uint64_t now_ms);
  PowActions on_get_headers(NodeIndex from, const std::vector<Hash256>& locator) const;
  // Headers of our best chain after `start` (an entry on it), at most max_headers.
  HeadersMsg headers_after(const TreeEntry& start) const;
  PowActions on_get_blocks(NodeIndex from, const std::vector<Hash256>& hashes) const;
  // Adds a block whose parent is known; returns the refusal, if any.
  std::optional<Refusal> accept(const PowBlock& block, uint64_t now_ms, NodeIndex from);
  // Asks `from` for the bodies missing below `tip` that are not in flight
  // (oldest first, bounded).
  void request_missing_bodies(NodeIndex from, const TreeEntry& tip, uint64_t now_ms,
                              PowActions& out);
  // Asks `from` for the bodies below the heaviest known header chain, if it
  // is heavier than the best connectable one.
  void fetch_best_header_bodies(NodeIndex from, uint64_t now_ms, PowActions& out);
  void add_orphan(NodeIndex from, PowBlock block);
  void connect_orphans(const Hash256& parent, uint64_t now_ms, PowActions& out);
  void refuse(NodeIndex from, Refusal r, PowActions& out);
  // Emits TipChanged (and relays the new tip) if the best chain moved from `old_tip`.
  void tip_moved(const TreeEntry& old_tip, PowActions& out);

  BlockTree tree_;
  const ValueHasher& body_hasher_;
  std::deque<Hash256> orphan_order_;  // oldest first
  std::map<Hash256, Orphan> orphans_;
  std::map<Hash256, uint64_t> requested_;  // body asked for -> when (now_ms); bounded
  static constexpr size_t kMaxInFlight = 4 * kMaxBlocksRequested;
  PowMetrics metrics_;
};

}  // namespace wattle::consensus::pow
