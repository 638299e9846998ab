// Clearing through a market tree on the chain (docs/market.md, "A hierarchy
// of markets"): a three-level tree (house -> street -> district) on a
// hand-made book, with every trade, price, level figure, fee and bill
// computed by hand below; an order of a household in no leaf is refused;
// the slot and bill trailers round-trip and refuse bad bytes.
#include <gtest/gtest.h>

#include "market_test_util.h"
#include "modules/energy/market_membership.h"

namespace wattle::chain {
using namespace ::wattle::modules;
namespace {

using market::Side;
using namespace testing;

enum Level : uint32_t { kDistrict = 0, kStreetA = 1, kStreetB = 2, kHouse1 = 3, kHouse2 = 4 };

Address fee_addr(const std::string& name) {
  return Address::of(KeyPair::from_label("tree-fee-" + name).public_key());
}

market::MarketNode node(const std::string& name, const std::string& parent, int64_t fee) {
  market::MarketNode n;
  n.name = name;
  n.parent = parent;
  n.params.values = {{"k", 500'000}};
  n.grid_fee = fee;
  n.fee_account = fee_addr(name).to_string();
  return n;
}

// district (fee 1000) <- street-a (2000) <- {house-1 (500), house-2 (700)};
// district <- street-b (3000, a leaf). No flat grid fee and no tax, so the
// bills hold only the trades and the tree's fees.
MarketParams three_levels() {
  MarketParams m = example_market();
  m.grid_fee = 0;
  m.tax_bp = 0;
  m.markets.nodes = {node("district", "", 1'000), node("street-a", "district", 2'000),
                     node("street-b", "district", 3'000), node("house-1", "street-a", 500),
                     node("house-2", "street-a", 700)};
  return m;
}

struct Household {
  int user;
  std::string leaf;
  Side side;
  int64_t energy, price;
};

// The hand-made book, in placement order.
const std::vector<Household> kBook = {
    {0, "house-1", Side::kSell, 2000, 100'000}, {1, "house-1", Side::kBuy, 600, 200'000},
    {2, "house-2", Side::kBuy, 1000, 180'000},  {3, "house-2", Side::kSell, 300, 120'000},
    {4, "street-b", Side::kBuy, 500, 150'000},  {5, "street-b", Side::kBuy, 200, 300'000},
};

class MarketTreeClearing : public ::testing::Test {
 protected:
  MarketTreeClearing() : chain_(market_genesis(7, 50'000'000, 50'000'000, three_levels())) {}

  uint64_t slot() const { return kFirstSlot + 2; }
  const MarketParams& m() const { return chain_.market(); }

  // Places the households in their leaves and their orders in one block,
  // then runs gate closure.
  void place_and_clear() {
    std::vector<Tx> txs;
    for (const Household& h : kBook)
      txs.push_back(chain_.sign(operator_key(),
                                to_module_tx(RegisterMeterInMarket{meter_key(h.user).public_key(),
                                                                   user_addr(h.user), h.leaf})));
    for (const Household& h : kBook)
      txs.push_back(chain_.sign(user_key(h.user), order(slot(), h.side, h.energy, h.price)));
    chain_.ok(txs, chain_.head().time_ms + 1000);
    chain_.ok({}, *m().gate_ms(slot()));
  }

  MarketChain chain_;
};

// The trades of `s` matched in `market`, as (buyer user, seller user, Wh,
// price, fees), book index = user here.
struct Seen {
  uint32_t buy, sell;
  int64_t energy, price;
  std::vector<LevelFeeRecord> fees;
  bool operator==(const Seen&) const = default;
};
std::vector<Seen> trades_in(const SlotRecord& s, uint32_t market) {
  std::vector<Seen> out;
  for (const SlotTrade& t : s.trades)
    if (t.market == market)
      out.push_back({t.buy, t.sell, t.energy.value(), t.buy_price.value(), t.fees});
  return out;
}

TEST_F(MarketTreeClearing, ThreeLevelsClearBottomUpWithFeesPerLevelCrossed) {
  place_and_clear();
  const std::optional<SlotRecord> s = chain_.slot(slot());
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->book.size(), kBook.size());
  for (size_t i = 0; i < kBook.size(); ++i) ASSERT_EQ(s->book[i].owner, user_addr(kBook[i].user));

  // house-1: u0 sells 2000 @100000, u1 buys 600 @200000: 600 Wh trade; u0
  // keeps 1400 Wh left, so the range is [100000, min(200000, 100000)]:
  // price 100000. Matched inside its leaf: no boundary crossed, no fee.
  EXPECT_EQ(trades_in(*s, kHouse1), (std::vector<Seen>{{1, 0, 600, 100'000, {}}}));
  // house-2: u2 buys 1000 @180000, u3 sells 300 @120000: 300 Wh; u2 has
  // 700 left, range [max(120000, 180000), 180000]: price 180000.
  EXPECT_EQ(trades_in(*s, kHouse2), (std::vector<Seen>{{2, 3, 300, 180'000, {}}}));
  // street-b: two buyers, no seller: nothing; both pass up (700 Wh).
  EXPECT_TRUE(trades_in(*s, kStreetB).empty());
  // street-a: u0's 1400 @100000 against u2's 700 @180000: 700 Wh; u0 keeps
  // 700, range [100000, min(180000, 100000)]: price 100000. The energy
  // crosses house-2's boundary (buyer) and house-1's (seller), both paid by
  // the buyer: ceil(700*700/1000) = 490 and ceil(700*500/1000) = 350.
  EXPECT_EQ(
      trades_in(*s, kStreetA),
      (std::vector<Seen>{{2, 0, 700, 100'000, {{kHouse2, Money(490)}, {kHouse1, Money(350)}}}}));
  // district: u0's last 700 @100000 against u5 200 @300000 and u4 500
  // @150000: all filled, range [100000, 150000], k = 0.5: price 125000.
  // Each crosses street-b (buyer side) and house-1 + street-a (seller
  // side); the root itself is not crossed. u5: 600, 100, 400; u4: 1500,
  // 250, 1000.
  EXPECT_EQ(trades_in(*s, kDistrict),
            (std::vector<Seen>{
                {5,
                 0,
                 200,
                 125'000,
                 {{kStreetB, Money(600)}, {kHouse1, Money(100)}, {kStreetA, Money(400)}}},
                {4,
                 0,
                 500,
                 125'000,
                 {{kStreetB, Money(1500)}, {kHouse1, Money(250)}, {kStreetA, Money(1000)}}}}));
  EXPECT_EQ(s->trades.size(), 5u);

  // Levels: offered = own orders + what children passed up.
  ASSERT_EQ(s->levels.size(), 5u);
  struct WantLevel {
    uint32_t market;
    std::optional<Price> price;
    int64_t offered, traded, passed_up;
  };
  for (const WantLevel& w : {WantLevel{kHouse1, Price(100'000), 2600, 600, 1400},
                             WantLevel{kHouse2, Price(180'000), 1300, 300, 700},
                             WantLevel{kStreetB, std::nullopt, 700, 0, 700},
                             WantLevel{kStreetA, Price(100'000), 2100, 700, 700},
                             WantLevel{kDistrict, Price(125'000), 1400, 700, 0}}) {
    const SlotLevel& l = s->levels[w.market];
    EXPECT_EQ(l.clearing_price, w.price) << w.market;
    EXPECT_EQ(l.offered, Energy(w.offered)) << w.market;
    EXPECT_EQ(l.traded, Energy(w.traded)) << w.market;
    EXPECT_EQ(l.passed_up, Energy(w.passed_up)) << w.market;
  }
  EXPECT_EQ(s->clearing_price, Price(125'000));  // the root's
  EXPECT_EQ(s->surplus, Money(0));               // every amount divides evenly

  // Fills: u0 sold all 2000 Wh for 60000 + 70000 + 25000 + 62500.
  EXPECT_EQ(s->book[0].filled, Energy(2000));
  EXPECT_EQ(s->book[0].amount, Money(217'500));
  EXPECT_EQ(s->book[2].filled, Energy(1000));
  EXPECT_EQ(s->book[2].amount, Money(54'000 + 70'000));
}

TEST_F(MarketTreeClearing, BillsChargeTheBuyersFeesByLevelAndFeeAccountsReceiveThem) {
  place_and_clear();
  // Readings equal to the trades: no deviation, so bills hold trades and fees.
  std::vector<Tx> readings;
  for (const Household& h : kBook) {
    const int64_t filled = chain_.slot(slot())->book[static_cast<size_t>(h.user)].filled.value();
    readings.push_back(chain_.sign(
        meter_key(h.user),
        reading(slot(), h.side == Side::kBuy ? filled : 0, h.side == Side::kSell ? filled : 0)));
  }
  chain_.ok(readings, m().slot_end_ms(slot()) + 1000);
  std::map<Address, int64_t> before;
  for (int u = 0; u < 6; ++u) before[user_addr(u)] = chain_.balance(user_addr(u));
  for (const char* n : {"district", "street-a", "street-b", "house-1", "house-2"})
    EXPECT_EQ(chain_.balance(fee_addr(n)), 0) << n;
  chain_.ok({}, m().settle_ms(slot()));

  struct Want {
    int user;
    int64_t net;
    std::vector<LevelFeeRecord> fees;  // ascending level
  };
  // u2: paid 54000 + 70000, fees house-1 350 + house-2 490. u5: 25000,
  // fees street-a 400, street-b 600, house-1 100. u4: 62500, fees 1000,
  // 1500, 250. Sellers and u1 (a trade inside its leaf) pay no fee.
  const std::vector<Want> want = {
      {0, 217'500, {}},
      {1, -60'000, {}},
      {2, -124'840, {{kHouse1, Money(350)}, {kHouse2, Money(490)}}},
      {3, 54'000, {}},
      {4, -65'250, {{kStreetA, Money(1000)}, {kStreetB, Money(1500)}, {kHouse1, Money(250)}}},
      {5, -26'100, {{kStreetA, Money(400)}, {kStreetB, Money(600)}, {kHouse1, Money(100)}}},
  };
  for (const Want& w : want) {
    const std::optional<Bill> b = chain_.bill(user_addr(w.user), slot());
    ASSERT_TRUE(b.has_value()) << w.user;
    EXPECT_EQ(b->net, Money(w.net)) << w.user;
    EXPECT_EQ(b->grid_fees, w.fees) << w.user;
    EXPECT_EQ(b->grid_fee, Money(0)) << w.user;
    // Escrow released in full at settlement: the balance moves by the net
    // plus what escrow held back, so compare balance + escrow - debt.
    const MarketAccount ma = chain_.market_account(user_addr(w.user));
    EXPECT_EQ(ma.escrow, Money(0)) << w.user;
    EXPECT_EQ(ma.debt, Money(0)) << w.user;
  }
  EXPECT_EQ(chain_.balance(fee_addr("house-1")), 350 + 100 + 250);
  EXPECT_EQ(chain_.balance(fee_addr("house-2")), 490);
  EXPECT_EQ(chain_.balance(fee_addr("street-a")), 400 + 1000);
  EXPECT_EQ(chain_.balance(fee_addr("street-b")), 600 + 1500);
  EXPECT_EQ(chain_.balance(fee_addr("district")), 0);  // no trade crossed the root
  EXPECT_TRUE(chain_.conserved());
  // Whole-account moves: the bills' nets, to the micro-unit (escrow placed
  // at order time came back).
  for (const Want& w : want)
    EXPECT_EQ(chain_.balance(user_addr(w.user)), 50'000'000 + w.net) << w.user;
}

TEST_F(MarketTreeClearing, AnOrderOfAHouseholdInNoLeafIsRefusedUnchanged) {
  // u6 is never placed (the tree has several leaves): its order could take
  // part in no market, so placing it is refused with the state unchanged.
  chain_.ok({chain_.sign(operator_key(), to_module_tx(RegisterMeterInMarket{
                                             meter_key(0).public_key(), user_addr(0), "house-1"}))},
            chain_.head().time_ms + 1000);
  const uint64_t t = chain_.head().time_ms + 1000;
  bool untouched = false;
  Status st = chain_.try_tx(chain_.sign(user_key(6), order(slot(), Side::kBuy, 1000, 400'000)), t,
                            &untouched);
  EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.to_string();
  EXPECT_TRUE(untouched);
  // A placed household's order is taken; the lone seller passes up to the
  // root, unmatched.
  chain_.ok({chain_.sign(user_key(0), order(slot(), Side::kSell, 1000, 10'000))}, t);
  chain_.ok({}, *m().gate_ms(slot()));
  const std::optional<SlotRecord> s = chain_.slot(slot());
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->trades.empty());
  ASSERT_EQ(s->levels.size(), 5u);
  EXPECT_EQ(s->levels[kHouse1].offered, Energy(1000));
  EXPECT_EQ(s->levels[kStreetA].offered, Energy(1000));
  EXPECT_EQ(s->levels[kDistrict].offered, Energy(1000));
  EXPECT_EQ(s->levels[kHouse2].offered, Energy(0));
}

TEST(MarketTreeRecords, TrailersRoundTripAndRefuseBadBytes) {
  SlotRecord s;
  s.status = SlotStatus::kClosed;
  s.book.push_back(BookEntry{Hash256{}, user_addr(1), Side::kSell, Energy(3), Price(4), 5, 6,
                             Money(7), Energy(2), Money(1)});
  s.trades.push_back(SlotTrade{
      market::kGrid, 0, Energy(2), Price(1), Price(1), 1, {{0, Money(3)}, {1, Money(4)}}});
  s.levels = {SlotLevel{Price(9), Energy(5), Energy(2), Energy(0), Money(1), Money(-2)},
              SlotLevel{}};
  const Bytes b = encode_to_bytes(s);
  EXPECT_EQ(decode_exact<SlotRecord>(b).value(), s);
  // Without levels the record is exactly the flat one (no trailer).
  SlotRecord flat = s;
  flat.levels.clear();
  flat.trades[0].market = 0;
  flat.trades[0].fees.clear();
  const Bytes fb = encode_to_bytes(flat);
  // The tree's record is the flat bytes plus the trailer: tag, 2 levels
  // (49 + 41 bytes), then per trade its market and 2 fees of 12 bytes.
  ASSERT_EQ(b.size(), fb.size() + 1 + 4 + 49 + 41 + 4 + 4 + 2 * 12);
  EXPECT_TRUE(std::equal(fb.begin(), fb.end(), b.begin()));
  EXPECT_EQ(decode_exact<SlotRecord>(fb).value(), flat);
  Bytes bad_tag = fb;
  bad_tag.push_back(2);
  EXPECT_EQ(decode_exact<SlotRecord>(bad_tag).status().code(), Code::kMalformed);
  // A trade naming a level the record does not have.
  SlotRecord unknown = s;
  unknown.trades[0].market = 7;
  EXPECT_FALSE(decode_exact<SlotRecord>(encode_to_bytes(unknown)).is_ok());

  Bill bill;
  bill.bought = Energy(5);
  bill.grid_fees = {{1, Money(3)}, {4, Money(2)}};
  EXPECT_EQ(decode_exact<Bill>(encode_to_bytes(bill)).value(), bill);
  for (const std::vector<LevelFeeRecord>& bad :
       {std::vector<LevelFeeRecord>{{4, Money(2)}, {1, Money(3)}},  // not ascending
        std::vector<LevelFeeRecord>{{1, Money(3)}, {1, Money(3)}},  // twice
        std::vector<LevelFeeRecord>{{1, Money(0)}}}) {              // a zero fee
    Bill b2 = bill;
    b2.grid_fees = bad;
    EXPECT_EQ(decode_exact<Bill>(encode_to_bytes(b2)).status().code(), Code::kMalformed);
  }
  Bill none = bill;
  none.grid_fees.clear();
  Bytes empty_trailer = encode_to_bytes(none);
  empty_trailer.push_back(1);
  for (int i = 0; i < 4; ++i) empty_trailer.push_back(0);
  EXPECT_EQ(decode_exact<Bill>(empty_trailer).status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace wattle::chain
