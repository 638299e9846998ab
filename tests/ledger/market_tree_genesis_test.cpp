// The [[markets]] tree in the genesis market section: its canonical encoding
// (absent when there is no tree, so older genesis hashes stay), its strict
// JSON form, and the trees it refuses with the market and key at fault
// (docs/market.md, "A hierarchy of markets").
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "market_test_util.h"

namespace wattle::chain::testing {
namespace {

std::string account(const std::string& label) {
  return Address::of(KeyPair::from_label(label).public_key()).to_string();
}

market::MarketNode node(const std::string& name, const std::string& parent, int64_t fee) {
  market::MarketNode n;
  n.name = name;
  n.parent = parent;
  n.mechanism = "uniform";
  n.params.values = {{"k", 500'000}};
  n.grid_fee = fee;
  n.fee_account = account("fee-" + name);
  return n;
}

// district <- street-a <- {house-1, house-2}; district <- street-b.
MarketParams three_levels() {
  MarketParams m = example_market();
  m.markets.nodes = {node("district", "", 0), node("street-a", "district", 5'000),
                     node("street-b", "district", 7'000), node("house-1", "street-a", 1'000),
                     node("house-2", "street-a", 2'000)};
  return m;
}

TEST(MarketTreeGenesis, NoTreeKeepsTheEncodingATreeIsATrailerThatRoundTrips) {
  const MarketParams flat = example_market();
  const Bytes plain = encode_to_bytes(flat);
  const MarketParams tree = three_levels();
  ASSERT_TRUE(validate(tree).is_ok()) << validate(tree).message();
  const Bytes with = encode_to_bytes(tree);
  ASSERT_GT(with.size(), plain.size());
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), with.begin()));
  EXPECT_EQ(with[plain.size()], 2);  // the markets trailer's tag
  EXPECT_EQ(decode_exact<MarketParams>(with).value(), tree);
  EXPECT_EQ(decode_exact<MarketParams>(plain).value(), flat);

  // With sealing values too: tag 1 then tag 2; both round trip.
  MarketParams both = tree;
  both.reveal_blocks = 4;
  EXPECT_EQ(decode_exact<MarketParams>(encode_to_bytes(both)).value(), both);

  // JSON: absent without a tree, round trips with one.
  EXPECT_FALSE(to_json(flat).contains("markets"));
  const nlohmann::json j = to_json(tree);
  ASSERT_EQ(j["markets"].size(), 5u);
  EXPECT_FALSE(j["markets"][0].contains("parent"));
  EXPECT_EQ(j["markets"][1]["parent"], "district");
  EXPECT_EQ(market_params_from_json(j).value(), tree);
}

TEST(MarketTreeGenesis, DecodeRefusesTrailersOutOfOrderEmptyOrUnknown) {
  const MarketParams flat = example_market();
  const Bytes tree_bytes = encode_to_bytes(three_levels());
  const Bytes plain = encode_to_bytes(flat);
  const Bytes markets_trailer(tree_bytes.begin() + plain.size(), tree_bytes.end());

  Writer swapped;  // markets (2) before sealing (1)
  encode(swapped, flat);
  swapped.raw(markets_trailer);
  swapped.u8(1);
  swapped.i64(7);
  swapped.u64(9);
  EXPECT_EQ(decode_exact<MarketParams>(swapped.data()).status().code(), Code::kMalformed);

  Writer twice;
  encode(twice, flat);
  twice.raw(markets_trailer);
  twice.raw(markets_trailer);
  EXPECT_EQ(decode_exact<MarketParams>(twice.data()).status().code(), Code::kMalformed);

  Writer empty;
  encode(empty, flat);
  empty.u8(2);
  empty.u32(0);
  EXPECT_EQ(decode_exact<MarketParams>(empty.data()).status().code(), Code::kMalformed);

  Writer unknown;
  encode(unknown, flat);
  unknown.u8(3);
  EXPECT_EQ(decode_exact<MarketParams>(unknown.data()).status().code(), Code::kMalformed);

  Writer huge;  // a count beyond kMaxMarkets is refused before any allocation
  encode(huge, flat);
  huge.u8(2);
  huge.u32(1'000'000);
  EXPECT_EQ(decode_exact<MarketParams>(huge.data()).status().code(), Code::kTooLarge);
}

struct BadTree {
  const char* what;
  std::function<void(nlohmann::json&)> spoil;
  uint32_t market;  // the entry the fault names
  std::string key;
};

TEST(MarketTreeGenesis, RefusesBadTreesNamingTheMarketAndKey) {
  const nlohmann::json good = to_json(three_levels());
  const std::vector<BadTree> cases = {
      {"cycle",
       [](nlohmann::json& j) {
         j["markets"][1]["parent"] = "house-1";  // street-a <- house-1 <- street-a
       },
       1, "parent"},
      {"two roots", [](nlohmann::json& j) { j["markets"][2].erase("parent"); }, 2, "parent"},
      {"unknown parent", [](nlohmann::json& j) { j["markets"][4]["parent"] = "street-z"; }, 4,
       "parent"},
      {"negative fee", [](nlohmann::json& j) { j["markets"][3]["grid_fee"] = -1; }, 3, "grid_fee"},
      {"repeated name", [](nlohmann::json& j) { j["markets"][4]["name"] = "house-1"; }, 4, "name"},
      {"unknown mechanism", [](nlohmann::json& j) { j["markets"][2]["mechanism"] = "nope"; }, 2,
       "mechanism"},
      {"bad params", [](nlohmann::json& j) { j["markets"][2]["params"]["k"] = 2'000'000; }, 2,
       "params"},
      {"bad fee account", [](nlohmann::json& j) { j["markets"][1]["fee_account"] = "wat1x"; }, 1,
       "fee_account"},
      {"missing fee account", [](nlohmann::json& j) { j["markets"][1].erase("fee_account"); }, 1,
       "fee_account"},
      {"unknown key", [](nlohmann::json& j) { j["markets"][0]["colour"] = "red"; }, 0, "colour"},
      {"string fee", [](nlohmann::json& j) { j["markets"][0]["grid_fee"] = "5"; }, 0, "grid_fee"},
  };
  for (const BadTree& c : cases) {
    nlohmann::json j = good;
    c.spoil(j);
    market::TreeFault fault{UINT32_MAX, ""};
    auto r = market_params_from_json(j, &fault);
    ASSERT_FALSE(r.is_ok()) << c.what;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.what;
    EXPECT_EQ(fault.market, c.market) << c.what << ": " << r.status().message();
    EXPECT_EQ(fault.key, c.key) << c.what << ": " << r.status().message();
    EXPECT_NE(r.status().message().find("\"" + c.key + "\""), std::string::npos)
        << c.what << ": " << r.status().message();
  }
  nlohmann::json none = good;
  none["markets"] = nlohmann::json::array();
  auto r = market_params_from_json(none);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("\"markets\""), std::string::npos);
}

}  // namespace
}  // namespace wattle::chain::testing
