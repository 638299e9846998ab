// The executor: the one deterministic function from (state, block) to state.
//
// Promise: execution depends only on the StateReader passed in, the block's
// header and txs, and the chain's genesis parameters: no clocks, no
// randomness, no floating point, no hash-map order (DESIGN.md §4). A block is
// valid only if every tx in it applies; a block with one bad tx is rejected
// whole and the state is left unchanged, so all replicas agree on exactly
// which blocks exist. Money is conserved exactly: transfers move balance,
// nothing creates or destroys it.
//
// execute_block() is the only execution path: the proposer (mode
// kDropFailing, to pick the txs of its block), followers, `wattle verify`
// and replay (mode kStrict) all run it. Its order within a block is fixed:
//   1. begin_block(header)   (market: gate closures, market_hooks.h)
//   2. every evidence item, in block order (evidence.h)
//   3. every tx, in block order
//   4. end_block(header)     (market: settlements; validator-set updates later)
//   5. the state root over all writes.
// On a chain with a market, money conservation (balances + escrow - debts
// unchanged by every block) is asserted after step 4 (WATTLE_ASSERT): a
// block that broke it would be a bug in these rules, never bad input.
#pragma once

#include <string>
#include <vector>

#include "ledger/block.h"
#include "ledger/block_context.h"
#include "ledger/events.h"
#include "ledger/evidence.h"
#include "ledger/market_params.h"
#include "ledger/state.h"

namespace wattle::ledger {

// The genesis parameters execution depends on.
struct ChainParams {
  std::string chain_id;
  Money min_balance;                   // see rules.h
  std::optional<MarketParams> market;  // the genesis market section, if any
  // Checks evidence items (evidence.h); set by the node for BFT chains,
  // unset (no evidence accepted) otherwise. Not part of genesis: it is
  // derived from the genesis validator set by the consensus layer.
  EvidenceChecker evidence_checker;
};

// Applies one tx's stateful rules (rules.h, market_rules.h) to the overlay
// in the block context `ctx`. Assumes check_stateless() passed. On error the
// overlay is unchanged. Market txs append their events to `events`.
Status apply_tx(StateOverlay& state, const Tx& tx, const ChainParams& params,
                const BlockContext& ctx, std::vector<Event>* events = nullptr);
Status apply_tx(StateOverlay& state, const Tx& tx, Money min_balance = Money(0));

// Block hooks; both run inside execute_block, in the order above. Without a
// market they change nothing.
Status begin_block(StateOverlay& state, const BlockHeader& header, const ChainParams& params,
                   std::vector<Event>* events);
Status end_block(StateOverlay& state, const BlockHeader& header, const ChainParams& params,
                 std::vector<Event>* events);

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
  std::vector<Event> market_events;  // order placed, slot cleared/settled, reading posted
};

// Executes `evidence` and `txs` under `header` (whose roots are not read)
// on top of `state` without modifying it. verify_signatures=false is for
// txs already verified by CheckTx on this node; blocks from elsewhere and
// replays verify them (in parallel). In kDropFailing mode evidence that does
// not apply (already committed, say) is left out like a failing tx.
Result<ExecutedBlock> execute_block(const StateReader& state, const BlockHeader& header,
                                    std::vector<Tx> txs, const ChainParams& params, ExecMode mode,
                                    bool verify_signatures, std::vector<Bytes> evidence = {});

// execute_block in kStrict mode under an empty header (tests, tools).
Result<ExecutedBlock> execute_txs(const StateReader& state, const std::vector<Tx>& txs,
                                  std::string_view chain_id, bool verify_signatures,
                                  Money min_balance = Money(0));

// The header checks that need only the parent: height, prev_hash, time
// strictly after the parent's, tx count, tx root and evidence root.
Status check_links(const BlockHeader& prev, const Block& block);

// Full validation of a block that extends `prev`: check_links, strict
// execution, and the header's state root. Leaves `state` unchanged.
Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, const ChainParams& params,
                                     bool verify_signatures);
Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, std::string_view chain_id,
                                     bool verify_signatures);

// Verifies every tx signature using up to `threads` threads (0 = all cores).
// Returns the index of the first bad one, or -1 when all verify.
int64_t first_bad_signature(const std::vector<Tx>& txs, unsigned threads = 0);
// Verifies each signature in parallel; result[i] is 1 iff txs[i] verifies.
std::vector<uint8_t> verify_each(const std::vector<Tx>& txs, unsigned threads = 0);

}  // namespace wattle::ledger
