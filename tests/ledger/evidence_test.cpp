// Evidence in blocks (ledger/evidence.h): the pool behind add_evidence, the
// proposer including pending items, a follower's checks of a block's
// evidence, the committed record, and the block codec. The checker here is a
// stand-in with the same contract as node::evidence_checker (which
// tests/node/evidence_checker_test.cpp checks with real votes): an item is
// [0xEE][u64 height][u8 accused validator], anything else is refused.
#include "modules/evidence/evidence.h"

#include <gtest/gtest.h>

#include "chain/application.h"
#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using testing::make_genesis;
using testing::TempDir;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;

Bytes item(uint64_t height, uint8_t accused, uint8_t tag = 0xEE) {
  Writer w;
  w.u8(tag);
  w.u64(height);
  w.u8(accused);
  return std::move(w).take();
}

Result<EvidenceInfo> fake_check(ByteView bytes) {
  Reader r(bytes);
  uint8_t tag = 0, who = 0;
  uint64_t height = 0;
  if (!r.u8(tag) || !r.u64(height) || !r.u8(who) || !r.finish())
    return Status(Code::kMalformed, "not an evidence item");
  if (tag != 0xEE) return Status(Code::kBadSignature, "evidence signature does not verify");
  return EvidenceInfo{user_key(who % 4).public_key(), height};
}

class EvidenceTest : public ::testing::Test {
 protected:
  EvidenceTest() : genesis_(make_genesis(4, 1'000'000)) { app_ = open_app(dir_.sub("a")); }

  std::unique_ptr<Application> open_app(const std::string& dir, bool with_checker = true) {
    auto store = Store::open(dir);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    AppConfig config;
    if (with_checker) config.evidence_checker = fake_check;
    auto app = Application::open(genesis_, std::move(*store), config);
    EXPECT_TRUE(app.is_ok()) << app.status().to_string();
    return std::move(*app);
  }

  PublicKey proposer() const { return user_key(0).public_key(); }

  Proposal propose(Application& app) {
    auto p = app.prepare_proposal(app.head().height + 1, app.head().time_ms + 10, proposer());
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    return std::move(*p);
  }

  static void commit(Application& app, Block b) {
    b.certificate = {1};
    ASSERT_TRUE(app.finalize_block(b));
    ASSERT_TRUE(app.commit().is_ok());
  }

  // A follower refuses `b` with `code` and its head stays where it was.
  void expect_refused(const Block& b, Code code, bool with_checker = true) {
    TempDir d;
    auto follower = open_app(d.sub("f"), with_checker);
    const Hash256 head = follower->head().hash();
    Status st = follower->process_proposal(b, proposer());
    EXPECT_EQ(st.code(), code) << st.to_string();
    EXPECT_EQ(follower->finalize_block(b).code(), code);
    EXPECT_FALSE(follower->commit().is_ok());
    EXPECT_EQ(follower->head().hash(), head);
  }

  TempDir dir_;
  Genesis genesis_;
  std::unique_ptr<Application> app_;
};

TEST_F(EvidenceTest, PoolChecksEachItemAndIsBounded) {
  EXPECT_TRUE(app_->add_evidence(item(0, 1)));
  EXPECT_EQ(app_->add_evidence(item(0, 1)).code(), Code::kDuplicate);
  EXPECT_EQ(app_->add_evidence(item(0, 1, 0xAB)).code(), Code::kBadSignature);
  EXPECT_EQ(app_->add_evidence(Bytes{1, 2}).code(), Code::kMalformed);
  EXPECT_EQ(app_->add_evidence(Bytes(kMaxEvidenceBytes + 1, 0xEE)).code(), Code::kTooLarge);
  EXPECT_EQ(app_->evidence_pending(), 1u);
  for (uint64_t h = 1; app_->evidence_pending() < Application::kMaxPendingEvidence; ++h)
    ASSERT_TRUE(app_->add_evidence(item(h, 2)));
  EXPECT_EQ(app_->add_evidence(item(999, 3)).code(), Code::kMempoolFull);
  EXPECT_EQ(app_->evidence_pending(), Application::kMaxPendingEvidence);

  TempDir d;
  auto single = open_app(d.sub("s"), /*with_checker=*/false);
  EXPECT_EQ(single->add_evidence(item(0, 1)).code(), Code::kUnauthorized);
}

