// The seed corpus of the tx/block fuzz target (tests/fuzz/corpus/tx_block):
// small, valid, canonical encodings generated here, so the committed files
// can be checked and regenerated:
//   WATTLE_WRITE_FUZZ_CORPUS=1 ./ledger_tests --gtest_filter='FuzzCorpus.*'
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "ledger_test_util.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using testing::kChain;
using testing::make_genesis;
using testing::TestChain;
using testing::transfer_tx;
using testing::user_addr;
using testing::user_key;

namespace fs = std::filesystem;

fs::path corpus_dir() {
  return fs::path(WATTLE_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / "tx_block";
}

std::map<std::string, Bytes> seeds() {
  std::map<std::string, Bytes> out;
  out["tx_transfer"] = encode_to_bytes(transfer_tx(user_key(1), 0, user_addr(2), 1'000));
  out["tx_long_chain_id"] = encode_to_bytes(
      transfer_tx(user_key(2), UINT64_MAX, user_addr(1), INT64_MAX, std::string(64, 'w')));
  out["tx_empty_chain_id_negative_amount"] =
      encode_to_bytes(transfer_tx(user_key(3), 5, user_addr(3), -1, ""));
  // One seed per market tx kind, so the fuzzer starts inside each decoder.
  auto market_tx = [](Payload p) {
    return encode_to_bytes(Tx::make_signed(std::string(kChain), user_key(1), 1, std::move(p)));
  };
  out["tx_place_order"] =
      market_tx(PlaceOrder{1'964'321, market::Side::kSell, Energy(1'200), Price(90'000)});
  out["tx_cancel_order"] = market_tx(CancelOrder{blake2b256(as_bytes("order"))});
  out["tx_register_meter"] = market_tx(RegisterMeter{user_key(4).public_key(), user_addr(2)});
  out["tx_meter_reading"] = market_tx(MeterReading{1'964'321, Energy(5'300), Energy(14'100)});
  Genesis g = make_genesis(3, 1'000'000);
  out["block_genesis"] = encode_to_bytes(g.block());
  TestChain chain(g);
  auto b1 = chain.next_block({transfer_tx(user_key(1), 0, user_addr(2), 10)});
  EXPECT_TRUE(b1.is_ok());
  out["block_one_tx"] = encode_to_bytes(*b1);
  auto b3 = chain.next_block({transfer_tx(user_key(0), 0, user_addr(1), 1),
                              transfer_tx(user_key(1), 0, user_addr(2), 2),
                              transfer_tx(user_key(2), 0, user_addr(0), 3)});
  EXPECT_TRUE(b3.is_ok());
  b3->certificate = Bytes{0xc0, 0xff, 0xee, 0x00};
  out["block_three_txs_certificate"] = encode_to_bytes(*b3);
  // The evidence section (opaque items to the decoder; ledger/evidence.h).
  Block with_evidence = *b1;
  with_evidence.evidence = {Bytes(230, 0x5a), Bytes{1, 2, 3}};
  with_evidence.header.evidence_root = compute_evidence_root(with_evidence.evidence);
  out["block_with_evidence"] = encode_to_bytes(with_evidence);
  // The parent's certificate, hashed into the header (opaque to the decoder).
  Block with_last_commit = *b1;
  with_last_commit.last_commit = Bytes(180, 0x3c);
  with_last_commit.header.last_commit_hash = compute_last_commit_hash(with_last_commit.last_commit);
  out["block_with_last_commit"] = encode_to_bytes(with_last_commit);
  // Many of the smallest txs on the shortest chain ids: the tx-count bound of
  // the block decoder once counted these as truncated (docs/ledger.md, "Codec").
  auto many = [](std::string chain, int n, auto payload_of) {
    Block b;
    for (int i = 0; i < n; ++i)
      b.txs.push_back(
          Tx::make_signed(chain, user_key(i % 4), static_cast<uint64_t>(i / 4), payload_of(i)));
    b.header.height = 1;
    b.header.tx_count = static_cast<uint32_t>(b.txs.size());
    b.header.tx_root = compute_tx_root(b.txs);
    return encode_to_bytes(b);
  };
  out["block_12_orders_chain_x"] = many("x", 12, [](int i) -> Payload {
    return PlaceOrder{1'964'321, i % 2 ? market::Side::kSell : market::Side::kBuy, Energy(100 + i),
                      Price(90'000)};
  });
  out["block_40_readings_chain_ab"] = many("ab", 40, [](int i) -> Payload {
    return MeterReading{1'964'321 + static_cast<uint64_t>(i), Energy(i), Energy(2 * i)};
  });
  out["block_300_mixed_chain_abc"] = many("abc", 300, [](int i) -> Payload {
    switch (i % 5) {
      case 0:
        return Transfer{user_addr(i % 3), Money(i + 1)};
      case 1:
        return PlaceOrder{1'964'322, market::Side::kBuy, Energy(i), Price(i)};
      case 2:
        return CancelOrder{blake2b256(as_bytes(std::to_string(i)))};
      case 3:
        return RegisterMeter{user_key(i).public_key(), user_addr(i % 3)};
      default:
        return MeterReading{1'964'321, Energy(i), Energy(0)};
    }
  });
  return out;
}

// Canonical: it decodes as a tx or a block and re-encodes to the same bytes.
bool decodes_canonically(const Bytes& b) {
  if (auto tx = decode_tx(b)) return encode_to_bytes(*tx) == b;
  if (auto block = decode_block(b)) return encode_to_bytes(*block) == b;
  return false;
}

TEST(FuzzCorpus, SeedsAreValidCanonicalEncodings) {
  for (const auto& [name, bytes] : seeds()) EXPECT_TRUE(decodes_canonically(bytes)) << name;
  EXPECT_TRUE(decode_tx(seeds()["tx_transfer"]).value().signature_valid());
}

TEST(FuzzCorpus, CommittedCorpusMatchesTheSeeds) {
  const fs::path dir = corpus_dir();
  if (std::getenv("WATTLE_WRITE_FUZZ_CORPUS") != nullptr) {
    fs::create_directories(dir);
    for (const auto& [name, bytes] : seeds()) {
      std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
      ASSERT_TRUE(f.good()) << (dir / name);
    }
  }
  ASSERT_TRUE(fs::is_directory(dir))
      << dir << " missing; regenerate with WATTLE_WRITE_FUZZ_CORPUS=1";
  for (const auto& [name, bytes] : seeds()) {
    std::ifstream f(dir / name, std::ios::binary);
    ASSERT_TRUE(f.good()) << (dir / name) << " missing";
    Bytes on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(on_disk, bytes) << name << " is stale; regenerate with WATTLE_WRITE_FUZZ_CORPUS=1";
  }
}

}  // namespace
}  // namespace wattle::chain
