// Golden vectors for the dashboard's TypeScript codec (web/src/codec.ts,
// docs/dashboard.md): keys and Bech32m addresses, every tx kind's signing
// bytes, encoding, signature and hash, a block header's hash and its
// single-validator commit certificate, and account proofs of presence and
// absence. The C++ code below computes them; the committed file
// web/test/golden/vectors.json must equal what it computes, and the web unit
// tests (npm test in web/) check the TypeScript side against the same file,
// so the two codecs cannot drift apart.
//
// Regenerate after a deliberate encoding change:
//   WATTLE_WRITE_WEB_GOLDEN=1 ./build/release/node_tests --gtest_filter='WebGolden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chain/account.h"
#include "chain/block.h"
#include "chain/state.h"
#include "chain/state_tree.h"
#include "chain/tx.h"
#include "consensus/single_engine.h"
#include "rpc/json_view.h"

namespace wattle {
namespace {

using nlohmann::json;

const char* kGoldenPath = WATTLE_SOURCE_DIR "/web/test/golden/vectors.json";

KeyPair key(uint8_t fill) {
  std::array<uint8_t, 32> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(fill + 7 * i);
  return KeyPair::from_seed(seed);
}

Hash256 hash_of(std::string_view label) {
  return blake2b256(as_bytes(label));
}

json tx_vector(const std::string& chain_id, const KeyPair& k, uint64_t nonce,
               chain::Payload payload, json fields) {
  const chain::Tx tx = chain::Tx::make_signed(chain_id, k, nonce, std::move(payload));
  return {{"seed", to_hex(k.seed())},
          {"chain_id", chain_id},
          {"nonce", nonce},
          {"payload", std::move(fields)},
          {"signing_bytes", to_hex(tx.signing_bytes())},
          {"signature", to_hex(tx.signature.bytes)},
          {"tx", to_hex(encode_to_bytes(tx))},
          {"hash", tx.hash().hex()}};
}

json tx_vectors() {
  const KeyPair a = key(1), b = key(2);
  const Address to = Address::of(b.public_key());
  json out = json::array();
  out.push_back(tx_vector("wattle-devnet", a, 0, chain::Transfer{to, Money(250)},
                          {{"type", "transfer"}, {"to", to.to_string()}, {"amount", 250}}));
  out.push_back(
      tx_vector("wattle-devnet", a, 7,
                chain::PlaceOrder{1'964'321, market::Side::kBuy, Energy(1'500), Price(123'456)},
                {{"type", "order"},
                 {"slot", 1'964'321},
                 {"side", "buy"},
                 {"energy_wh", 1'500},
                 {"price", 123'456}}));
  out.push_back(tx_vector("c", b, 4'294'967'296,
                          chain::PlaceOrder{UINT64_MAX, market::Side::kSell, Energy(1'000'000'000),
                                            Price(1'000'000'000'000)},
                          {{"type", "order"},
                           {"slot", UINT64_MAX},
                           {"side", "sell"},
                           {"energy_wh", 1'000'000'000},
                           {"price", 1'000'000'000'000}}));
  const Hash256 order = hash_of("an order");
  out.push_back(tx_vector("wattle-devnet", a, 8, chain::CancelOrder{order},
                          {{"type", "cancel"}, {"order", order.hex()}}));
  out.push_back(tx_vector(
      "wattle-devnet", b, 1, chain::RegisterMeter{a.public_key(), to},
      {{"type", "register_meter"}, {"meter", a.public_key().hex()}, {"account", to.to_string()}}));
  out.push_back(
      tx_vector("wattle-devnet", b, 2, chain::MeterReading{42, Energy(9), Energy(0)},
                {{"type", "meter_reading"}, {"slot", 42}, {"import_wh", 9}, {"export_wh", 0}}));
  return out;
}

json key_vectors() {
  json out = json::array();
  for (uint8_t fill : {0, 1, 2, 200}) {
    const KeyPair k = key(fill);
    out.push_back({{"seed", to_hex(k.seed())},
                   {"public_key", k.public_key().hex()},
                   {"address", Address::of(k.public_key()).to_string()}});
  }
  return out;
}

json header_vector() {
  const KeyPair v = key(3);
  chain::BlockHeader h;
  h.height = 77;
  h.prev_hash = hash_of("prev");
  h.proposer = v.public_key();
  h.time_ms = 1'765'000'000'123;
  h.tx_root = hash_of("txs");
  h.evidence_root = Hash256{};
  h.state_root = hash_of("state");
  h.tx_count = 3;
  // The parent's certificate as a block carries it (opaque to the codec).
  const Bytes last_commit = encode_to_bytes(hash_of("the parent's certificate"));
  h.last_commit_hash = chain::compute_last_commit_hash(last_commit);
  const std::string chain_id = "wattle-devnet";
  const Signature cert =
      v.sign(consensus::SingleEngine::certificate_message(chain_id, h.height, h.hash()));
  // The header exactly as GET /v1/blocks/{height} serves it, plus the chain
  // id the certificate is signed for.
  chain::Block b;
  b.header = h;
  b.last_commit = last_commit;
  b.certificate.assign(cert.bytes.begin(), cert.bytes.end());
  json j = rpc::block_header_json(b);
  j["chain_id"] = chain_id;
  return j;
}

// A state tree of five accounts; proofs for one of them and for an address
// that holds nothing, in the API's shape (GET /v1/accounts/{addr}?prove=true).
json proof_vectors() {
  chain::MapNodes nodes;
  chain::TreeChanges changes;
  std::vector<std::pair<Address, chain::Account>> accounts;
  for (uint8_t i = 0; i < 5; ++i) {
    const Address a = Address::of(key(10 + i).public_key());
    const chain::Account acct{Money(1'000'000 * (i + 1)), i};
    accounts.emplace_back(a, acct);
    changes[chain::StateKey::account(a).path()] = blake2b256(encode_to_bytes(acct));
  }
  auto up = chain::update_tree(nodes, Hash256{}, changes);
  EXPECT_TRUE(up.is_ok());
  nodes.nodes = up->added;
  json out = json::array();
  auto add = [&](const Address& a, std::optional<chain::Account> acct) {
    const Hash256 path = chain::StateKey::account(a).path();
    auto proof = chain::prove(nodes, up->root, path);
    EXPECT_TRUE(proof.is_ok());
    out.push_back({{"address", a.to_string()},
                   {"exists", acct.has_value()},
                   {"balance", acct ? acct->balance.value() : 0},
                   {"nonce", acct ? acct->nonce : 0},
                   {"proof",
                    {{"state_root", up->root.hex()},
                     {"key", path.hex()},
                     {"proof", to_hex(encode_to_bytes(*proof))}}}});
  };
  add(accounts[2].first, accounts[2].second);
  add(Address::of(key(99).public_key()), std::nullopt);
  return out;
}

json golden() {
  return {{"keys", key_vectors()},
          {"txs", tx_vectors()},
          {"header", header_vector()},
          {"proofs", proof_vectors()}};
}

TEST(WebGolden, CommittedVectorsEqualWhatTheCppCodecComputes) {
  crypto_init();
  const json want = golden();
  if (std::getenv("WATTLE_WRITE_WEB_GOLDEN")) {
    std::ofstream(kGoldenPath) << want.dump(2) << "\n";
    GTEST_SKIP() << "wrote " << kGoldenPath;
  }
  std::ifstream in(kGoldenPath);
  ASSERT_TRUE(in) << kGoldenPath << " is missing";
  std::stringstream text;
  text << in.rdbuf();
  const json have = json::parse(text.str());
  EXPECT_EQ(have, want) << kGoldenPath
                        << " differs from the C++ codec; after a deliberate encoding change run "
                           "WATTLE_WRITE_WEB_GOLDEN=1 node_tests --gtest_filter='WebGolden*' "
                           "and re-run the web tests";
}

}  // namespace
}  // namespace wattle
