// RegisterDevice, transfer, cancel and expiry (docs/certificates.md,
// "Transactions", "Expiry"), and every bad input the rules refuse: a stable
// code and the state unchanged.
#include "cert_fixture.h"

namespace wattle::chain::testing {
namespace {

// The code of `p` signed by `k` at the next block's time, and whether it
// left the state untouched.
#define EXPECT_REFUSED(k, p, want)                                     \
  do {                                                                 \
    bool untouched_ = false;                                           \
    Status st_ = chain->try_tx(chain->sign(k, p), now(), &untouched_); \
    EXPECT_EQ(st_.code(), want) << st_.to_string();                    \
    EXPECT_TRUE(untouched_);                                           \
  } while (0)

class TxRules : public CertFixture {
 protected:
  uint64_t now() const { return chain->head().time_ms + 1; }
};

TEST_F(TxRules, RegisterDeviceRefusesBadInput) {
  start();
  // Not the operator.
  EXPECT_REFUSED(user_key(3), register_device(3), Code::kUnauthorized);
  // Registered twice.
  EXPECT_REFUSED(operator_key(), register_device(0), Code::kDuplicate);
  // A meter nobody registered.
  const Payload unknown = to_payload(RegisterDevice{KeyPair::from_label("stray-meter").public_key(),
                                                    user_addr(3), Technology::kSolar, 5000});
  EXPECT_REFUSED(operator_key(), unknown, Code::kUnknownMeter);
  // An account that is not the meter's.
  const Payload other =
      to_payload(RegisterDevice{meter_key(3).public_key(), user_addr(5), Technology::kSolar, 5000});
  EXPECT_REFUSED(operator_key(), other, Code::kInvalidArgument);
  // Zero capacity.
  EXPECT_REFUSED(operator_key(), register_device(3, Technology::kSolar, 0), Code::kInvalidArgument);
  // The good one still works after all that.
  chain->ok({chain->sign(operator_key(), register_device(3))}, now());
}

TEST_F(TxRules, TransferSplitsAndMovesWholeBundles) {
  start();
  MarketChain& c = *chain;
  const BundleView b2 = held_of_t(2);  // 333 Wh
  c.ok({c.sign(user_key(2), cert_transfer(b2.id, 100, user_addr(3)))}, now());
  const BundleView b3 = held_of_t(3);
  EXPECT_EQ(b3.bundle.wh.value(), 100);
  EXPECT_EQ(b3.bundle.first_id, b2.bundle.first_id);  // the first 100 ids move
  EXPECT_EQ(held_of_t(2).bundle.wh.value(), 233);
  EXPECT_EQ(held_of_t(2).bundle.first_id, b2.bundle.first_id + 100);
  // The whole rest moves without a split.
  c.ok({c.sign(user_key(2), cert_transfer(b2.id, 233, user_addr(5)))}, now());
  EXPECT_TRUE(holdings(c, user_addr(2)).empty());
  EXPECT_EQ(held_of_t(5).id, b2.id);
  EXPECT_EQ(held_of_t(5).bundle.wh.value(), 233);
}

TEST_F(TxRules, TransferRefusesBadInput) {
  start();
  const BundleView b1 = held_of_t(1);  // 166 Wh
  EXPECT_REFUSED(user_key(1), cert_transfer(b1.id, 167, user_addr(3)),
                 Code::kNotEnoughCertificates);
  EXPECT_REFUSED(user_key(2), cert_transfer(b1.id, 10, user_addr(3)), Code::kUnauthorized);
  EXPECT_REFUSED(user_key(1), cert_transfer(999'999, 10, user_addr(3)), Code::kNotFound);
  EXPECT_REFUSED(user_key(1), cert_transfer(b1.id, 0, user_addr(3)), Code::kInvalidArgument);
  EXPECT_REFUSED(user_key(1), cert_transfer(b1.id, -5, user_addr(3)), Code::kInvalidArgument);
  EXPECT_REFUSED(user_key(1), cert_transfer(b1.id, 10, user_addr(1)), Code::kInvalidArgument);
}

TEST_F(TxRules, CancelMatchesOwnImportOnceAndNeverMovesAgain) {
  start();
  MarketChain& c = *chain;
  const BundleView b2 = held_of_t(2);  // 333 Wh; house 2 imported 700 Wh in T
  c.ok({c.sign(user_key(2), cert_cancel(b2.id, 300, T))}, now());
  auto m = account_matching(c.state(), user_addr(2), T, T).value();
  EXPECT_EQ(m.consumed_wh, 700);
  EXPECT_EQ(m.matched_wh, 300);
  EXPECT_EQ(matching_score_bp(m.matched_wh, m.consumed_wh), 4285);  // 300/700 = 42.85 %
  EXPECT_EQ(held_of_t(2).bundle.wh.value(), 33);
  // The cancelled part is its own bundle, final.
  auto all = account_certificates(c.state(), user_addr(2), T, T).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].bundle.status, BundleStatus::kCancelled);
  EXPECT_EQ(all[1].bundle.wh.value(), 300);
  EXPECT_EQ(all[1].bundle.claim_slot, T);
  EXPECT_REFUSED(user_key(2), cert_cancel(all[1].id, 1, T), Code::kBundleInactive);
  EXPECT_REFUSED(user_key(2), cert_transfer(all[1].id, 1, user_addr(3)), Code::kBundleInactive);
  // The rest cancels whole; a second cancel of it is refused.
  c.ok({c.sign(user_key(2), cert_cancel(b2.id, 33, T))}, now());
  EXPECT_EQ(bundle(c, b2.id).status, BundleStatus::kCancelled);
  EXPECT_REFUSED(user_key(2), cert_cancel(b2.id, 33, T), Code::kBundleInactive);
  EXPECT_EQ(account_matching(c.state(), user_addr(2), T, T).value().matched_wh, 333);
}

TEST_F(TxRules, CancelRefusesBadInput) {
  start();
  MarketChain& c = *chain;
  const BundleView b1 = held_of_t(1);  // 166 Wh; house 1 imported 400 Wh in T
  // Outside the window (0: the same slot only).
  EXPECT_REFUSED(user_key(1), cert_cancel(b1.id, 10, T + 1), Code::kOutsideMatchWindow);
  EXPECT_REFUSED(user_key(1), cert_cancel(b1.id, 10, T - 1), Code::kOutsideMatchWindow);
  // More than the bundle, someone else's bundle, no such bundle, zero.
  EXPECT_REFUSED(user_key(1), cert_cancel(b1.id, 167, T), Code::kNotEnoughCertificates);
  EXPECT_REFUSED(user_key(2), cert_cancel(b1.id, 10, T), Code::kUnauthorized);
  EXPECT_REFUSED(user_key(1), cert_cancel(424'242, 10, T), Code::kNotFound);
  EXPECT_REFUSED(user_key(1), cert_cancel(b1.id, 0, T), Code::kInvalidArgument);
  // Above consumption: house 3 consumed nothing in T; certificates given to
  // it cannot claim house 1's import.
  c.ok({c.sign(user_key(1), cert_transfer(b1.id, 50, user_addr(3)))}, now());
  EXPECT_REFUSED(user_key(3), cert_cancel(held_of_t(3).id, 1, T), Code::kAboveConsumption);
  // House 1's import (400) minus what is matched caps the claims: after
  // 116 Wh of its own and 284 more from house 2, nothing is left.
  c.ok({c.sign(user_key(1), cert_cancel(b1.id, 116, T))}, now());
  c.ok({c.sign(user_key(2), cert_transfer(held_of_t(2).id, 300, user_addr(1)))}, now());
  const BundleView from2 = held_of_t(1);
  EXPECT_REFUSED(user_key(1), cert_cancel(from2.id, 285, T), Code::kAboveConsumption);
  c.ok({c.sign(user_key(1), cert_cancel(from2.id, 284, T))}, now());
  EXPECT_REFUSED(user_key(1), cert_cancel(from2.id, 1, T), Code::kAboveConsumption);
  EXPECT_EQ(account_matching(c.state(), user_addr(1), T, T).value().matched_wh, 400);
}

TEST_F(TxRules, WindowAllowsNeighbouringSlots) {
  CertParams p = rewarded();
  p.match_window_slots = 1;
  start(p);
  MarketChain& c = *chain;
  // House 1 consumes 90 Wh in T+1 and claims it with certificates of T.
  c.ok({c.sign(meter_key(1), reading(T + 1, 490, 0))}, after_slot(c, T + 1));
  const BundleView b1 = held_of_t(1);
  c.ok({c.sign(user_key(1), cert_cancel(b1.id, 90, T + 1))}, now());
  EXPECT_EQ(account_matching(c.state(), user_addr(1), T + 1, T + 1).value().matched_wh, 90);
  EXPECT_REFUSED(user_key(1), cert_cancel(b1.id, 1, T + 2), Code::kOutsideMatchWindow);
}

TEST_F(TxRules, BundlesExpireAfterExpirySlots) {
  CertParams p = rewarded();
  p.expiry_slots = 2;
  start(p);
  MarketChain& c = *chain;
  const BundleView b1 = held_of_t(1);
  c.ok({c.sign(user_key(1), cert_cancel(b1.id, 6, T))}, settle(c, T + 1));  // still active
  c.ok({}, settle(c, T + 2));  // issuing T+2 expires the bundles of T
  EXPECT_EQ(bundle(c, b1.id).status, BundleStatus::kExpired);
  EXPECT_TRUE(holdings(c, user_addr(1)).empty());
  EXPECT_REFUSED(user_key(1), cert_transfer(b1.id, 1, user_addr(3)), Code::kBundleInactive);
  EXPECT_REFUSED(user_key(1), cert_cancel(b1.id, 1, T), Code::kBundleInactive);
  // The cancelled 6 Wh stay cancelled and matched.
  EXPECT_EQ(account_matching(c.state(), user_addr(1), T, T).value().matched_wh, 6);
}

TEST_F(TxRules, ChainWithoutCertificatesRefusesTheirTxs) {
  MarketChain c(market_genesis(2, 50'000'000, 1'000'000'000));
  EXPECT_EQ(c.try_tx(c.sign(operator_key(), register_device(0)), c.head().time_ms + 1).code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace wattle::chain::testing
