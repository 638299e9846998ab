// Property: a valid block commits, whatever the chain id and whatever mix and
// number of txs it holds. Random chain ids (1-64 printable bytes) and random
// blocks of every tx kind go the way a follower takes them: admitted by
// CheckTx, proposed, encoded to the wire, decoded, finalized and committed to
// RocksDB; then the store is reopened and the whole chain re-verified from
// genesis as `wattle verify` does. A block decoder whose size bounds are too
// tight for small txs on a short chain id (docs/ledger.md, "Numbers and
// encoding") fails here at the decode or commit step.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "chain/application.h"
#include "consensus/single_engine.h"
#include "ledger/market_test_util.h"
#include "node/chain_consensus.h"
#include "node/verify.h"

namespace wattle::node {
namespace {

using chain::Tx;
using namespace chain::testing;

constexpr int kHouseholds = 12;

std::string random_chain_id() {
  const auto len = *rc::gen::inRange<size_t>(1, 65);
  std::string id = *rc::gen::container<std::string>(len, rc::gen::inRange<char>('!', '~' + 1));
  return id;
}

// Drives one Application the way a single-validator node does, through the wire format.
class Driver {
 public:
  Driver(chain::Genesis g, std::string dir) : genesis_(std::move(g)), dir_(std::move(dir)) {
    open();
  }

  void open() {
    app_.reset();
    auto store = chain::Store::open(dir_);
    RC_ASSERT(store.is_ok());
    // As a node does: each block carries its parent's certificate, which
    // verify_chain requires.
    chain::AppConfig config;
    config.last_commit_checker = node::last_commit_checker(genesis_);
    auto app = chain::Application::open(genesis_, std::move(*store), config);
    RC_ASSERT(app.is_ok());
    app_ = std::move(*app);
  }
  void close() { app_.reset(); }

  Tx sign(const KeyPair& k, chain::Payload p) {
    const Address a = Address::of(k.public_key());
    uint64_t& n = nonces_[a];
    n = std::max(n, app_->account(a).value().account.nonce);
    return Tx::make_signed(genesis_.chain_id, k, n++, std::move(p));
  }

  // Admits `txs`, proposes a block at `time_ms`, sends it through encode ->
  // decode, commits it, and returns the hashes of the txs it holds.
  std::vector<Hash256> block(const std::vector<Tx>& txs, uint64_t time_ms) {
    size_t admitted = 0;
    for (const Tx& tx : txs) admitted += app_->check_tx(encode_to_bytes(tx)).status.is_ok();
    const uint64_t height = app_->head().height + 1;
    const KeyPair validator = user_key(0);
    auto p = app_->prepare_proposal(height, time_ms, validator.public_key());
    RC_ASSERT(p.is_ok());
    RC_ASSERT(p->block.txs.size() == admitted);  // every admitted tx of ours is valid here
    auto decoded = chain::decode_block(p->bytes);
    if (!decoded) RC_FAIL("decode of a proposed block: " + decoded.status().to_string());
    RC_ASSERT(encode_to_bytes(*decoded) == p->bytes);
    RC_ASSERT(decoded->header.hash() == p->id);
    const Bytes msg =
        consensus::SingleEngine::certificate_message(genesis_.chain_id, height, p->id);
    const Signature sig = validator.sign(msg);
    decoded->certificate.assign(sig.bytes.begin(), sig.bytes.end());
    Status st = app_->finalize_block(*decoded);
    if (!st) RC_FAIL("finalize: " + st.to_string());
    auto info = app_->commit();
    if (!info) RC_FAIL("commit: " + info.status().to_string());
    committed_txs_ += decoded->txs.size();
    nonces_.clear();
    std::vector<Hash256> hashes;
    for (const Tx& tx : decoded->txs) hashes.push_back(tx.hash());
    return hashes;
  }

  chain::Application& app() { return *app_; }
  uint64_t committed_txs() const { return committed_txs_; }