TEST_F(EvidenceTest, ProposerIncludesPendingEvidenceAndEveryReplicaRecordsItOnce) {
  const Bytes ev = item(0, 2);
  ASSERT_TRUE(app_->add_evidence(ev));
  ASSERT_TRUE(
      app_->check_tx(encode_to_bytes(transfer_tx(user_key(1), 0, user_addr(2), 5'000))).status);
  Proposal p = propose(*app_);
  ASSERT_EQ(p.block.evidence, std::vector<Bytes>{ev});
  EXPECT_EQ(p.block.header.evidence_root, compute_evidence_root({ev}));
  EXPECT_FALSE(p.block.header.evidence_root.is_zero());
  EXPECT_EQ(decode_block(p.bytes).value().evidence, p.block.evidence) << "bytes carry it";

  TempDir d;
  auto follower = open_app(d.sub("f"));
  ASSERT_TRUE(follower->process_proposal(p.block, proposer()));
  commit(*follower, p.block);
  commit(*app_, p.block);
  EXPECT_EQ(follower->head().state_root, app_->head().state_root);
  EXPECT_EQ(app_->evidence_pending(), 0u) << "committed evidence leaves the pool";

  for (Application* a : {app_.get(), follower.get()}) {
    auto rec = committed_evidence(a->committed_state(), evidence_hash(ev)).value();
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(*rec, (EvidenceRecord{user_key(2).public_key(), 0, 1}));
  }
  // Once committed it is never pooled or committed again.
  EXPECT_EQ(app_->add_evidence(ev).code(), Code::kDuplicate);
  Proposal next = propose(*app_);
  EXPECT_TRUE(next.block.evidence.empty());
  Block again = next.block;
  again.evidence = {ev};
  again.header.evidence_root = compute_evidence_root(again.evidence);
  Status st = app_->process_proposal(again, proposer());
  EXPECT_EQ(st.code(), Code::kDuplicate) << st.to_string();
}

TEST_F(EvidenceTest, ProposerLeavesOutEvidenceThatCannotGoInThisBlock) {
  // Evidence for the height being decided can only go in a later block.
  ASSERT_TRUE(app_->add_evidence(item(1, 3)));
  Proposal p = propose(*app_);
  EXPECT_TRUE(p.block.evidence.empty());
  EXPECT_TRUE(p.block.header.evidence_root.is_zero());
  commit(*app_, p.block);
  EXPECT_EQ(app_->evidence_pending(), 1u);
  EXPECT_EQ(propose(*app_).block.evidence.size(), 1u) << "the next block takes it";
}

TEST_F(EvidenceTest, FollowerRefusesBlocksWithBadEvidenceAndNothingChanges) {
  const Block base = propose(*app_).block;
  auto with = [&](std::vector<Bytes> evidence) {
    Block b = base;
    b.evidence = std::move(evidence);
    b.header.evidence_root = compute_evidence_root(b.evidence);
    return b;
  };
  expect_refused(with({item(0, 1, 0xAB)}), Code::kBadSignature);
  expect_refused(with({item(0, 1), item(0, 1)}), Code::kDuplicate);
  expect_refused(with({item(1, 1)}), Code::kInvalidArgument);  // not below the block's height
  expect_refused(with({Bytes{7}}), Code::kMalformed);
  expect_refused(with({item(0, 1)}), Code::kUnauthorized, /*with_checker=*/false);
  Block wrong_root = with({item(0, 1)});
  wrong_root.header.evidence_root = compute_evidence_root({item(0, 2)});
  expect_refused(wrong_root, Code::kInvalidArgument);
  // The valid version of the same block is accepted by the same checks.
  TempDir d;
  auto follower = open_app(d.sub("ok"));
  Block good = with({item(0, 1)});
  EXPECT_EQ(follower->process_proposal(good, proposer()).code(), Code::kCorruption)
      << "evidence changes the state, so the proposer's state root no longer matches";
}

TEST(BlockCodecTest, EvidenceRoundTripsAndIsBounded) {
  Block b;
  b.header.height = 3;
  b.evidence = {item(1, 1), item(2, 2)};
  b.header.evidence_root = compute_evidence_root(b.evidence);
  b.certificate = {9, 9};
  const Bytes bytes = encode_to_bytes(b);
  auto back = decode_block(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->evidence, b.evidence);
  EXPECT_EQ(back->header.hash(), b.header.hash());

  Block mismatched = b;
  mismatched.evidence.pop_back();
  EXPECT_EQ(decode_block(encode_to_bytes(mismatched)).status().code(), Code::kMalformed);

  Block too_many = b;
  too_many.evidence.assign(kMaxBlockEvidence + 1, item(1, 1));
  too_many.header.evidence_root = compute_evidence_root(too_many.evidence);
  EXPECT_FALSE(decode_block(encode_to_bytes(too_many)).is_ok());

  Block too_big = b;
  too_big.evidence = {Bytes(kMaxEvidenceBytes + 1, 1)};
  too_big.header.evidence_root = compute_evidence_root(too_big.evidence);
  EXPECT_FALSE(decode_block(encode_to_bytes(too_big)).is_ok());

  // The header commits to the evidence: another item, another block hash.
  Block other = b;
  other.evidence[0] = item(1, 3);
  other.header.evidence_root = compute_evidence_root(other.evidence);
  EXPECT_NE(other.header.hash(), b.header.hash());
}

}  // namespace
}  // namespace wattle::chain
