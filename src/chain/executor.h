// The executor: the one deterministic function from (state, block) to state.
//
// Promise: execution depends only on the StateReader passed in, the block's
// header, txs and evidence, and the chain's modules (built from genesis): no
// clocks, no threads, no randomness, no floating point, no hash-map order
// (docs/ledger.md, "Determinism"). A block is valid only if every tx in it
// applies; a block with one bad tx is rejected whole and the state is left
// unchanged, so all replicas agree on exactly which blocks exist.
//
// execute_block() is the only execution path: the proposer (mode
// kDropFailing, to pick the txs of its block), followers, `wattle verify`
// and replay (mode kStrict) all run it, and CheckTx runs apply_tx, its
// per-tx step. The order of a block is the ModuleSet's (chain/module.h):
//   1. begin_block of every module, in set order (market: gate closures),
//      then last_commit of every module when the caller passes one (the
//      signers of the block's checked last commit, validate_block)
//   2. every evidence item, in block order (the evidence module)
//   3. every tx, in block order: envelope (nonce), then its module's rules
//   4. end_block of every module, in set order (market: settlements)
//   5. the conservation check (the modules' value terms sum to zero,
//      WATTLE_ASSERT: a block that broke it is a bug in the rules, never bad
//      input) and the state root over all writes.
// Every tx and hook runs under a savepoint of the overlay: an error leaves no
// write and no event behind.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/block_context.h"
#include "chain/events.h"
#include "chain/last_commit_check.h"
#include "chain/module.h"
#include "chain/state.h"
#include "core/env.h"

namespace wattle::chain {

// What execution depends on besides the state and the block: the chain id
// and the modules (in hook order). Genesis::params() builds them.
struct ChainParams {
  std::string chain_id;
  std::shared_ptr<const ModuleSet> modules;
};

// Applies one tx to the overlay in the block context `ctx`: the sender's
// nonce, then the rules of the module that owns the tx's kind. Assumes
// check_stateless() passed. On error the overlay and `events` are unchanged.
Status apply_tx(StateOverlay& state, const Tx& tx, const ChainParams& params,
                const BlockContext& ctx, std::vector<Event>* events = nullptr);

enum class ExecMode {
  kStrict,       // any failing tx fails the block (followers, replay)
  kDropFailing,  // failing txs are left out (a proposer choosing its txs)
};

struct ExecutedBlock {
  std::vector<Tx> txs;               // the txs applied (all of them, in kStrict)
  std::vector<Bytes> evidence;       // the evidence recorded (all of it, in kStrict)
  std::vector<size_t> dropped;       // kDropFailing: indexes of left-out txs
  std::vector<Status> drop_reasons;  // one per dropped index
  StateWrites writes;                // every record the block changed, final values
  TreeUpdate tree;                   // the state tree nodes to add and remove
  Hash256 state_root;                // root after the writes
  std::vector<Event> module_events;  // what the modules reported (the market: order placed, slot
                                     // cleared/settled, reading posted)
};

// Executes `evidence` and `txs` under `header` (whose roots are not read)
// on top of `state` without modifying it. verify_signatures=false is for
// txs already verified by CheckTx on this node; blocks from elsewhere and
// replays verify them (in parallel). In kDropFailing mode evidence that does
// not apply (already committed, say) is left out like a failing tx.
// `tx_hashes`, when given, are the txs' hashes (rules that need one read it
// from BlockContext::tx_hash instead of hashing the tx). `last_commit`, when
// given, is the previous block's certificate signers (block_context.h).
Result<ExecutedBlock> execute_block(const StateReader& state, const BlockHeader& header,
                                    std::vector<Tx> txs, const ChainParams& params, ExecMode mode,
                                    bool verify_signatures, std::vector<Bytes> evidence = {},
                                    const std::vector<Hash256>* tx_hashes = nullptr,
                                    const LastCommit* last_commit = nullptr);

// The header checks that need only the parent: height, prev_hash, time
// strictly after the parent's, tx count, tx root and evidence root. The tx
// root comes from `tx_hashes` when given (the hashes the block's decode took
// from its bytes, DecodedBlock), else from hashing each tx.
Status check_links(const BlockHeader& prev, const Block& block,
                   const std::vector<Hash256>* tx_hashes = nullptr);

// The proposer check: the block's proposer is one of `validators`.
// kUnauthorized otherwise.
Status check_proposer(const std::vector<PublicKey>& validators, const BlockHeader& header);

// Full validation of a block that extends `prev`, the one function execution
// and `wattle verify` share: check_links, the proposer (when `validators` is
// not empty), strict execution, and the header's state root. The commit
// certificate is the consensus layer's to check (node/chain_consensus.h)
// before it hands a block here. Leaves `state` unchanged.
struct BlockChecks {
  // The validator set the proposer must belong to; empty: not checked (a
  // chain replayed without its set, in tests and tools).
  std::vector<PublicKey> validators;
  bool verify_signatures = true;
  // Per tx, 1 = its signature was already verified (this node's CheckTx
  // admitted it under the hash that covers the signature); only the others
  // are verified. Empty: all are.
  std::vector<uint8_t> verified;
  // Where the signature checks run (null: the calling thread).
  Env* env = nullptr;
  // The block's tx hashes (DecodedBlock::tx_hashes), so the tx root check
  // hashes nothing again; null: each tx is hashed.
  const std::vector<Hash256>* tx_hashes = nullptr;
  // Checks the block's last commit and names its signers, who execution
  // then sees (check_last_commit); unset: the block must carry none.
  LastCommitChecker last_commit;
};

// The last commit `block` carries, checked (chain/last_commit_check.h):
// nullopt when it carries none and may carry none (height 1, or no checker);
// kInvalidArgument when one is missing, unexpected or refused by the checker.
Result<std::optional<LastCommit>> check_last_commit(const BlockHeader& prev, const Block& block,
                                                    const LastCommitChecker& checker);
Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, const ChainParams& params,
                                     const BlockChecks& checks);
Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, const ChainParams& params,
                                     bool verify_signatures,
                                     const std::vector<PublicKey>& validators = {});

// Verifies every tx signature, spread over `env`'s workers (null: in the
// calling thread). Returns the index of the first bad one, or -1 when all
// verify.
int64_t first_bad_signature(const std::vector<Tx>& txs, Env* env = nullptr);
// Verifies each signature, spread over `env`'s workers (null: in the
// calling thread); result[i] is 1 iff txs[i] verifies.
std::vector<uint8_t> verify_each(const std::vector<Tx>& txs, Env* env = nullptr);

}  // namespace wattle::chain