 private:
  chain::Genesis genesis_;
  std::string dir_;
  std::unique_ptr<chain::Application> app_;
  std::map<Address, uint64_t> nonces_;
  uint64_t committed_txs_ = 0;
};

RC_GTEST_PROP(BlockRoundTrip, AnyChainIdAndTxMixCommitsReloadsAndVerifies, ()) {
  const std::string chain_id = random_chain_id();
  RC_TAG(chain_id.size() <= 3 ? "short chain id" : "longer chain id");
  chain::Genesis g = market_genesis(kHouseholds, 1'000'000'000, 1'000'000'000);
  g.chain_id = chain_id;
  const modules::MarketParams& m = *g.market;
  const uint64_t t0 = g.genesis_time_ms;
  const uint64_t slot = kFirstSlot + 2;
  TempDir dir;
  Driver d(g, dir.sub("store"));

  // Block 1: the operator registers a meter per household; some transfers.
  std::vector<Tx> txs;
  for (int i = 0; i < kHouseholds; ++i)
    txs.push_back(
        d.sign(operator_key(), chain::RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
  const int transfers = *rc::gen::inRange(0, 40);
  for (int i = 0; i < transfers; ++i)
    txs.push_back(d.sign(user_key(i % kHouseholds),
                         chain::Transfer{user_addr((i + 1) % kHouseholds), Money(1 + i)}));
  d.block(txs, t0 + 1'000);

  // Block 2: many orders for one slot (the shape that once halted the chain).
  txs.clear();
  const int orders = *rc::gen::inRange(0, 240);
  for (int i = 0; i < orders; ++i) {
    const auto side = *rc::gen::element(market::Side::kBuy, market::Side::kSell);
    txs.push_back(
        d.sign(user_key(i % kHouseholds), order(slot, side, *rc::gen::inRange<int64_t>(1, 5'000),
                                                *rc::gen::inRange<int64_t>(0, 400'000))));
  }
  const std::vector<Hash256> placed = d.block(txs, t0 + 2'000);

  // Block 3: cancel a random subset (cancel's owner is the order's sender).
  txs.clear();
  for (size_t i = 0; i < placed.size(); ++i) {
    if (!*rc::gen::arbitrary<bool>()) continue;
    txs.push_back(
        d.sign(user_key(static_cast<int>(i) % kHouseholds), chain::CancelOrder{placed[i]}));
  }
  d.block(txs, t0 + 3'000);

  // Block 4 closes the gate (clearing); 5 holds every meter's reading for
  // the slot; 6 settles it.
  d.block({}, m.slot_start_ms(slot) - m.gate_lead_seconds * 1000 + 1);
  txs.clear();
  for (int i = 0; i < kHouseholds; ++i)
    txs.push_back(d.sign(meter_key(i), reading(slot, *rc::gen::inRange<int64_t>(0, 9'000),
                                               *rc::gen::inRange<int64_t>(0, 9'000))));
  d.block(txs, m.slot_start_ms(slot + 1) + 1);
  d.block({}, m.slot_start_ms(slot + 1) + m.settlement_delay_seconds * 1000 + 1);

  // Reload from disk: the head survives, and replaying from genesis agrees.
  const chain::BlockHeader head = d.app().head();
  d.close();
  d.open();
  RC_ASSERT(d.app().head().hash() == head.hash());
  d.close();
  auto store = chain::Store::open(dir.sub("store"));
  RC_ASSERT(store.is_ok());
  auto report = verify_chain(**store, g);
  if (!report) RC_FAIL("verify: " + report.status().to_string());
  RC_ASSERT(report->height == 6u);
  RC_ASSERT(report->txs == d.committed_txs());
}

// The case that halted a chain, kept as a plain regression test: twelve
// households each order once for one slot on chain id "x".
TEST(BlockRoundTrip, TwelveOrdersOnAOneCharacterChainIdCommit) {
  chain::Genesis g = market_genesis(kHouseholds, 1'000'000'000, 1'000'000'000);
  g.chain_id = "x";
  TempDir dir;
  std::vector<Tx> txs;
  for (int i = 0; i < kHouseholds; ++i)
    txs.push_back(Tx::make_signed("x", user_key(i), 0,
                                  order(kFirstSlot + 2, market::Side::kBuy, 1'000, 90'000)));
  const Bytes wire = [&] {
    chain::Block b;
    b.txs = txs;
    b.header.tx_count = static_cast<uint32_t>(txs.size());
    b.header.tx_root = chain::compute_tx_root(txs);
    return encode_to_bytes(b);
  }();
  ASSERT_TRUE(chain::decode_block(wire).is_ok()) << chain::decode_block(wire).status().to_string();
}

}  // namespace
}  // namespace wattle::node
