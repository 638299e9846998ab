// The executor: bad txs are rejected with their stable code and leave state
// and every balance untouched; a block with one bad tx is rejected whole;
// validate_block checks the header links; execution is deterministic.
#include "chain/executor.h"

#include <gtest/gtest.h>

#include <random>

#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using testing::kChain;
using testing::make_genesis;
using testing::Snapshot;
using testing::snapshot;
using testing::TestChain;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;

constexpr int64_t kStart = 1'000'000;

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() : genesis_(make_genesis(4, kStart)), chain_(genesis_) {}

  // Executes `txs` as the next block and asserts it is rejected with `code`,
  // through both execute_txs and validate_block, with state untouched.
  void expect_block_rejected(const std::vector<Tx>& txs, Code code) {
    Snapshot before = snapshot(chain_.state());
    const uint64_t height = chain_.head().height;
    auto exec = execute_txs(chain_.state(), txs, kChain, /*verify_signatures=*/true);
    EXPECT_EQ(exec.status().code(), code) << exec.status().to_string();
    Block b;
    b.header.height = chain_.head().height + 1;
    b.header.prev_hash = chain_.head().hash();
    b.header.time_ms = chain_.head().time_ms + 1;
    b.header.tx_count = static_cast<uint32_t>(txs.size());
    b.header.tx_root = compute_tx_root(txs);
    b.header.state_root = chain_.state().root();
    b.txs = txs;
    EXPECT_EQ(chain_.append(b).code(), code);
    EXPECT_EQ(snapshot(chain_.state()), before);
    EXPECT_EQ(chain_.head().height, height);
  }

  // apply_tx on an overlay: the error code, and the overlay is unchanged.
  void expect_apply_rejected(const Tx& tx, Code code) {
    StateOverlay overlay(chain_.state());
    Hash256 root = overlay.root().value();
    Status st = check_stateless(tx, kChain);
    if (st) st = apply_tx(overlay, tx);
    EXPECT_EQ(st.code(), code) << st.to_string();
    EXPECT_TRUE(overlay.writes().empty());
    EXPECT_EQ(overlay.root().value(), root);
  }

  void expect_rejected(const Tx& tx, Code code) {
    expect_apply_rejected(tx, code);
    expect_block_rejected({tx}, code);
  }

  int64_t balance(int user) const { return chain_.state().get(user_addr(user)).balance.value(); }
  uint64_t nonce(int user) const { return chain_.state().get(user_addr(user)).nonce; }

  Genesis genesis_;
  TestChain chain_;
};

TEST_F(ExecutorTest, ValidTransferMovesMoneyAndBumpsNonce) {
  ASSERT_TRUE(chain_.extend({transfer_tx(user_key(1), 0, user_addr(2), 300)}));
  EXPECT_EQ(balance(1), kStart - 300);
  EXPECT_EQ(balance(2), kStart + 300);
  EXPECT_EQ(nonce(1), 1u);
  EXPECT_EQ(nonce(2), 0u);
  EXPECT_EQ(testing::total(chain_.state()), 4 * kStart);
}

TEST_F(ExecutorTest, TransferToNewAddressCreatesTheAccount) {
  Address fresh = user_addr(99);
  ASSERT_FALSE(chain_.state().contains(fresh));
  ASSERT_TRUE(chain_.extend({transfer_tx(user_key(1), 0, fresh, 5)}));
  EXPECT_EQ(chain_.state().get(fresh), (Account{Money(5), 0}));
}

TEST_F(ExecutorTest, FlippedSignatureByteIsBadSignature) {
  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
    tx.signature.bytes[i] ^= 0x01;
    expect_rejected(tx, Code::kBadSignature);
  }
}

TEST_F(ExecutorTest, PayloadChangedAfterSigningIsBadSignature) {
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  Tx amount = tx;
  std::get<Transfer>(amount.payload).amount = Money(11);
  expect_rejected(amount, Code::kBadSignature);
  Tx to = tx;
  std::get<Transfer>(to.payload).to = user_addr(3);
  expect_rejected(to, Code::kBadSignature);
  Tx nonce = tx;
  nonce.nonce = 1;
  expect_rejected(nonce, Code::kBadSignature);
  Tx sender = tx;  // someone else's key with the original signature
  sender.sender = user_key(2).public_key();
  expect_rejected(sender, Code::kBadSignature);
}

