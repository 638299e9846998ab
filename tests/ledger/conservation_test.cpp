// Money conservation across random transfer sequences (RapidCheck).
//
// A random scenario (accounts with random balances, blocks of random
// transfers: mostly valid, some overdrafts, replays, gaps, zero or negative
// amounts, bad signatures, wrong chain ids) runs through execute_txs and,
// beside it, through a tiny reference model of the transfer rules. After
// every block: the total balance is unchanged, no balance is negative, the
// state equals the model's, a rejected block changed nothing and carried the
// model's error code, and a failed apply_tx left its overlay untouched.
// The harness must be able to fail: mutated executors (minting a micro-unit,
// forgetting a nonce) are run through it and must be caught.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <sstream>

#include "chain/executor.h"
#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using rc::Gen;
using testing::kChain;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;
namespace gen = rc::gen;

// One transfer, described relative to the sender's balance at its turn.
struct OpSpec {
  int from = 0;
  int to = 0;           // may name an account that does not exist yet
  int amount_kind = 0;  // 0 part of balance, 1 all, 2 balance+1, 3 zero, 4 negative
  uint64_t frac = 0;
  int nonce_kind = 0;  // 0 next, 1 previous (replay), 2 next+1 (gap)
  bool bad_signature = false;
  bool wrong_chain = false;
};

struct Scenario {
  std::vector<int64_t> balances;  // users 0..n-1
  std::vector<std::vector<OpSpec>> blocks;
};

enum class Mutation { kNone, kMintOneMicroUnit, kForgetNonce };

using Model = std::map<Address, Account>;

// The transfer rules, written independently of the executor.
Code model_apply(Model& m, const Tx& tx, bool sig_ok) {
  if (!sig_ok) return Code::kBadSignature;
  if (tx.chain_id != kChain) return Code::kWrongChain;
  const auto& t = std::get<Transfer>(tx.payload);
  if (t.amount.value() <= 0) return Code::kInvalidArgument;
  Address from = tx.sender_address();
  Account s = m.count(from) ? m[from] : Account{};
  if (tx.nonce < s.nonce) return Code::kNonceReplay;
  if (tx.nonce > s.nonce) return Code::kNonceGap;
  if (s.balance < t.amount) return Code::kInsufficientFunds;
  m[from] = Account{Money(s.balance.value() - t.amount.value()), s.nonce + 1};
  Account r = m[t.to];
  m[t.to] = Account{Money(r.balance.value() + t.amount.value()), r.nonce};
  return Code::kOk;
}

Tx make_tx(const Model& view, const OpSpec& op) {
  Address from = user_addr(op.from);
  Account s = view.count(from) ? view.at(from) : Account{};
  const int64_t b = s.balance.value();
  int64_t amount = 0;
  switch (op.amount_kind) {
    case 0:
      amount = b == 0 ? 1 : 1 + static_cast<int64_t>(op.frac % static_cast<uint64_t>(b));
      break;
    case 1:
      amount = b;
      break;
    case 2:
      amount = b + 1;
      break;
    case 3:
      amount = 0;
      break;
    default:
      amount = -1 - static_cast<int64_t>(op.frac % 1000);
      break;
  }
  uint64_t nonce = s.nonce;
  if (op.nonce_kind == 1 && nonce > 0) nonce -= 1;
  if (op.nonce_kind == 2) nonce += 1;
  Tx tx = transfer_tx(user_key(op.from), nonce, user_addr(op.to), amount,
                      op.wrong_chain ? "other-chain" : kChain);
  if (op.bad_signature) tx.signature.bytes[op.frac % 64] ^= 0x20;
  return tx;
}

std::string describe(const Address& a) {
  return a.to_string().substr(0, 12);
}

// Runs the scenario; the first violated invariant, or nullopt.
std::optional<std::string> run_scenario(const Scenario& sc, Mutation mutation,
                                        int* accepted_blocks = nullptr) {
  const int users = static_cast<int>(sc.balances.size());
  State state;
  Model model;
  for (int i = 0; i < users; ++i) {
    if (sc.balances[i] == 0) continue;
    state.put(user_addr(i), Account{Money(sc.balances[i]), 0});
    model[user_addr(i)] = Account{Money(sc.balances[i]), 0};
  }
  const int64_t supply = testing::total(state);
  for (size_t bi = 0; bi < sc.blocks.size(); ++bi) {
    std::ostringstream where;
    where << "block " << bi << ": ";
    // Build the txs against the model's view as the block progresses.
    Model view = model;
    std::vector<Tx> txs;
    Code expected = Code::kOk;
    bool any_bad_sig = false;
    for (const OpSpec& op : sc.blocks[bi]) {
      Tx tx = make_tx(view, op);
      Code c = model_apply(view, tx, /*sig_ok=*/true);
      if (expected == Code::kOk) expected = c;
      any_bad_sig |= op.bad_signature;
      txs.push_back(std::move(tx));
    }
    if (any_bad_sig) expected = Code::kBadSignature;  // verified for the whole block first

    // Failed txs leave an overlay untouched, one tx at a time.
    StateOverlay overlay(state);
    for (const Tx& tx : txs) {
      StateWrites before = overlay.writes();
      Status st = check_stateless(tx, kChain);
      if (st) st = apply_tx(overlay, tx);
      if (!st && overlay.writes() != before)
        return where.str() + "failed tx (" + st.to_string() + ") changed the overlay";
    }

    testing::Snapshot before = testing::snapshot(state);
    auto exec = execute_txs(state, txs, kChain, /*verify_signatures=*/true);
    if (exec.status().code() != expected)
      return where.str() + "executor says " + exec.status().to_string() + ", model expects " +
             std::string(code_name(expected));
    if (!exec) {
      if (testing::snapshot(state) != before) return where.str() + "rejected block changed state";
      continue;
    }
    std::map<Address, Account> writes = testing::account_writes(exec->writes);
    if (mutation == Mutation::kMintOneMicroUnit && !writes.empty()) {
      Account& a = writes.begin()->second;
      a.balance = Money(a.balance.value() + 1);
    }
    if (mutation == Mutation::kForgetNonce && !writes.empty()) {
      for (auto& [addr, a] : writes)
        if (a.nonce > 0) {
          a.nonce -= 1;
          break;
        }
    }
    state.apply(testing::to_writes(writes));
    model = view;
    if (accepted_blocks) ++*accepted_blocks;
    if (testing::total(state) != supply)
      return where.str() + "total balance " + std::to_string(testing::total(state)) +
             " != supply " + std::to_string(supply);
    for (const auto& [addr, a] : state.accounts())
      if (a.balance.value() < 0) return where.str() + "negative balance at " + describe(addr);
    for (const auto& [addr, a] : state.accounts()) {
      auto it = model.find(addr);
      if (it == model.end() || it->second != a)
        return where.str() + "state differs from the model at " + describe(addr);
    }
    if (state.size() != model.size())
      return where.str() + "state and model hold different accounts";
  }
  return std::nullopt;
}

