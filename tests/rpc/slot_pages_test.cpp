// GET /v1/market/slots/{slot} in pages (rpc/slot_pages.h): a summary and one
// page of the book and the trades, never the whole slot; the page charged
// to the client's query budget by its size; slots whose times would wrap
// refused.
#include "modules/energy/market_params.h"
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

json big_slot(uint64_t slot, size_t orders, size_t trades) {
  json j = {{"slot", slot},
            {"status", "closed"},
            {"gate_ms", 1},
            {"settle_ms", 2},
            {"clearing_price", 90'000},
            {"surplus", 5},
            {"orders", json::array()},
            {"trades", json::array()}};
  for (size_t i = 0; i < orders; ++i) j["orders"].push_back({{"id", std::to_string(i)}});
  for (size_t i = 0; i < trades; ++i)
    j["trades"].push_back({{"buy", std::to_string(i)}, {"energy_wh", 10}});
  return j;
}

class SlotPagesTest : public ServerTest {
 protected:
  void start_market(HttpServerConfig config = {}) {
    chain_.set_market(modules::to_json(modules::MarketParams{}));
    start(config);
  }
};

// Before: the whole book and every trade in one answer (20,000 orders: 4.6 MB).
TEST_F(SlotPagesTest, SlotIsServedAsASummaryAndPagesOfBookAndTrades) {
  const json full = big_slot(7, 250, 120);
  chain_.set_slot(7, full);
  start_market();
  Reply first = call("GET", "/v1/market/slots/7");
  ASSERT_EQ(first.status, 200u) << first.raw.body;
  for (const char* kept : {"slot", "status", "gate_ms", "settle_ms", "clearing_price", "surplus"})
    EXPECT_EQ(first.body[kept], full[kept]) << kept;
  EXPECT_EQ(first.body["order_count"], 250);
  EXPECT_EQ(first.body["trade_count"], 120);
  EXPECT_EQ(first.body["traded_wh"], 1200);
  EXPECT_EQ(first.body["orders"].size(), 100u);
  EXPECT_EQ(first.body["trades"].size(), 100u);
  EXPECT_EQ(first.body["page"], 0);
  EXPECT_EQ(first.body["limit"], 100);
  EXPECT_EQ(first.body["next_page"], 1);

  // Following next_page gives back every entry once, in order.
  json orders = json::array(), trades = json::array();
  for (json page = 0; !page.is_null();) {
    Reply r = call("GET", "/v1/market/slots/7?limit=40&page=" + page.dump());
    ASSERT_EQ(r.status, 200u) << r.raw.body;
    for (const json& o : r.body["orders"]) orders.push_back(o);
    for (const json& t : r.body["trades"]) trades.push_back(t);
    page = r.body["next_page"];
  }
  EXPECT_EQ(orders, full["orders"]);
  EXPECT_EQ(trades, full["trades"]);
  Reply all = call("GET", "/v1/market/slots/7?limit=1000");
  EXPECT_EQ(all.body["orders"], full["orders"]);
  EXPECT_TRUE(all.body["next_page"].is_null());

  for (std::string q : {"limit=0", "limit=1001", "page=-1", "page=x", "view=full", "page=1&page=1"})
    expect_error(call("GET", "/v1/market/slots/7?" + q), 400, "invalid_argument");
}

// Before: a client could ask for a huge slot as fast as it liked.
TEST_F(SlotPagesTest, BigSlotPagesCostTheClientsQueryBudget) {
  chain_.set_slot(8, big_slot(8, 3'000, 0));
  HttpServerConfig config;
  config.query_rate = RateLimit{1, 10, 64};  // 10 units, refilled at 1/s
  start_market(config);
  // Building the view costs 1 + 3000/100 units: more than the whole bucket,
  // so it takes a full bucket; the next costly request finds it empty.
  EXPECT_EQ(call("GET", "/v1/market/slots/8").status, 200u);
  expect_error(call("GET", "/v1/market/slots/8?limit=1000"), 429, "rate_limited");
  EXPECT_EQ(call("GET", "/v1/status").status, 200u);  // other routes are not charged
}

// Before: slot 2^64-1 answered with gate and settlement times that wrapped.
TEST_F(SlotPagesTest, SlotsWhoseTimesWouldWrapAreRefused) {
  start_market();
  const uint64_t last = modules::MarketParams{}.max_slot();
  const std::string account = "/v1/accounts/" + alice_addr_.to_string();
  for (uint64_t slot : {last + 1, UINT64_MAX}) {
    expect_error(call("GET", "/v1/market/slots/" + std::to_string(slot)), 400, "invalid_slot");
    expect_error(call("GET", account + "/bills/" + std::to_string(slot)), 400, "invalid_slot");
  }
  EXPECT_EQ(call("GET", "/v1/market/slots/" + std::to_string(last)).status, 200u);
}

}  // namespace
}  // namespace wattle::rpc::testing
