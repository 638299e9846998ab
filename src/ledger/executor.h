// The executor: the one deterministic function from (state, block) to state.
//
// Promise: execution depends only on the State passed in and the block's
// bytes: no clocks, no randomness, no floating point, no hash-map order
// (DESIGN.md §4). A block is valid only if every tx in it applies; a block
// with one bad tx is rejected whole and the state is left unchanged, so all
// replicas agree on exactly which blocks exist. Money is conserved exactly:
// transfers move balance, nothing creates or destroys it.
#pragma once

#include <string>
#include <vector>

#include "ledger/block.h"
#include "ledger/state.h"

namespace wattle::ledger {

// Applies one tx's stateful rules (nonce, funds, overflow) to the overlay.
// Assumes check_stateless() passed. On error the overlay is unchanged.
Status apply_tx(StateOverlay& state, const Tx& tx);

struct ExecutedBlock {
  AccountWrites writes;  // every account the block changed, final values
  Hash256 state_root;    // root after applying writes
};

// Executes the txs of `block` on top of `state` without modifying it.
// verify_signatures=false is for txs already verified by CheckTx on this
// node; blocks from elsewhere and replays verify them (in parallel).
Result<ExecutedBlock> execute_txs(const State& state, const std::vector<Tx>& txs,
                                  std::string_view chain_id, bool verify_signatures);

// Full validation of a block that extends `prev` (header links, tx root,
// height, state root) and its execution. Leaves `state` unchanged.
Result<ExecutedBlock> validate_block(const State& state, const BlockHeader& prev,
                                     const Block& block, std::string_view chain_id,
                                     bool verify_signatures);

// Verifies every tx signature using up to `threads` threads (0 = all cores).
// Returns the index of the first bad one, or -1 when all verify.
int64_t first_bad_signature(const std::vector<Tx>& txs, unsigned threads = 0);
// Verifies each signature in parallel; result[i] is 1 iff txs[i] verifies.
std::vector<uint8_t> verify_each(const std::vector<Tx>& txs, unsigned threads = 0);

}  // namespace wattle::ledger
