// PowChain: carries a PoW engine's best chain onto the ledger store
// (docs/consensus.md §8, docs/ledger.md "Undo data and reorgs"), after
// Bitcoin Core's ActivateBestChain: disconnect down to the fork, connect
// the new branch, each step one atomic store batch.
//
// A PoW block's body is a canonical chain::Block (its txs, its header with
// the state root after it); the PoW header's tx_root commits to those bytes
// and its state_root must equal the chain block's.
//
// Promises:
//  - sync_to() works from what the store holds, not from what it was told
//    before: after a crash in the middle of a reorg (any number of the
//    disconnects or connects done) it finishes the same reorg from the
//    store's consistent head, and the state ends at the target's root.
//  - A block the application refuses (bad links, a tx that does not apply,
//    a state root that differs) is never stored; sync_to() stops there and
//    names it, so the host can tell the engine (on_block_invalid) and score
//    the peer. The store is then at the refused block's parent.
//  - The txs of disconnected blocks that the new branch does not hold are
//    returned, in block order, for the mempool to re-check (CheckTx drops
//    those that are now invalid).
//  - Each stored block carries its PoW header (encoded) as its certificate.
//  - The store must be opened with keep_undo. Not thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "chain/executor.h"
#include "chain/store.h"
#include "consensus/pow/block_tree.h"

namespace wattle::node {

struct PowSyncResult {
  uint64_t disconnected = 0;
  uint64_t connected = 0;
  std::vector<chain::Tx> returned_txs;  // from disconnected blocks, not on the new branch
  std::optional<Hash256> invalid;       // PoW hash of the first block the application refused
  Status invalid_reason;
};

class PowChain {
 public:
  PowChain(chain::Store& store, chain::ChainParams params)
      : store_(store), params_(std::move(params)) {}

  // Makes the store's chain the tree's branch ending at `target` (a
  // connectable entry of `tree`). Errors are storage failures only.
  Result<PowSyncResult> sync_to(const consensus::pow::BlockTree& tree, const Hash256& target);

 private:
  // The chain block a tree entry carries (kMalformed if its body is not one).
  static Result<chain::Block> chain_block(const consensus::pow::TreeEntry& e);
  // Whether the stored block at `height` is the branch's block there.
  Result<bool> stored_matches(const consensus::pow::TreeEntry& branch_entry);
  Status connect(const consensus::pow::TreeEntry& e, PowSyncResult& out);

  chain::Store& store_;
  chain::ChainParams params_;
};

// Checks what a stored block of a PoW chain carries as its certificate: its
// PoW header, whose height and state root are the block's, whose tx_root
// commits to the block without the certificate, and whose hash meets its own
// target (kCorruption otherwise). `wattle verify` runs it on every block.
Status check_stored_pow_header(const chain::Block& block);

// Wraps a chain block into a PoW block on top of `parent` in `tree`
// (height, bits from the retarget rule, roots), nonce 0: the miner's input.
consensus::pow::PowBlock pow_block_for(const consensus::pow::BlockTree& tree,
                                       const consensus::pow::TreeEntry& parent,
                                       const chain::Block& block, uint64_t time_ms);

}  // namespace wattle::node
