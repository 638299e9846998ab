// BlockContext: what a tx's rules may read about the block executing it.
//
// Market rules depend on the block's time (gate closure, reading windows),
// and an order's priority on (height, index in block). CheckTx evaluates the
// same rules under the context of the next block as far as it is known:
// height head+1, time head time + 1 ms (a block is strictly later than its
// parent), index 0. Value type.
//
// tx_hash: the executing tx's hash when the caller holds it already (the
// block's decode took it from the tx's bytes), so a rule that needs it (an
// order's id) does not encode and hash the tx again; null: the rule hashes
// the tx (hash_of).
#pragma once

#include <cstdint>

#include <vector>

#include "core/hash.h"
#include "core/keys.h"

namespace wattle::chain {

struct BlockContext {
  uint64_t height = 0;
  uint64_t time_ms = 0;
  Hash256 prev_hash;
  uint32_t tx_index = 0;
  const Hash256* tx_hash = nullptr;
};

// Who signed the commit certificate of the block before (CometBFT's
// LastCommit, docs/staking.md "Downtime"): the consensus keys of the
// precommits that finalised block `height`, for the downtime rule. A block
// carries its parent's certificate (Block::last_commit, hashed in its
// header); validate_block has it checked (chain/last_commit_check.h) and
// passes its signers to execute_block, so it is part of what execution
// depends on. At most kMaxSigners.
struct LastCommit {
  static constexpr size_t kMaxSigners = 1000;
  uint64_t height = 0;
  std::vector<PublicKey> signers;
};

// The hash of `tx`, the tx executing in `ctx`.
template <typename T>
Hash256 hash_of(const BlockContext& ctx, const T& tx) {
  return ctx.tx_hash ? *ctx.tx_hash : tx.hash();
}

}  // namespace wattle::chain
