// Households in the leaves of a market tree (docs/market.md, "A hierarchy of
// markets"): register-meter --market NAME (kind 50) places the household in a
// leaf; a non-leaf, an unknown name or a chain without a tree is refused with
// a stable code and the state unchanged; without a name, the only leaf.
#include <gtest/gtest.h>

#include "market_test_util.h"
#include "modules/energy/market_membership.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using namespace testing;

market::MarketNode node(const std::string& name, const std::string& parent) {
  market::MarketNode n;
  n.name = name;
  n.parent = parent;
  n.grid_fee = 1'000;
  n.fee_account = Address::of(KeyPair::from_label("fee-" + name).public_key()).to_string();
  return n;
}

MarketParams with_tree(std::vector<market::MarketNode> nodes) {
  MarketParams m = example_market();
  m.markets.nodes = std::move(nodes);
  return m;
}

Payload in_market(int meter, int user, const std::string& market) {
  return to_module_tx(
      RegisterMeterInMarket{meter_key(meter).public_key(), user_addr(user), market});
}

TEST(MarketMembership, BodyRoundTripsAndRefusesBadBytes) {
  const RegisterMeterInMarket r{meter_key(1).public_key(), user_addr(2), "street-a"};
  EXPECT_EQ(decode_register_meter_in_market(to_module_tx(r).body).value(), r);
  Bytes longer = to_module_tx(r).body;
  longer.push_back(0);
  EXPECT_EQ(decode_register_meter_in_market(longer).status().code(), Code::kMalformed);
  Bytes shorter = to_module_tx(r).body;
  shorter.pop_back();
  EXPECT_FALSE(decode_register_meter_in_market(shorter).is_ok());
  const RegisterMeterInMarket unnamed{meter_key(1).public_key(), user_addr(2), ""};
  EXPECT_EQ(decode_register_meter_in_market(to_module_tx(unnamed).body).status().code(),
            Code::kMalformed);
}

TEST(MarketMembership, ALeafTakesTheHouseholdOthersAreRefusedUnchanged) {
  // district <- {street-a, street-b}
  MarketChain chain(market_genesis(4, 50'000'000, 50'000'000,
                                   with_tree({node("district", ""), node("street-a", "district"),
                                              node("street-b", "district")})));
  const KeyPair op = operator_key();
  const uint64_t t = chain.head().time_ms + 1;
  struct Bad {
    std::string market;
    Code code;
  };
  for (const Bad& b : {Bad{"district", Code::kInvalidArgument},  // not a leaf
                       Bad{"street-z", Code::kInvalidArgument}}) {
    bool untouched = false;
    Status st = chain.try_tx(chain.sign(op, in_market(0, 0, b.market)), t, &untouched);
    EXPECT_EQ(st.code(), b.code) << b.market << ": " << st.to_string();
    EXPECT_TRUE(untouched) << b.market;
  }
  // Only the operator registers; a plain RegisterMeter must name a leaf here.
  bool untouched = false;
  EXPECT_EQ(
      chain.try_tx(chain.sign(user_key(1), in_market(0, 0, "street-a")), t, &untouched).code(),
      Code::kUnauthorized);
  EXPECT_TRUE(untouched);
  EXPECT_EQ(chain
                .try_tx(chain.sign(op, RegisterMeter{meter_key(0).public_key(), user_addr(0)}), t,
                        &untouched)
                .code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(untouched);

  chain.ok(
      {chain.sign(op, in_market(0, 0, "street-b")), chain.sign(op, in_market(1, 1, "street-a"))},
      t);
  const MarketParams& m = chain.market();
  EXPECT_EQ(market_of(chain.state(), m, user_addr(0)).value(), std::optional<uint32_t>(2));
  EXPECT_EQ(market_of(chain.state(), m, user_addr(1)).value(), std::optional<uint32_t>(1));
  EXPECT_EQ(market_of(chain.state(), m, user_addr(2)).value(), std::nullopt);  // never placed
  EXPECT_TRUE(chain.market_account(user_addr(0)).meter.has_value());
  // The same meter or household twice: RegisterMeter's own kDuplicate.
  EXPECT_EQ(chain.try_tx(chain.sign(op, in_market(0, 2, "street-a")), t + 1).code(),
            Code::kDuplicate);
  EXPECT_EQ(chain.try_tx(chain.sign(op, in_market(3, 0, "street-a")), t + 1).code(),
            Code::kDuplicate);
}

TEST(MarketMembership, WithoutANameTheOnlyLeafOnAFlatChainNoneAndKind50IsRefused) {
  // district <- street-a: one leaf, so a plain RegisterMeter places there.
  MarketChain tree(market_genesis(2, 50'000'000, 50'000'000,
                                  with_tree({node("district", ""), node("street-a", "district")})));
  const uint64_t t = tree.head().time_ms + 1;
  tree.ok({tree.sign(operator_key(), RegisterMeter{meter_key(0).public_key(), user_addr(0)})}, t);
  EXPECT_EQ(market_of(tree.state(), tree.market(), user_addr(0)).value(),
            std::optional<uint32_t>(1));

  MarketChain flat(market_genesis(2, 50'000'000, 50'000'000));
  bool untouched = false;
  EXPECT_EQ(flat.try_tx(flat.sign(operator_key(), in_market(0, 0, "street-a")),
                        flat.head().time_ms + 1, &untouched)
                .code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(untouched);
  flat.ok({flat.sign(operator_key(), RegisterMeter{meter_key(0).public_key(), user_addr(0)})},
          flat.head().time_ms + 1);
  EXPECT_EQ(market_of(flat.state(), flat.market(), user_addr(0)).value(), std::nullopt);
}

}  // namespace
}  // namespace wattle::chain
