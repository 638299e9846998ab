// Decode once, hash once, at the application boundary: a follower that gets
// a block as bytes decodes it once (decode_block_hashed) and hands the
// decoded block, with the tx hashes its decode took from the bytes, to
// process_proposal, finalize_block and commit, which hash no tx again; here
// with market orders, whose id is their tx hash (the executor passes it to
// the rules), and transfers. The whole replica path (engine, BlockValues) is
// tests/node/replica_test.cpp's FollowerDecodesEachBlockOnceAndHashesEachTxOnce.
#include <gtest/gtest.h>

#include "chain/application.h"
#include "chain/decode_counters.h"
#include "market_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

TEST(DecodeOnce, AFollowerHashesEachOrderAndTransferOnce) {
  TempDir dir;
  const Genesis g = market_genesis(4, 3'000'000'000, 1'000'000'000);
  const uint64_t now = g.genesis_time_ms + 1;
  auto proposer = Application::open(g, Store::open(dir.sub("a")).value()).value();
  auto follower = Application::open(g, Store::open(dir.sub("b")).value()).value();
  std::vector<Tx> txs;
  for (int i = 0; i < 4; ++i) {
    PlaceOrder o;
    o.slot = kFirstSlot + 1;
    o.side = i % 2 ? Side::kSell : Side::kBuy;
    o.energy = Energy(1'000 + i);
    o.price = Price(100'000);
    txs.push_back(Tx::make_signed(g.chain_id, user_key(i), 0, o));
    txs.push_back(transfer_tx(user_key(i), 1, user_addr((i + 1) % 4), 50));
  }
  for (const Tx& tx : txs) ASSERT_TRUE(proposer->check_tx(encode_to_bytes(tx)).status.is_ok());
  auto p = proposer->prepare_proposal(1, now, user_key(0).public_key());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_EQ(p->block.txs.size(), txs.size());

  DecodeCounters& counters = decode_counters();
  const uint64_t decodes = counters.block_decodes.load();
  const uint64_t hashes = counters.tx_hashes.load();
  auto decoded = decode_block_hashed(p->bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  auto shared = std::make_shared<const DecodedBlock>(std::move(*decoded));
  ASSERT_TRUE(follower->process_proposal(shared, user_key(0).public_key()));
  ASSERT_TRUE(follower->finalize_block(shared, Bytes{}));
  auto info = follower->commit();
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(counters.block_decodes.load() - decodes, 1u);
  EXPECT_EQ(counters.tx_hashes.load() - hashes, txs.size());
  // Same block, same state, and the orders are stored under their tx hash.
  EXPECT_EQ(follower->head().hash(), p->id);
  EXPECT_EQ(info->tx_hashes, p->decoded->tx_hashes);
  for (size_t i = 0; i < txs.size(); ++i) EXPECT_EQ(info->tx_hashes[i], p->block.txs[i].hash());
  auto order = follower->committed_state().read(market_keys::order(txs[0].hash()));
  ASSERT_TRUE(order.is_ok());
  EXPECT_TRUE(order->has_value());
}

// A block built in memory (the Block overloads) is hashed where it enters,
// so a tampered tx is judged by its own bytes, never by a stale hash.
TEST(DecodeOnce, ABlockBuiltInMemoryIsHashedAsItIs) {
  TempDir dir;
  const Genesis g = make_genesis(3, 1'000'000);
  auto app = Application::open(g, Store::open(dir.sub("a")).value()).value();
  const Tx tx = transfer_tx(user_key(1), 0, user_addr(2), 10);
  ASSERT_TRUE(app->check_tx(encode_to_bytes(tx)).status.is_ok());
  auto p = app->prepare_proposal(1, g.genesis_time_ms + 1, user_key(0).public_key());
  ASSERT_TRUE(p.is_ok());
  Block forged = p->block;
  forged.txs[0].signature.bytes[3] ^= 1;
  forged.header.tx_root = compute_tx_root(forged.txs);
  // Its mempool holds the genuine tx: the forged one's hash differs, so its
  // signature is checked (and fails) rather than trusted.
  EXPECT_EQ(app->process_proposal(forged, user_key(0).public_key()).code(), Code::kBadSignature);
  EXPECT_EQ(hashed(forged).tx_hashes[0], forged.txs[0].hash());
}

}  // namespace
}  // namespace wattle::chain