TEST_F(ExecutorTest, WrongChainIdIsWrongChain) {
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(2), 10, "other-chain"), Code::kWrongChain);
  // Re-labelling a tx for this chain breaks its signature instead.
  Tx relabelled = transfer_tx(user_key(1), 0, user_addr(2), 10, "other-chain");
  relabelled.chain_id = std::string(kChain);
  expect_rejected(relabelled, Code::kBadSignature);
}

TEST_F(ExecutorTest, SameTxTwiceInOneBlockIsNonceReplay) {
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  expect_block_rejected({tx, tx}, Code::kNonceReplay);
}

TEST_F(ExecutorTest, TxReplayedInALaterBlockIsNonceReplay) {
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  ASSERT_TRUE(chain_.extend({tx}));
  expect_rejected(tx, Code::kNonceReplay);
  EXPECT_EQ(balance(1), kStart - 10);
}

TEST_F(ExecutorTest, NonceGapIsRejected) {
  expect_rejected(transfer_tx(user_key(1), 1, user_addr(2), 10), Code::kNonceGap);
  expect_rejected(transfer_tx(user_key(1), UINT64_MAX, user_addr(2), 10), Code::kNonceGap);
}

TEST_F(ExecutorTest, OverdraftIsInsufficientFunds) {
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(2), kStart + 1), Code::kInsufficientFunds);
  // A key that holds nothing cannot send even one micro-unit.
  expect_rejected(transfer_tx(user_key(50), 0, user_addr(2), 1), Code::kInsufficientFunds);
  // Exactly the balance is fine.
  ASSERT_TRUE(chain_.extend({transfer_tx(user_key(1), 0, user_addr(2), kStart)}));
  EXPECT_EQ(balance(1), 0);
}

TEST_F(ExecutorTest, OverdraftAcrossTwoTxsInOneBlockRejectsTheBlock) {
  expect_block_rejected({transfer_tx(user_key(1), 0, user_addr(2), kStart / 2 + 1),
                         transfer_tx(user_key(1), 1, user_addr(3), kStart / 2)},
                        Code::kInsufficientFunds);
}

TEST_F(ExecutorTest, ZeroAndNegativeAmountsAreInvalidArgument) {
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(2), 0), Code::kInvalidArgument);
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(2), -1), Code::kInvalidArgument);
  expect_rejected(transfer_tx(user_key(1), 0, user_addr(2), INT64_MIN), Code::kInvalidArgument);
}

TEST_F(ExecutorTest, ApplyTxAloneAlsoRejectsNonPositiveAmounts) {
  // apply_tx must not rely on check_stateless for money rules.
  StateOverlay overlay(chain_.state());
  EXPECT_EQ(apply_tx(overlay, transfer_tx(user_key(1), 0, user_addr(2), -7)).code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(overlay.writes().empty());
}

TEST(ExecutorOverflow, CreditPastInt64MaxIsOverflowAndChangesNothing) {
  // Unreachable from a valid genesis (total supply fits int64), so build the
  // state by hand: the executor must still refuse rather than wrap.
  State s;
  s.put(user_addr(1), Account{Money(100), 0});
  s.put(user_addr(2), Account{Money(INT64_MAX - 50), 0});
  Snapshot before = snapshot(s);
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 51);
  auto exec = execute_txs(s, {tx}, kChain, true);
  EXPECT_EQ(exec.status().code(), Code::kOverflow);
  StateOverlay overlay(s);
  EXPECT_EQ(apply_tx(overlay, tx).code(), Code::kOverflow);
  EXPECT_TRUE(overlay.writes().empty());
  EXPECT_EQ(snapshot(s), before);
  // Landing exactly on INT64_MAX is allowed.
  auto ok = execute_txs(s, {transfer_tx(user_key(1), 0, user_addr(2), 50)}, kChain, true);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(testing::account_writes(ok->writes).at(user_addr(2)).balance.value(), INT64_MAX);
}

TEST_F(ExecutorTest, SelfTransferOnlyAdvancesTheNonce) {
  Snapshot before = snapshot(chain_.state());
  ASSERT_TRUE(chain_.extend({transfer_tx(user_key(1), 0, user_addr(1), 400)}));
  EXPECT_EQ(balance(1), kStart);
  EXPECT_EQ(nonce(1), 1u);
  EXPECT_NE(chain_.state().root(), before.root);  // the nonce is state
  // A self-transfer is still bounded by the balance.
  expect_rejected(transfer_tx(user_key(1), 1, user_addr(1), kStart + 1), Code::kInsufficientFunds);
  // ... and the whole balance may go round.
  ASSERT_TRUE(chain_.extend({transfer_tx(user_key(1), 1, user_addr(1), kStart)}));
  EXPECT_EQ(balance(1), kStart);
}

