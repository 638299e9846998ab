// BlockTree: every PoW header a node has accepted, their cumulative work and
// the fork choice (docs/consensus.md, "Proof of work"), after Bitcoin Core's
// block index and CChainState::FindMostWorkChain.
//
// Promises:
//  - Only headers that pass every context check enter: hash at or below
//    target, bits equal to the retarget rule's, height = parent's + 1, time
//    after the median-time-past of the parent's last mtp_window blocks and at
//    most max_future_ms after the caller's clock. A refused header leaves the
//    tree (and the tip) unchanged.
//  - best() is the connectable entry (body present for it and every
//    ancestor, none invalid) with the most cumulative work; among equals the
//    one seen first. It changes only when a strictly heavier chain becomes
//    connectable or the best chain is marked invalid.
//  - Pure: no clock (callers pass now_ms), no threads. Not thread-safe.
//  - Cost: ancestor() walks parent links (linear in the distance), which is
//    fine for the simulator's and tests' chains; a long-lived chain needs
//    Bitcoin's skip pointers (CBlockIndex::pskip) before it runs in a node.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "consensus/pow/header.h"
#include "consensus/pow/mutation.h"
#include "consensus/pow/params.h"
#include "consensus/pow/refusal.h"
#include "consensus/pow/u256.h"

namespace wattle::consensus::pow {

struct TreeEntry {
  PowHeader header;
  Hash256 hash;
  const TreeEntry* parent = nullptr;  // null for genesis
  U256 chainwork;                     // sum of block_work up to and including this block
  uint64_t seen = 0;                  // arrival order, for ties
  bool has_body = false;
  bool connectable = false;  // has_body here and in every ancestor
  bool invalid = false;      // refused by the application, or descends from such a block
  Bytes body;
  uint32_t source = UINT32_MAX;  // the peer that sent the header (UINT32_MAX: self or genesis)
};

class BlockTree {
 public:
  // Genesis is trusted as given (its PoW is not checked). `mutation` is for
  // the simulator's checker tests only.
  BlockTree(const PowParams& params, const PowBlock& genesis,
            PowMutation mutation = PowMutation::kNone);

  const PowParams& params() const { return params_; }
  const TreeEntry* find(const Hash256& hash) const;
  const TreeEntry& best() const { return *best_; }
  // The valid entry with the most chainwork whether or not its bodies are
  // all here (headers-first sync fetches the bodies below it); ties: first seen.
  const TreeEntry& best_header() const { return *best_header_; }
  const TreeEntry& genesis() const { return *genesis_; }
  size_t size() const { return entries_.size(); }

  // Context checks of a header whose parent is in the tree (see Promises).
  std::optional<Refusal> check(const PowHeader& h, uint64_t now_ms) const;
  // check() then insert without a body, remembering the peer it came from
  // (where its body is asked for). kDuplicate if already present.
  std::optional<Refusal> add_header(const PowHeader& h, uint64_t now_ms,
                                    uint32_t source = UINT32_MAX);
  // Attaches a body (the caller has checked it against tx_root) to a known
  // header and updates connectability and the best tip.
  void add_body(const Hash256& hash, Bytes body);
  // Marks `hash` and all its descendants invalid and re-chooses the best tip.
  void mark_invalid(const Hash256& hash);

  // The compact target a child of `parent` must carry.
  uint32_t next_bits(const TreeEntry& parent) const;
  // Median of the times of `e` and up to mtp_window-1 of its ancestors.
  uint64_t median_time_past(const TreeEntry& e) const;
  // The ancestor of `e` at `height` (<= e's height).
  const TreeEntry* ancestor(const TreeEntry& e, uint64_t height) const;
  // The last common ancestor of a and b.
  const TreeEntry& fork_point(const TreeEntry& a, const TreeEntry& b) const;
  // Hashes of the best chain going back: tip, tip-1, ..., then every 2^k'th; genesis last.
  std::vector<Hash256> locator() const;
  // Whether `e` is on the best chain.
  bool on_best_chain(const TreeEntry& e) const;

 private:
  TreeEntry& insert(const PowHeader& h, const TreeEntry* parent);
  void consider(const TreeEntry& e);
  void rechoose_best();

  PowParams params_;
  PowMutation mutation_;
  std::map<Hash256, std::unique_ptr<TreeEntry>> entries_;
  std::multimap<Hash256, TreeEntry*> children_;  // parent hash -> child
  const TreeEntry* genesis_ = nullptr;
  const TreeEntry* best_ = nullptr;
  const TreeEntry* best_header_ = nullptr;
  uint64_t next_seen_ = 0;
};

}  // namespace wattle::consensus::pow
