// LastCommitChecker: how the chain learns who signed its parent's commit.
//
// A block carries its parent's commit certificate (Block::last_commit,
// CometBFT's LastCommit) so that execution can see who precommitted the
// parent (the staking module's downtime rule, docs/staking.md "Downtime").
// The chain does not know what a certificate looks like: the consensus layer
// does (node/chain_consensus.h builds the checker). The rule every replica
// applies (check_last_commit in executor.h):
//   - height 1 carries none (genesis has no certificate);
//   - on a chain whose application has a checker, every later block carries
//     one, and the checker must accept it: a certificate for the parent's
//     height and hash whose signatures verify against the set in force at
//     the parent's height with > 2/3 of its power. The signatures are in the
//     block, so the answer depends only on the block and the committed state
//     (not on which certificate this replica happened to store);
//   - without a checker, blocks carry none.
#pragma once

#include <functional>

#include "chain/block.h"
#include "chain/block_context.h"
#include "core/bytes.h"
#include "core/status.h"

namespace wattle::chain {

// Verifies `certificate` as the commit of block `parent` and returns its
// signers (LastCommit::height = parent.height). Deterministic; reads only
// the committed state the checker was built on (at the parent's height when
// the next block is validated). Consensus thread (or a replay's) only.
using LastCommitChecker =
    std::function<Result<LastCommit>(const BlockHeader& parent, ByteView certificate)>;

}  // namespace wattle::chain
