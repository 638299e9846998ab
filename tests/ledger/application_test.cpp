// The application boundary: each call (check_tx, prepare_proposal,
// process_proposal, finalize_block + commit, queries, events), and bad input
// to each: it is refused with a stable code and changes nothing.
#include "chain/application.h"

#include <gtest/gtest.h>

#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using testing::kChain;
using testing::make_genesis;
using testing::TempDir;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;

constexpr int64_t kStart = 1'000'000;

Bytes raw(const Tx& tx) {
  return encode_to_bytes(tx);
}

class ApplicationTest : public ::testing::Test {
 protected:
  ApplicationTest() : genesis_(make_genesis(4, kStart)) {
    genesis_.min_balance = Money(1'000);
    app_ = open_app(dir_.sub("a"));
  }

  std::unique_ptr<Application> open_app(const std::string& dir) {
    auto store = Store::open(dir);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    auto app = Application::open(genesis_, std::move(*store));
    EXPECT_TRUE(app.is_ok()) << app.status().to_string();
    return std::move(*app);
  }

  PublicKey proposer() const { return user_key(0).public_key(); }

  // A proposal from `app` holding `txs` (admitted first).
  Proposal propose(Application& app, const std::vector<Tx>& txs) {
    for (const Tx& tx : txs) EXPECT_TRUE(app.check_tx(raw(tx)).status.is_ok());
    auto p = app.prepare_proposal(app.head().height + 1, app.head().time_ms + 10, proposer());
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    return std::move(*p);
  }

  void commit(Application& app, const Block& b) {
    ASSERT_TRUE(app.finalize_block(b));
    ASSERT_TRUE(app.commit().is_ok());
  }

  // The observable state of an application.
  struct View {
    BlockHeader head;
    std::map<int, AccountState> accounts;
    size_t mempool = 0;
    bool operator==(const View& o) const {
      if (head.hash() != o.head.hash() || mempool != o.mempool) return false;
      for (const auto& [i, a] : accounts) {
        auto it = o.accounts.find(i);
        if (it == o.accounts.end() || it->second.account != a.account ||
            it->second.exists != a.exists)
          return false;
      }
      return true;
    }
  };
  View view(const Application& app) const {
    View v{app.head(), {}, app.mempool_size()};
    for (int i = 0; i < 6; ++i) v.accounts[i] = app.account(user_addr(i)).value();
    return v;
  }

  // A follower (its own store) refuses `b` with `code`, and nothing changes.
  void expect_refused(const Block& b, Code code) {
    TempDir d;
    auto follower = open_app(d.sub("f"));
    View before = view(*follower);
    Status st = follower->process_proposal(b, proposer());
    EXPECT_EQ(st.code(), code) << st.to_string();
    EXPECT_EQ(follower->finalize_block(b).code(), code);
    EXPECT_FALSE(follower->commit().is_ok()) << "nothing finalized";
    EXPECT_TRUE(view(*follower) == before);
  }

  TempDir dir_;
  Genesis genesis_;
  std::unique_ptr<Application> app_;
};

TEST_F(ApplicationTest, CheckTxAdmitsValidAndRefusesBadInputWithStableCodes) {
  Tx ok = transfer_tx(user_key(1), 0, user_addr(2), 100);
  auto r = app_->check_tx(raw(ok));
  EXPECT_TRUE(r.status.is_ok()) << r.status.to_string();
  EXPECT_EQ(r.hash, ok.hash());
  EXPECT_EQ(app_->check_tx(raw(ok)).status.code(), Code::kDuplicate);
  EXPECT_EQ(app_->check_tx(Bytes{1, 2, 3}).status.code(), Code::kMalformed);
  Tx forged = transfer_tx(user_key(1), 1, user_addr(2), 100);
  forged.signature.bytes[0] ^= 1;
  EXPECT_EQ(app_->check_tx(raw(forged)).status.code(), Code::kBadSignature);
  EXPECT_EQ(app_->check_tx(raw(transfer_tx(user_key(1), 5, user_addr(2), 1000))).status.code(),
            Code::kNonceGap);
  EXPECT_EQ(
      app_->check_tx(raw(transfer_tx(user_key(2), 0, user_addr(3), kStart + 1))).status.code(),
      Code::kInsufficientFunds);
  EXPECT_EQ(
      app_->check_tx(raw(transfer_tx(user_key(1), 0, user_addr(2), 1, "other"))).status.code(),
      Code::kWrongChain);
  EXPECT_EQ(app_->mempool_size(), 1u);
  EXPECT_EQ(app_->pending_tx(ok.hash())->hash(), ok.hash());
}

TEST_F(ApplicationTest, MinBalanceIsEnforcedByCheckTxAndExecutionAlike) {
  // A new account funded with dust, a sender left with dust: refused.
  Tx dust_new = transfer_tx(user_key(1), 0, user_addr(5), 999);
  Tx dust_left = transfer_tx(user_key(2), 0, user_addr(3), kStart - 1);
  EXPECT_EQ(app_->check_tx(raw(dust_new)).status.code(), Code::kBelowMinBalance);
  EXPECT_EQ(app_->check_tx(raw(dust_left)).status.code(), Code::kBelowMinBalance);
  EXPECT_EQ(code_name(Code::kBelowMinBalance), "below_min_balance");
  // Execution refuses the same txs (a block from elsewhere).
  State s = genesis_.initial_state();
  EXPECT_EQ(
      execute_block(s, {}, {dust_new}, genesis_.params(), ExecMode::kStrict, true).status().code(),
      Code::kBelowMinBalance);
  EXPECT_EQ(
      execute_block(s, {}, {dust_left}, genesis_.params(), ExecMode::kStrict, true).status().code(),
      Code::kBelowMinBalance);
  // Exactly min_balance, and emptying an account to zero, are fine.
  Tx exact = transfer_tx(user_key(1), 0, user_addr(5), 1'000);
  Tx all = transfer_tx(user_key(2), 0, user_addr(3), kStart);
  EXPECT_TRUE(app_->check_tx(raw(exact)).status.is_ok());
  EXPECT_TRUE(app_->check_tx(raw(all)).status.is_ok());
  Proposal p = propose(*app_, {});
  EXPECT_EQ(p.block.txs.size(), 2u);
  commit(*app_, p.block);
  EXPECT_EQ(app_->account(user_addr(5))->account.balance, Money(1'000));
  EXPECT_EQ(app_->account(user_addr(2))->account.balance, Money(0));
  EXPECT_TRUE(app_->account(user_addr(2))->exists) << "kept: its nonce guards against replay";
}

TEST_F(ApplicationTest, ProposalFollowerAndCommitAgreeAndPublishEvents) {
  std::vector<Tx> txs = {transfer_tx(user_key(1), 0, user_addr(2), 5'000),
                         transfer_tx(user_key(2), 0, user_addr(3), 7'000)};
  Proposal p = propose(*app_, txs);
  EXPECT_EQ(p.id, p.block.header.hash());
  EXPECT_EQ(decode_block(p.bytes).value().header.hash(), p.id) << "bytes included";
  ASSERT_EQ(p.block.txs.size(), txs.size());
  EXPECT_EQ(p.block.header.tx_root, compute_tx_root(txs));
  EXPECT_GT(p.block.header.time_ms, app_->head().time_ms);

  TempDir d;
  auto follower = open_app(d.sub("f"));
  ASSERT_TRUE(follower->process_proposal(p.block, proposer()));
  Block decided = p.block;
  decided.certificate = {1, 2, 3};
  commit(*follower, decided);
  commit(*app_, decided);
  EXPECT_TRUE(view(*follower) == view(*app_));
  EXPECT_EQ(app_->head().state_root, p.block.header.state_root);
  EXPECT_EQ(app_->block(1)->certificate, decided.certificate);
  EXPECT_EQ(app_->mempool_size(), 0u);

  auto tx = app_->committed_tx(txs[1].hash()).value();
  ASSERT_TRUE(tx.has_value());
  EXPECT_EQ(tx->location.height, 1u);
  EXPECT_EQ(tx->location.index, 1u);
  EXPECT_EQ(tx->tx.hash(), txs[1].hash());

  auto ev = app_->events().read(0, 100);
  ASSERT_EQ(ev.events.size(), 3u);
  EXPECT_EQ(ev.events[0].kind, Event::Kind::kBlock);
  EXPECT_EQ(ev.events[0].hash, p.id);
  EXPECT_EQ(ev.events[2].kind, Event::Kind::kTx);
  EXPECT_EQ(ev.events[2].hash, txs[1].hash());
  EXPECT_EQ(ev.next, 4u);
}

TEST_F(ApplicationTest, ProposerModeLeavesOutFailingTxsFollowerModeRefusesThem) {
  State s = genesis_.initial_state();
  std::vector<Tx> txs = {transfer_tx(user_key(1), 0, user_addr(2), 5'000),
                         transfer_tx(user_key(3), 0, user_addr(2), kStart + 1),
                         transfer_tx(user_key(2), 0, user_addr(1), 5'000)};
  auto drop = execute_block(s, {}, txs, genesis_.params(), ExecMode::kDropFailing, true);
  ASSERT_TRUE(drop.is_ok());
  EXPECT_EQ(drop->dropped, std::vector<size_t>{1});
  EXPECT_EQ(drop->drop_reasons.at(0).code(), Code::kInsufficientFunds);
  EXPECT_EQ(drop->txs.size(), 2u);
  auto strict = execute_block(s, {}, txs, genesis_.params(), ExecMode::kStrict, true);
  EXPECT_EQ(strict.status().code(), Code::kInsufficientFunds);
  // The two paths agree on the txs the proposer kept.
  auto kept = execute_block(s, {}, drop->txs, genesis_.params(), ExecMode::kStrict, true);
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ(kept->state_root, drop->state_root);
}

TEST_F(ApplicationTest, PrepareProposalForAnotherHeightIsRefused) {
  EXPECT_EQ(app_->prepare_proposal(5, 0, proposer()).status().code(), Code::kInvalidArgument);
}

TEST_F(ApplicationTest, FollowerRefusesBadBlocksAndNothingChanges) {
  Proposal p = propose(*app_, {transfer_tx(user_key(1), 0, user_addr(2), 5'000)});
  const Block good = p.block;

  Block wrong_proposer = good;
  wrong_proposer.header.proposer = user_key(3).public_key();
  expect_refused(wrong_proposer, Code::kUnauthorized);

  Block same_time = good;
  same_time.header.time_ms = genesis_.genesis_time_ms;  // not after the parent's
  expect_refused(same_time, Code::kInvalidArgument);

  Block wrong_tx_root = good;
  wrong_tx_root.header.tx_root.bytes[0] ^= 1;
  expect_refused(wrong_tx_root, Code::kInvalidArgument);

  Block wrong_state_root = good;
  wrong_state_root.header.state_root.bytes[0] ^= 1;
  expect_refused(wrong_state_root, Code::kCorruption);

  Block wrong_height = good;
  wrong_height.header.height = 2;
  expect_refused(wrong_height, Code::kInvalidArgument);

  Block wrong_parent = good;
  wrong_parent.header.prev_hash.bytes[0] ^= 1;
  expect_refused(wrong_parent, Code::kInvalidArgument);

  // An unexecutable tx (overdraft), with header roots that match it.
  Block unexecutable = good;
  unexecutable.txs = {transfer_tx(user_key(1), 0, user_addr(2), kStart + 1)};
  unexecutable.header.tx_root = compute_tx_root(unexecutable.txs);
  expect_refused(unexecutable, Code::kInsufficientFunds);

  Block forged = good;
  forged.txs[0].signature.bytes[3] ^= 1;
  forged.header.tx_root = compute_tx_root(forged.txs);
  expect_refused(forged, Code::kBadSignature);

  // The good block is accepted by the same kind of follower.
  TempDir d;
  auto follower = open_app(d.sub("f"));
  EXPECT_TRUE(follower->process_proposal(good, proposer()));
}

TEST_F(ApplicationTest, RestartResumesAtTheCommittedHeadWithItsRoot) {
  TempDir d;
  Hash256 root;
  {
    auto app = open_app(d.sub("r"));
    Proposal p = propose(*app, {transfer_tx(user_key(1), 0, user_addr(2), 5'000)});
    commit(*app, p.block);
    root = app->head().state_root;
  }
  auto app = open_app(d.sub("r"));
  EXPECT_EQ(app->head().height, 1u);
  EXPECT_EQ(app->head().state_root, root);
  EXPECT_EQ(app->account(user_addr(1))->account.nonce, 1u);
}

TEST_F(ApplicationTest, AccountProofsVerifyAgainstTheHeadRoot) {
  Proposal p = propose(*app_, {transfer_tx(user_key(1), 0, user_addr(2), 5'000)});
  commit(*app_, p.block);
  auto present = app_->prove_account(user_addr(1)).value();
  EXPECT_EQ(present.height, 1u);
  EXPECT_EQ(present.state_root, app_->head().state_root);
  ASSERT_TRUE(present.value.has_value());
  Hash256 path = StateKey::account(user_addr(1)).path();
  EXPECT_TRUE(verify_proof(present.state_root, path, blake2b256(*present.value), present.proof));
  auto absent = app_->prove_account(user_addr(9)).value();
  EXPECT_FALSE(absent.value.has_value());
  EXPECT_TRUE(verify_proof(absent.state_root, StateKey::account(user_addr(9)).path(), std::nullopt,
                           absent.proof));
  // The genesis root does not accept the proof: a proof for another root.
  EXPECT_FALSE(verify_proof(genesis_.block().header.state_root, path, blake2b256(*present.value),
                            present.proof));
}

TEST(EventBusTest, BoundedAndReportsMissedEvents) {
  EventBus bus(3);
  std::vector<Event> evs(5);
  for (size_t i = 0; i < evs.size(); ++i) evs[i].height = i;
  bus.publish(evs);
  auto b = bus.read(1, 10);
  EXPECT_TRUE(b.missed);
  ASSERT_EQ(b.events.size(), 3u);
  EXPECT_EQ(b.events[0].seq, 3u);
  EXPECT_EQ(b.next, 6u);
  EXPECT_TRUE(bus.read(6, 10).events.empty());
  EXPECT_FALSE(bus.wait(6, std::chrono::milliseconds(1)));
  EXPECT_TRUE(bus.wait(5, std::chrono::milliseconds(1)));
}

}  // namespace
}  // namespace wattle::chain