TEST_F(ExecutorTest, OneBadTxAmongGoodOnesRejectsTheWholeBlock) {
  std::vector<Tx> good = {transfer_tx(user_key(1), 0, user_addr(2), 10),
                          transfer_tx(user_key(2), 0, user_addr(3), 20),
                          transfer_tx(user_key(3), 0, user_addr(1), 30)};
  struct Case {
    Tx bad;
    Code code;
  };
  Tx flipped = transfer_tx(user_key(0), 0, user_addr(1), 5);
  flipped.signature.bytes[10] ^= 0x40;
  std::vector<Case> cases = {
      {flipped, Code::kBadSignature},
      {transfer_tx(user_key(0), 0, user_addr(1), 5, "other"), Code::kWrongChain},
      {transfer_tx(user_key(0), 3, user_addr(1), 5), Code::kNonceGap},
      {transfer_tx(user_key(0), 0, user_addr(1), kStart + 1), Code::kInsufficientFunds},
      {transfer_tx(user_key(0), 0, user_addr(1), 0), Code::kInvalidArgument},
  };
  for (const Case& c : cases) {
    for (size_t pos = 0; pos <= good.size(); ++pos) {
      std::vector<Tx> txs = good;
      txs.insert(txs.begin() + static_cast<long>(pos), c.bad);
      expect_block_rejected(txs, c.code);
    }
  }
  ASSERT_TRUE(chain_.extend(good));  // the good ones alone are fine
}

TEST_F(ExecutorTest, TxOrderMattersForNonces) {
  Tx first = transfer_tx(user_key(1), 0, user_addr(2), 10);
  Tx second = transfer_tx(user_key(1), 1, user_addr(3), 10);
  expect_block_rejected({second, first}, Code::kNonceGap);
  ASSERT_TRUE(chain_.extend({first, second}));
  EXPECT_EQ(nonce(1), 2u);
}

TEST_F(ExecutorTest, SpendingReceivedFundsInTheSameBlockDependsOnOrder) {
  // user 50 starts empty; it can forward money only after receiving it.
  Tx fund = transfer_tx(user_key(1), 0, user_addr(50), 100);
  Tx forward = transfer_tx(user_key(50), 0, user_addr(2), 100);
  expect_block_rejected({forward, fund}, Code::kInsufficientFunds);
  ASSERT_TRUE(chain_.extend({fund, forward}));
  EXPECT_EQ(chain_.state().get(user_addr(50)).balance.value(), 0);
  EXPECT_EQ(balance(2), kStart + 100);
}

TEST_F(ExecutorTest, BlockOverMaxTxCountIsTooLarge) {
  std::vector<Tx> txs(kMaxBlockTxs + 1, transfer_tx(user_key(1), 0, user_addr(2), 1));
  EXPECT_EQ(execute_txs(chain_.state(), txs, kChain, false).status().code(), Code::kTooLarge);
}

TEST_F(ExecutorTest, EmptyBlockKeepsTheStateRoot) {
  auto exec = execute_txs(chain_.state(), {}, kChain, true);
  ASSERT_TRUE(exec.is_ok());
  EXPECT_EQ(exec->state_root, chain_.state().root());
  EXPECT_TRUE(exec->writes.empty());
  ASSERT_TRUE(chain_.extend({}));
}

TEST_F(ExecutorTest, ExecuteTxsWritesExactlyTheTouchedAccounts) {
  auto exec = execute_txs(chain_.state(),
                          {transfer_tx(user_key(1), 0, user_addr(2), 10),
                           transfer_tx(user_key(1), 1, user_addr(99), 10)},
                          kChain, true);
  ASSERT_TRUE(exec.is_ok());
  EXPECT_EQ(exec->writes.size(), 3u);
  State applied = chain_.state();
  applied.apply(exec->writes);
  EXPECT_EQ(applied.root(), exec->state_root);
}

// ---- validate_block --------------------------------------------------------

class ValidateBlockTest : public ExecutorTest {
 protected:
  Block valid_next() {
    auto b = chain_.next_block({transfer_tx(user_key(1), 0, user_addr(2), 10)});
    EXPECT_TRUE(b.is_ok());
    return *b;
  }
  void expect_invalid(const Block& b, Code code) {
    Snapshot before = snapshot(chain_.state());
    auto r = validate_block(chain_.state(), chain_.head(), b, kChain, true);
    EXPECT_EQ(r.status().code(), code) << r.status().to_string();
    EXPECT_EQ(snapshot(chain_.state()), before);
  }
};

