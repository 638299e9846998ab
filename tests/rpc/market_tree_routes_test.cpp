// The market routes on a chain whose genesis declares a market tree
// (docs/market.md, "Clearing through the market tree"), over real HTTP
// against the fake chain with views made by the real serialisers: the slot
// view lists the levels and each trade's market and fees; ?market=NAME shows
// one level; an unknown name, or a name on a flat market, is 404
// unknown_market; bills list grid_fees by level name.
#include "rpc/market_json.h"
#include "rpc_test_util.h"

namespace wattle::rpc::testing {
namespace {

using modules::BookEntry;
using modules::LevelFeeRecord;
using modules::MarketParams;
using modules::SlotLevel;
using modules::SlotRecord;
using modules::SlotStatus;
using modules::SlotTrade;

market::MarketNode node(const std::string& name, const std::string& parent, const Address& fee) {
  market::MarketNode n;
  n.name = name;
  n.parent = parent;
  n.grid_fee = 1'000;
  n.fee_account = fee.to_string();
  return n;
}

class MarketTreeRoutes : public ServerTest {
 protected:
  void SetUp() override {
    start();
    m_.operator_account = alice_addr_;
    m_.tax_account = bob_addr_;
    // district (0) <- street-a (1) <- house-1 (3); district <- street-b (2)
    m_.markets.nodes = {node("district", "", bob_addr_), node("street-a", "district", bob_addr_),
                        node("street-b", "district", bob_addr_),
                        node("house-1", "street-a", bob_addr_)};
    ASSERT_TRUE(modules::validate(m_).is_ok());
    chain_.set_market(modules::to_json(m_));
    // Alice (house-1) sells, bob (street-b) and carol (street-a) buy. Two
    // trades: one in house-1 with the grid (as mmr makes), one at the root
    // crossing street-b (buyer side), house-1 and street-a (seller side).
    SlotRecord rec;
    rec.status = SlotStatus::kClosed;
    rec.book = {BookEntry{Hash256{}, alice_addr_, market::Side::kSell, Energy(1000), Price(100'000),
                          1, 0, Money(0), Energy(800), Money(90'000)},
                BookEntry{Hash256{}, bob_addr_, market::Side::kBuy, Energy(500), Price(150'000), 1,
                          1, Money(80'000), Energy(500), Money(62'500)},
                BookEntry{Hash256{}, carol_, market::Side::kBuy, Energy(300), Price(90'000), 1, 2,
                          Money(0), Energy(0), Money(0)}};
    rec.trades = {SlotTrade{market::kGrid, 0, Energy(300), Price(90'000), Price(90'000), 3, {}},
                  SlotTrade{1,
                            0,
                            Energy(500),
                            Price(125'000),
                            Price(125'000),
                            0,
                            {{2, Money(500)}, {3, Money(500)}, {1, Money(500)}}}};
    rec.clearing_price = Price(125'000);
    rec.levels = {
        SlotLevel{Price(125'000), Energy(1200), Energy(500), Energy(0), Money(0), Money(0)},
        SlotLevel{std::nullopt, Energy(1000), Energy(0), Energy(700), Money(0), Money(0)},
        SlotLevel{std::nullopt, Energy(500), Energy(0), Energy(500), Money(0), Money(0)},
        SlotLevel{Price(90'000), Energy(1000), Energy(300), Energy(700), Money(0), Money(0)}};
    chain_.set_slot(kSlot,
                    slot_json(m_, kSlot, SlotStatus::kClosed, rec, {}, std::nullopt, {3u, 2u, 1u}));
  }
  static constexpr uint64_t kSlot = 1'964'321;
  const Address carol_ = Address::of(KeyPair::from_label("tree-route-carol").public_key());
  MarketParams m_;
};

TEST_F(MarketTreeRoutes, TheSlotListsEveryLevelAndEachTradesMarketAndFees) {
  Reply r = call("GET", "/v1/market/slots/" + std::to_string(kSlot));
  ASSERT_EQ(r.status, 200u) << r.raw.body;
  ASSERT_EQ(r.body["levels"].size(), 4u);
  EXPECT_EQ(r.body["levels"][0]["market"], "district");
  EXPECT_TRUE(r.body["levels"][0]["parent"].is_null());
  EXPECT_EQ(r.body["levels"][0]["clearing_price"], 125'000);
  EXPECT_EQ(r.body["levels"][1]["passed_up_wh"], 700);
  EXPECT_EQ(r.body["levels"][3]["traded_wh"], 300);
  // fees per level, summed from the trades
  EXPECT_EQ(r.body["levels"][1]["fees"], 500);
  EXPECT_EQ(r.body["levels"][0]["fees"], 0);
  ASSERT_EQ(r.body["trades"].size(), 2u);
  EXPECT_EQ(r.body["trades"][1]["market"], "district");
  EXPECT_EQ(r.body["trades"][1]["grid_fees"],
            json::parse(R"([{"market":"street-b","amount":500},{"market":"house-1","amount":500},
                            {"market":"street-a","amount":500}])"));
  EXPECT_EQ(r.body["orders"][0]["market"], "house-1");
  EXPECT_EQ(r.body["orders"][1]["market"], "street-b");
}

TEST_F(MarketTreeRoutes, OneLevelShowsItsSubtreesOrdersItsTradesAndPrice) {
  const std::string base = "/v1/market/slots/" + std::to_string(kSlot);
  Reply a = call("GET", base + "?market=street-a");
  ASSERT_EQ(a.status, 200u) << a.raw.body;
  EXPECT_EQ(a.body["market"], "street-a");
  EXPECT_TRUE(a.body["clearing_price"].is_null());
  EXPECT_EQ(a.body["trade_count"], 0);  // street-a matched nothing
  // house-1 (alice) and street-a (carol) are in its subtree; street-b is not.
  ASSERT_EQ(a.body["order_count"], 2);
  EXPECT_EQ(a.body["orders"][0]["owner"], alice_addr_.to_string());
  EXPECT_EQ(a.body["orders"][1]["owner"], carol_.to_string());
  EXPECT_EQ(a.body["level"]["passed_up_wh"], 700);

  Reply root = call("GET", base + "?market=district&limit=1");
  ASSERT_EQ(root.status, 200u) << root.raw.body;
  EXPECT_EQ(root.body["clearing_price"], 125'000);
  EXPECT_EQ(root.body["trade_count"], 1);
  EXPECT_EQ(root.body["order_count"], 3);
  EXPECT_EQ(root.body["traded_wh"], 500);
  EXPECT_EQ(root.body["next_page"], 1);  // paged as the whole slot is

  Reply leaf = call("GET", base + "?market=house-1");
  ASSERT_EQ(leaf.status, 200u);
  EXPECT_EQ(leaf.body["clearing_price"], 90'000);
  EXPECT_EQ(leaf.body["trades"][0]["buy"], "grid");
}

TEST_F(MarketTreeRoutes, AnUnknownMarketIs404UnknownMarketAndARepeatedOne400) {
  const std::string base = "/v1/market/slots/" + std::to_string(kSlot);
  for (const std::string q : {"?market=nowhere", "?market=", "?market=District"}) {
    Reply r = call("GET", base + q);
    EXPECT_EQ(r.status, 404u) << q;
    EXPECT_EQ(r.body["code"], "unknown_market") << q;
  }
  Reply twice = call("GET", base + "?market=district&market=street-a");
  EXPECT_EQ(twice.status, 400u);
  EXPECT_EQ(twice.body["code"], "invalid_argument");
  // A flat market has no levels to name.
  MarketParams flat = m_;
  flat.markets = {};
  chain_.set_market(modules::to_json(flat));
  Reply r = call("GET", base + "?market=district");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.body["code"], "unknown_market");
}

TEST_F(MarketTreeRoutes, BillsListGridFeesByLevelName) {
  modules::Bill b;
  b.bought = Energy(500);
  b.grid_fees = {LevelFeeRecord{1, Money(500)}, LevelFeeRecord{2, Money(500)}};
  const json j = bill_json(bob_addr_, kSlot, b, &m_);
  EXPECT_EQ(j["grid_fees"], json::parse(R"([{"market":"street-a","amount":500},
                                            {"market":"street-b","amount":500}])"));
  MarketParams flat = m_;
  flat.markets = {};
  EXPECT_FALSE(bill_json(bob_addr_, kSlot, modules::Bill{}, &flat).contains("grid_fees"));
}

}  // namespace
}  // namespace wattle::rpc::testing
