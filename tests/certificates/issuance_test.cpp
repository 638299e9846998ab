// Issuance from readings, certificates moving with the energy and their
// rounding, rewards, and the once-only rule (docs/certificates.md,
// "Issuance", "With the energy", "Incentive tokens"), computed by hand.
#include "cert_fixture.h"

namespace wattle::chain::testing {
namespace {

using IssuanceTest = CertFixture;

TEST_F(IssuanceTest, MeteredExportIsIssuedOnceAndFollowsTheSales) {
  start();
  MarketChain& c = *chain;
  ASSERT_TRUE(c.slot(T).has_value());
  ASSERT_EQ(c.slot(T)->status, SlotStatus::kSettled);
  // House 0 exported 500 Wh, house 4 250 Wh; nobody else has a device.
  ASSERT_TRUE(issued(c, 0, T).has_value());
  EXPECT_EQ(issued(c, 0, T)->issued.value(), 500);
  EXPECT_EQ(issued(c, 4, T)->issued.value(), 250);
  EXPECT_FALSE(issued(c, 1, T).has_value());
  EXPECT_FALSE(issued(c, 0, S0).has_value());  // no export read in S0
  // M = min(500, 1000) = 500 Wh follow the sales 333 : 667:
  // floor(500*333/1000) = 166, floor(500*667/1000) = 333; 1 Wh stays.
  EXPECT_EQ(held_of_t(1).bundle.wh.value(), 166);
  EXPECT_EQ(held_of_t(2).bundle.wh.value(), 333);
  EXPECT_EQ(held_of_t(0).bundle.wh.value(), 1);
  EXPECT_EQ(held_of_t(4).bundle.wh.value(), 250);
  EXPECT_EQ(held_of_t(4).bundle.technology, Technology::kWind);
  // House 0's ids are one range [first, first + 500), split without overlap.
  const uint64_t first = issued(c, 0, T)->first_id;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (int h : {0, 1, 2}) {
    const Bundle b = held_of_t(h).bundle;
    EXPECT_EQ(b.device, meter_key(0).public_key());
    ranges.push_back({b.first_id, b.first_id + static_cast<uint64_t>(b.wh.value())});
  }
  std::sort(ranges.begin(), ranges.end());
  EXPECT_EQ(ranges.front().first, first);
  for (size_t i = 1; i < ranges.size(); ++i) EXPECT_EQ(ranges[i].first, ranges[i - 1].second);
  EXPECT_EQ(ranges.back().second, first + 500);
}

TEST_F(IssuanceTest, RewardsAreMintedPerMwhAndCountedInTheSupply) {
  start();
  MarketChain& c = *chain;
  // Solar 2,000,000 micro-units/MWh * 500 Wh = 1000; wind 3,000,000 * 250 Wh = 750.
  EXPECT_EQ(issued(c, 0, T)->reward.value(), 1000);
  EXPECT_EQ(issued(c, 4, T)->reward.value(), 750);
  EXPECT_EQ(c.balance(user_addr(4)) - house4_before, 750);  // no trades: the reward alone
  EXPECT_EQ(cert_cursor(c).minted.value(), 1750);
  EXPECT_TRUE(c.conserved());  // balances + escrow - debts - minted = genesis supply
}

TEST_F(IssuanceTest, RewardRoundsDownPerIssuance) {
  CertParams p;
  p.reward_per_mwh[static_cast<size_t>(Technology::kWind)] = 3'999;  // 250 Wh -> 0.99975
  start(p);
  EXPECT_EQ(issued(*chain, 4, T)->reward.value(), 0);
  EXPECT_EQ(chain->balance(user_addr(4)), house4_before);
  EXPECT_EQ(cert_cursor(*chain).minted.value(), 0);
}

TEST_F(IssuanceTest, WithoutBundlingEverythingStaysWithTheProducer) {
  CertParams p;
  p.bundle_with_trades = false;
  start(p);
  EXPECT_EQ(held_of_t(0).bundle.wh.value(), 500);
  EXPECT_TRUE(holdings(*chain, user_addr(1)).empty());
  EXPECT_TRUE(holdings(*chain, user_addr(2)).empty());
}

TEST_F(IssuanceTest, ExportAboveSalesLeavesTheSurplusWithTheProducer) {
  start(rewarded(), /*settle_t=*/false);
  MarketChain& c = *chain;
  // Slot T+1: house 0 sells 100 Wh to house 1 and exports 260 Wh.
  const uint64_t t1 = T + 1;
  c.ok({c.sign(user_key(0), order(t1, market::Side::kSell, 100, 100'000)),
        c.sign(user_key(1), order(t1, market::Side::kBuy, 100, 200'000))},
       in_slot(c, T, 3));
  c.ok({}, settle(c, T));
  c.ok({c.sign(meter_key(0), reading(t1, 0, 760)), c.sign(meter_key(1), reading(t1, 500, 0))},
       after_slot(c, t1));
  c.ok({}, settle(c, t1));
  EXPECT_EQ(issued(c, 0, t1)->issued.value(), 260);
  int64_t to_buyer = 0, kept = 0;
  for (const auto& b : holdings(c, user_addr(1)))
    if (b.bundle.slot == t1) to_buyer += b.bundle.wh.value();
  for (const auto& b : holdings(c, user_addr(0)))
    if (b.bundle.slot == t1) kept += b.bundle.wh.value();
  EXPECT_EQ(to_buyer, 100);
  EXPECT_EQ(kept, 160);
}

TEST_F(IssuanceTest, LateAndCorrectedReadingsNeverIssueTwice) {
  start();
  MarketChain& c = *chain;
  const CertCursor before = cert_cursor(c);
  // A correction of T after it settled: refused by the market, nothing issued.
  bool untouched = false;
  EXPECT_FALSE(c.try_tx(c.sign(meter_key(4), reading(T, 0, 900)), settle(c, T) + 5000, &untouched));
  EXPECT_TRUE(untouched);
  // T+1 settles without house 0's reading; a reading for it arrives late.
  const uint64_t t1 = T + 1, t2 = T + 2;
  c.ok({}, settle(c, t1));
  EXPECT_EQ(c.try_tx(c.sign(meter_key(0), reading(t1, 0, 900)), settle(c, t1) + 1000).code(),
            Code::kReadingWindow);
  EXPECT_FALSE(issued(c, 0, t1).has_value());
  // The energy exported since T is read in T+2 (the market's interval rule)
  // and issued there, once: 900 - 500 = 400 Wh.
  c.ok({c.sign(meter_key(0), reading(t2, 0, 900))}, after_slot(c, t2));
  c.ok({}, settle(c, t2));
  EXPECT_EQ(issued(c, 0, t2)->issued.value(), 400);
  // Later blocks never touch an earlier issuance.
  c.ok({}, settle(c, t2 + 3));
  EXPECT_EQ(issued(c, 0, T)->issued.value(), 500);
  EXPECT_EQ(issued(c, 4, T)->issued.value(), 250);
  int64_t t_wh = 0;
  for (int h = 0; h < kHouses; ++h)
    for (const auto& b : holdings(c, user_addr(h)))
      if (b.bundle.slot == T && b.bundle.device == meter_key(0).public_key())
        t_wh += b.bundle.wh.value();
  EXPECT_EQ(t_wh, 500);
  EXPECT_EQ(cert_cursor(c).minted.value(), before.minted.value() + 800);  // 400 Wh solar
}

TEST_F(IssuanceTest, EventsReportIssuance) {
  start(rewarded(), /*settle_t=*/false);
  auto exec = chain->ok({}, settle(*chain, T));
  int issued_events = 0;
  for (const Event& e : exec.module_events)
    if (e.kind == Event::Kind::kCertificatesIssued) {
      ++issued_events;
      EXPECT_EQ(e.slot, T);
      EXPECT_EQ(e.index, 4u);  // 166, 333, 1 for house 0; 250 for house 4
    }
  EXPECT_EQ(issued_events, 1);
}

}  // namespace
}  // namespace wattle::chain::testing