TEST_F(ValidateBlockTest, AcceptsTheBlockACorrectProposerBuilds) {
  Block b = valid_next();
  auto r = validate_block(chain_.state(), chain_.head(), b, kChain, true);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->state_root, b.header.state_root);
}

TEST_F(ValidateBlockTest, WrongHeightIsRejected) {
  for (uint64_t h : {uint64_t{0}, uint64_t{2}, uint64_t{UINT64_MAX}}) {
    Block b = valid_next();
    b.header.height = h;
    expect_invalid(b, Code::kInvalidArgument);
  }
}

TEST_F(ValidateBlockTest, WrongPrevHashIsRejected) {
  Block b = valid_next();
  b.header.prev_hash.bytes[0] ^= 1;
  expect_invalid(b, Code::kInvalidArgument);
  Block genesis_doc = valid_next();  // the genesis document hash is not block 0's hash
  genesis_doc.header.prev_hash = genesis_.hash();
  expect_invalid(genesis_doc, Code::kInvalidArgument);
}

TEST_F(ValidateBlockTest, WrongStateRootIsCorruption) {
  Block b = valid_next();
  b.header.state_root.bytes[7] ^= 1;
  expect_invalid(b, Code::kCorruption);
  Block unchanged = valid_next();  // claiming the txs changed nothing
  unchanged.header.state_root = chain_.state().root();
  expect_invalid(unchanged, Code::kCorruption);
}

TEST_F(ValidateBlockTest, TxRootOrCountMismatchIsRejected) {
  Block root = valid_next();
  root.header.tx_root.bytes[0] ^= 1;
  expect_invalid(root, Code::kInvalidArgument);
  Block count = valid_next();
  count.header.tx_count = 2;
  expect_invalid(count, Code::kInvalidArgument);
  Block extra = valid_next();  // a tx smuggled in without updating the header
  extra.txs.push_back(transfer_tx(user_key(2), 0, user_addr(1), 1));
  expect_invalid(extra, Code::kInvalidArgument);
}

TEST_F(ValidateBlockTest, BadSignatureIsCaughtOnlyWhenVerifying) {
  Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  tx.signature.bytes[0] ^= 1;
  auto b = chain_.next_block({tx});
  EXPECT_EQ(b.status().code(), Code::kBadSignature);
  // A locally CheckTx'd block may skip verification; a peer's may not.
  auto unverified = execute_txs(chain_.state(), {tx}, kChain, /*verify_signatures=*/false);
  EXPECT_TRUE(unverified.is_ok());
}

TEST(FirstBadSignature, FindsTheLowestBadIndexOnAnyEnv) {
  std::vector<Tx> txs;
  for (int i = 0; i < 300; ++i) txs.push_back(transfer_tx(user_key(i % 7), i, user_addr(1), 1));
  InlineEnv inline_env;
  const std::vector<std::pair<const char*, Env*>> envs = {
      {"calling thread", nullptr}, {"inline", &inline_env}, {"system workers", &system_env()}};
  for (const auto& [name, env] : envs) EXPECT_EQ(first_bad_signature(txs, env), -1) << name;
  txs[250].signature.bytes[3] ^= 1;
  txs[77].signature.bytes[3] ^= 1;
  txs[200].signature.bytes[3] ^= 1;
  for (const auto& [name, env] : envs) EXPECT_EQ(first_bad_signature(txs, env), 77) << name;
  EXPECT_EQ(first_bad_signature({}, &system_env()), -1);
}

// ---- determinism -----------------------------------------------------------

// A random chain of valid blocks: random senders, recipients (some new) and
// amounts, with nonces tracked so every block applies.
std::vector<Block> random_chain(const Genesis& g, uint64_t seed, int blocks, int txs_per_block) {
  std::mt19937_64 rng(seed);
  TestChain chain(g);
  std::vector<Block> out;
  const int users = static_cast<int>(g.balances.size());
  for (int b = 0; b < blocks; ++b) {
    std::vector<Tx> txs;
    StateOverlay view(chain.state());
    for (int i = 0; i < txs_per_block; ++i) {
      int from = static_cast<int>(rng() % users);
      int to = static_cast<int>(rng() % (users + 3));  // sometimes a fresh address
      Account a = view.account(user_addr(from)).value();
      if (a.balance.value() == 0) continue;
      int64_t amount = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(a.balance.value()));
      Tx tx = transfer_tx(user_key(from), a.nonce, user_addr(to), amount);
      if (apply_tx(view, tx)) txs.push_back(tx);
    }
    auto blk = chain.next_block(txs, 1 + rng() % 1000);
    EXPECT_TRUE(blk.is_ok()) << blk.status().to_string();
    EXPECT_TRUE(chain.append(*blk));
    out.push_back(*blk);
  }
  return out;
}

