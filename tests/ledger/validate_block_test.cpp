// One block-validation function for execution and `wattle verify`:
// validate_block checks the proposer against the validator set (it did not
// before: only the Application did), then links, signatures, execution and
// the state root.
#include <gtest/gtest.h>

#include "chain/executor.h"
#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using namespace testing;

// A valid block 1 on top of `g`'s genesis, proposed by `proposer`.
Block block_one(const Genesis& g, const KeyPair& proposer) {
  Block b;
  const BlockHeader prev = g.block().header;
  b.header.height = 1;
  b.header.prev_hash = prev.hash();
  b.header.time_ms = prev.time_ms + 1;
  b.header.proposer = proposer.public_key();
  b.txs = {transfer_tx(user_key(1), 0, user_addr(2), 10)};
  auto exec =
      execute_block(g.initial_state(), b.header, b.txs, g.params(), ExecMode::kStrict, true);
  EXPECT_TRUE(exec.is_ok());
  b.header.tx_count = 1;
  b.header.tx_root = compute_tx_root(b.txs);
  b.header.evidence_root = compute_evidence_root({});
  b.header.state_root = exec->state_root;
  return b;
}

TEST(ValidateBlock, RefusesAProposerOutsideTheValidatorSet) {
  const Genesis g = make_genesis(3, 1'000);
  const std::vector<PublicKey> validators{user_key(0).public_key()};
  const State s = g.initial_state();
  const BlockHeader prev = g.block().header;
  auto good = validate_block(s, prev, block_one(g, user_key(0)), g.params(), true, validators);
  EXPECT_TRUE(good.is_ok()) << good.status().to_string();
  auto bad = validate_block(s, prev, block_one(g, user_key(2)), g.params(), true, validators);
  EXPECT_EQ(bad.status().code(), Code::kUnauthorized);
}

TEST(ValidateBlock, VerifiesOnlySignaturesNotVerifiedBefore) {
  const Genesis g = make_genesis(3, 1'000);
  const State s = g.initial_state();
  Block b = block_one(g, user_key(0));
  b.txs[0].signature.bytes[0] ^= 1;  // forged, and the roots no longer match either
  b.header.tx_root = compute_tx_root(b.txs);
  BlockChecks checks;
  EXPECT_EQ(validate_block(s, g.block().header, b, g.params(), checks).status().code(),
            Code::kBadSignature);
  // Marked as verified (this node's CheckTx admitted it), it is not checked again here.
  checks.verified = {1};
  EXPECT_NE(validate_block(s, g.block().header, b, g.params(), checks).status().code(),
            Code::kBadSignature);
}

}  // namespace
}  // namespace wattle::chain
