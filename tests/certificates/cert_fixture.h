// A community for the certificates tests: houses 0..5 with meters; house 0
// has a solar device, house 4 a wind device. In slot T = kFirstSlot + 1
// house 0 sells 1000 Wh to house 1 (333 Wh) and house 2 (667 Wh); the
// readings of T are: house 0 exports 500 Wh, house 1 imports 400 Wh, house
// 2 imports 700 Wh, house 4 exports 250 Wh. After start(), T has settled
// and been issued.
#pragma once

#include "cert_test_util.h"

namespace wattle::chain::testing {

class CertFixture : public ::testing::Test {
 protected:
  static constexpr uint64_t S0 = kFirstSlot;
  static constexpr uint64_t T = kFirstSlot + 1;
  static constexpr int kHouses = 6;

  static CertParams rewarded() {
    CertParams p;
    p.reward_per_mwh[static_cast<size_t>(Technology::kSolar)] = 2'000'000;
    p.reward_per_mwh[static_cast<size_t>(Technology::kWind)] = 3'000'000;
    return p;
  }

  // Registers meters and devices, trades and reads slot T; settles T when
  // `settle_t`.
  void start(const CertParams& p = rewarded(), bool settle_t = true) {
    chain = std::make_unique<MarketChain>(cert_genesis(kHouses, p));
    MarketChain& c = *chain;
    std::vector<Tx> meters;
    for (int i = 0; i < kHouses; ++i)
      meters.push_back(
          c.sign(operator_key(), RegisterMeter{meter_key(i).public_key(), user_addr(i)}));
    c.ok(meters, in_slot(c, S0));
    c.ok({c.sign(operator_key(), register_device(0)),
          c.sign(operator_key(), register_device(4, Technology::kWind))},
         in_slot(c, S0, 2));
    c.ok({c.sign(user_key(0), order(T, market::Side::kSell, 1000, 100'000)),
          c.sign(user_key(1), order(T, market::Side::kBuy, 333, 200'000)),
          c.sign(user_key(2), order(T, market::Side::kBuy, 667, 200'000))},
         in_slot(c, S0, 3));
    c.ok({c.sign(meter_key(0), reading(T, 0, 500)), c.sign(meter_key(1), reading(T, 400, 0)),
          c.sign(meter_key(2), reading(T, 700, 0)), c.sign(meter_key(4), reading(T, 0, 250))},
         after_slot(c, T));
    house4_before = c.balance(user_addr(4));
    if (settle_t) c.ok({}, settle(c, T));
  }

  // The bundle of slot T that `house` holds (exactly one).
  BundleView held_of_t(int house) {
    std::vector<BundleView> v;
    for (const auto& b : holdings(*chain, user_addr(house)))
      if (b.bundle.slot == T) v.push_back(b);
    EXPECT_EQ(v.size(), 1u) << "house " << house;
    return v.empty() ? BundleView{} : v.front();
  }

  std::unique_ptr<MarketChain> chain;
  int64_t house4_before = 0;
};

}  // namespace wattle::chain::testing