// A clean op is meant to succeed (it can still overdraw an empty account).
Gen<OpSpec> gen_op(int users, bool clean) {
  return gen::exec([users, clean] {
    OpSpec op;
    op.from = *gen::inRange(0, users);
    op.to = *gen::inRange(0, users + 2);  // two addresses that start empty
    const int a = *gen::inRange(0, 100);
    op.amount_kind = a < 80 ? 0 : a < 86 ? 1 : a < 93 ? 2 : a < 97 ? 3 : 4;
    op.frac = *gen::arbitrary<uint64_t>();
    const int n = *gen::inRange(0, 100);
    op.nonce_kind = n < 92 ? 0 : n < 96 ? 1 : 2;
    op.bad_signature = *gen::inRange(0, 100) < 3;
    op.wrong_chain = *gen::inRange(0, 100) < 2;
    if (clean) {
      op.amount_kind = 0;
      op.nonce_kind = 0;
      op.bad_signature = op.wrong_chain = false;
    }
    return op;
  });
}

Gen<Scenario> gen_scenario() {
  return gen::exec([] {
    Scenario sc;
    const int users = *gen::inRange(2, 7);
    for (int i = 0; i < users; ++i) {
      const int scale = *gen::inRange(0, 10);
      // Mostly modest balances, some empty, some huge (total stays < 2^63).
      sc.balances.push_back(scale == 0  ? 0
                            : scale < 8 ? *gen::inRange<int64_t>(1, 1'000'000)
                                        : *gen::inRange<int64_t>(1, INT64_MAX / 8));
    }
    const int blocks = *gen::inRange(1, 10);
    for (int b = 0; b < blocks; ++b) {
      const bool clean = *gen::inRange(0, 10) < 7;
      sc.blocks.push_back(
          *gen::resize(6, gen::container<std::vector<OpSpec>>(gen_op(users, clean))));
    }
    return sc;
  });
}

RC_GTEST_PROP(MoneyConservation, HoldsAfterEveryBlockOfRandomTransfers, ()) {
  Scenario sc = *gen_scenario();
  int accepted = 0;
  auto violation = run_scenario(sc, Mutation::kNone, &accepted);
  RC_CLASSIFY(accepted > 0, "some blocks accepted");
  RC_CLASSIFY(accepted < static_cast<int>(sc.blocks.size()), "some blocks rejected");
  if (violation) RC_FAIL(*violation);
}

// A fixed scenario of valid transfers round a ring of three accounts (small
// amounts, so nobody runs dry), for the mutation checks below.
Scenario valid_scenario() {
  Scenario sc;
  sc.balances = {1000, 500, 300};
  for (uint64_t b = 0; b < 4; ++b) {
    std::vector<OpSpec> ops;
    for (int i = 0; i < 3; ++i)
      ops.push_back(OpSpec{i, (i + 1) % 3, 0, 10 * b + static_cast<uint64_t>(i)});
    sc.blocks.push_back(ops);
  }
  return sc;
}

TEST(MoneyConservation, HarnessAcceptsTheCorrectExecutor) {
  int accepted = 0;
  auto violation = run_scenario(valid_scenario(), Mutation::kNone, &accepted);
  EXPECT_FALSE(violation.has_value()) << *violation;
  EXPECT_EQ(accepted, 4);
}

TEST(MoneyConservation, HarnessCatchesAnExecutorThatMintsMoney) {
  auto violation = run_scenario(valid_scenario(), Mutation::kMintOneMicroUnit);
  ASSERT_TRUE(violation.has_value());
  EXPECT_NE(violation->find("total balance"), std::string::npos) << *violation;
}

TEST(MoneyConservation, HarnessCatchesAnExecutorThatForgetsANonce) {
  auto violation = run_scenario(valid_scenario(), Mutation::kForgetNonce);
  ASSERT_TRUE(violation.has_value());
  EXPECT_NE(violation->find("differs from the model"), std::string::npos) << *violation;
}

TEST(MoneyConservation, OverdraftAndBadSignatureBlocksAreRejectedWithTheModelsCode) {
  Scenario sc;
  sc.balances = {10, 0};
  sc.blocks = {{OpSpec{0, 1, 2, 0}}, {OpSpec{0, 1, 0, 3, 0, /*bad_signature=*/true}}};
  int accepted = 0;
  auto violation = run_scenario(sc, Mutation::kNone, &accepted);
  EXPECT_FALSE(violation.has_value()) << *violation;
  EXPECT_EQ(accepted, 0);
}

}  // namespace
}  // namespace wattle::chain
