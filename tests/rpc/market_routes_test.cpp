// The market routes over real HTTP against the fake chain: each
// good case, and each bad input with its stable code.
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

class MarketRoutesTest : public ServerTest {
 protected:
  void SetUp() override { start(); }
};

TEST_F(MarketRoutesTest, AChainWithoutAMarketSaysSo) {
  const std::string account = "/v1/accounts/" + alice_addr_.to_string();
  for (const std::string& path : std::vector<std::string>{
           "/v1/market/params", "/v1/market/slots/7", account + "/orders", account + "/bills/7"}) {
    Reply r = call("GET", path);
    EXPECT_EQ(r.status, 404u) << path;
    EXPECT_EQ(r.body["code"], "no_market") << path;
  }
}

TEST_F(MarketRoutesTest, ParamsSlotOrdersAndBillAreServed) {
  const json params = {{"mechanism", "uniform"}, {"slot_seconds", 900}};
  chain_.set_market(params);
  Reply p = call("GET", "/v1/market/params");
  ASSERT_EQ(p.status, 200u) << p.raw.body;
  EXPECT_EQ(p.body, params);

  const json slot = {{"slot", 1964321},
                     {"status", "closed"},
                     {"orders", json::array()},
                     {"clearing_price", 90000},
                     {"trades", json::array()}};
  chain_.set_slot(1964321, slot);
  Reply s = call("GET", "/v1/market/slots/1964321");
  ASSERT_EQ(s.status, 200u);
  for (const auto& [key, value] : slot.items()) EXPECT_EQ(s.body[key], value) << key;
  EXPECT_EQ(s.body["order_count"], 0);  // and the page's own fields (slot_pages_test.cpp)
  EXPECT_TRUE(s.body["next_page"].is_null());

  Reply o = call("GET", "/v1/accounts/" + alice_addr_.to_string() + "/orders");
  ASSERT_EQ(o.status, 200u);
  EXPECT_EQ(o.body["address"], alice_addr_.to_string());

  const std::string bill_path = "/v1/accounts/" + alice_addr_.to_string() + "/bills/1964321";
  Reply none = call("GET", bill_path);
  EXPECT_EQ(none.status, 404u);
  EXPECT_EQ(none.body["code"], "not_found");
  const json bill = {{"net", -5}, {"reading", "missing"}};
  chain_.set_bill(alice_addr_, 1964321, bill);
  Reply b = call("GET", bill_path);
  ASSERT_EQ(b.status, 200u);
  EXPECT_EQ(b.body, bill);
}

TEST_F(MarketRoutesTest, BadSlotAddressAndMethodAreRefused) {
  chain_.set_market(json::object());
  for (const std::string bad :
       std::vector<std::string>{"abc", "-1", "01", "1.5", "", "99999999999999999999999", "7/x"}) {
    // An empty or multi-segment slot matches no route template: 404.
    const bool no_route = bad.empty() || bad == "7/x";
    Reply r = call("GET", "/v1/market/slots/" + bad);
    EXPECT_EQ(r.status, no_route ? 404u : 400u) << bad;
    EXPECT_EQ(r.body["code"], no_route ? "not_found" : "invalid_slot") << bad;
    Reply b = call("GET", "/v1/accounts/" + alice_addr_.to_string() + "/bills/" + bad);
    EXPECT_EQ(b.status, no_route ? 404u : 400u) << bad;
  }
  Reply addr = call("GET", "/v1/accounts/wat1notanaddress/orders");
  EXPECT_EQ(addr.status, 400u);
  EXPECT_EQ(addr.body["code"], "invalid_address");
  Reply post = call("POST", "/v1/market/params", "{}");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.raw.header("Allow"), "GET");
}

TEST_F(MarketRoutesTest, MarketTxsShowTheirFields) {
  chain::Tx tx = chain::Tx::make_signed(
      kTestChain, alice_, 0,
      chain::PlaceOrder{1964321, market::Side::kSell, Energy(1200), Price(90000)});
  Reply r = call("POST", "/v1/txs", json{{"tx", tx_hex(tx)}}.dump());
  ASSERT_EQ(r.status, 200u) << r.raw.body;
  Reply got = call("GET", "/v1/txs/" + tx.hash().hex());
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.body["tx"]["type"], "order");
  EXPECT_EQ(got.body["tx"]["side"], "sell");
  EXPECT_EQ(got.body["tx"]["energy_wh"], 1200);
  EXPECT_EQ(got.body["tx"]["slot"], 1964321);
}

}  // namespace
}  // namespace wattle::rpc::testing