Hash256 replay(const Genesis& g, const std::vector<Block>& blocks) {
  TestChain chain(g);
  for (const Block& b : blocks) {
    Status st = chain.append(b);
    EXPECT_TRUE(st) << st.to_string();
  }
  return chain.state().root();
}

TEST(ExecutorDeterminism, SameBlocksGiveSameStateRootTwiceAndFromAFreshState) {
  uint64_t seed = testing::test_seed("ExecutorDeterminism");
  Genesis g = make_genesis(8, kStart);
  std::vector<Block> blocks = random_chain(g, seed, 20 / testing::kScale, 30);
  ASSERT_FALSE(blocks.empty());
  Hash256 expected = blocks.back().header.state_root;
  EXPECT_EQ(replay(g, blocks), expected);
  EXPECT_EQ(replay(g, blocks), expected);
  // Through the wire: decoded blocks replay to the same root.
  std::vector<Block> decoded;
  for (const Block& b : blocks) {
    auto d = decode_block(encode_to_bytes(b));
    ASSERT_TRUE(d.is_ok());
    decoded.push_back(*d);
  }
  EXPECT_EQ(replay(g, decoded), expected);
  // The generator itself is deterministic in its seed.
  EXPECT_EQ(random_chain(g, seed, 3, 10).back().header.hash(),
            random_chain(g, seed, 3, 10).back().header.hash());
}

TEST(ExecutorDeterminism, StateRootIsAFunctionOfTheAccountSetNotInsertionOrder) {
  std::vector<std::pair<Address, Account>> accounts;
  for (int i = 0; i < 20; ++i) accounts.push_back({user_addr(i), Account{Money(i * 7 + 1), 0}});
  State forward, backward;
  for (const auto& [a, acct] : accounts) forward.put(a, acct);
  for (auto it = accounts.rbegin(); it != accounts.rend(); ++it)
    backward.put(it->first, it->second);
  EXPECT_EQ(forward.root(), backward.root());
  // Overlay root over a base equals the root of the applied state.
  State base;
  for (int i = 0; i < 10; ++i) base.put(accounts[i].first, accounts[i].second);
  StateOverlay overlay(base);
  for (int i = 5; i < 20; ++i) overlay.put(accounts[i].first, accounts[i].second);
  EXPECT_EQ(overlay.root().value(), forward.root());
  // And a changed nonce or balance changes it.
  State nonce = forward;
  nonce.put(user_addr(3), Account{Money(22), 1});
  EXPECT_NE(nonce.root(), forward.root());
}

TEST(ExecutorDeterminism, ParallelAndSerialVerificationAgree) {
  Genesis g = make_genesis(8, kStart);
  std::vector<Block> blocks = random_chain(g, 42, 3, 100);
  State s = g.initial_state();
  for (const Block& b : blocks) {
    auto verified = execute_txs(s, b.txs, kChain, true);
    auto unverified = execute_txs(s, b.txs, kChain, false);
    ASSERT_TRUE(verified.is_ok() && unverified.is_ok());
    EXPECT_EQ(verified->state_root, unverified->state_root);
    EXPECT_EQ(verified->writes, unverified->writes);
    s.apply(verified->writes);
  }
}

// Same blocks, same root in any process: a fixed chain's root is pinned, so
// nondeterminism across runs or machines (hash-map order, uninitialised
// bytes, platform integer behaviour) shows up as a changed constant. Any
// intended change to the encoding, tx rules or state tree changes it too,
// and is a consensus-breaking change (last: the sparse Merkle state tree
// with namespaced keys and the genesis min_balance).
TEST(ExecutorDeterminism, FixedChainHasThePinnedStateRoot) {
  Genesis g = make_genesis(8, kStart);
  std::vector<Block> blocks = random_chain(g, 42, 5, 20);
  EXPECT_EQ(replay(g, blocks).hex(),
            "e9fa296133faceaaba7f512d5373c93ceb75cb815dcb0bac9f4e3f9131b4f876");
}

}  // namespace
}  // namespace wattle::chain
