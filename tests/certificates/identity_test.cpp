// The no-double-counting identity (docs/certificates.md, "Checks") can
// fail: a deliberately broken rule (CertMutation) and hand-made writes that
// break it are caught, and the block fails.
#include "cert_fixture.h"
#include "modules/bank/bank_module.h"
#include "modules/certificates/cert_identity.h"
#include "modules/certificates/certificates_module.h"
#include "modules/energy/energy_module.h"
#include "modules/evidence/evidence_module.h"

namespace wattle::chain::testing {
namespace {

class Identity : public CertFixture {
 protected:
  // The fixture's chain parameters with the certificates module mutated.
  ChainParams mutated(CertMutation mutation) const {
    auto set = ModuleSet::make({
        std::make_shared<BankModule>(Money(0)),
        std::make_shared<EnergyModule>(chain->market()),
        std::make_shared<EvidenceModule>(EvidenceChecker{}),
        std::make_shared<CertificatesModule>(chain->market(), rewarded(), mutation),
    });
    return ChainParams{std::string(kChain), set.value()};
  }
  Result<ExecutedBlock> run(const std::vector<Tx>& txs, const ChainParams& params) {
    BlockHeader h;
    h.height = chain->head().height + 1;
    h.prev_hash = chain->head().hash();
    h.time_ms = chain->head().time_ms + 1;
    return execute_block(chain->state(), h, txs, params, ExecMode::kStrict, true);
  }
};

TEST_F(Identity, SplitThatKeepsTheSourceIsCaught) {
  start();
  const Tx split = chain->sign(user_key(2), cert_transfer(held_of_t(2).id, 100, user_addr(3)));
  // The unmutated module accepts the block...
  ASSERT_TRUE(run({split}, mutated(CertMutation::kNone)).is_ok());
  // ...the mutated one double counts 100 Wh and the identity fails the block.
  auto bad = run({split}, mutated(CertMutation::kSplitKeepsSource));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), Code::kInternal);
  EXPECT_NE(bad.status().message().find("certificate identity broken"), std::string::npos);
}

TEST_F(Identity, HandMadeWritesThatBreakItAreCaught) {
  start();
  const State& s = chain->state();
  const BundleView b1 = held_of_t(1);
  // A bundle grows without an issuance.
  {
    Bundle grown = b1.bundle;
    grown.wh = Energy(grown.wh.value() + 1);
    StateWrites w{{cert_keys::bundle(b1.id), encode_to_bytes(grown)}};
    EXPECT_EQ(cert_value_delta(s, w).status().code(), Code::kInternal);
  }
  // A bundle disappears.
  {
    StateWrites w{{cert_keys::bundle(b1.id), std::nullopt}};
    EXPECT_EQ(cert_value_delta(s, w).status().code(), Code::kInternal);
  }
  // A cancel recorded with its match but above house 1's import (400 Wh).
  {
    Bundle cancelled = b1.bundle;
    cancelled.status = BundleStatus::kCancelled;
    cancelled.claim_slot = T;
    MatchRecord m{Energy(500), {b1.id}};
    cancelled.wh = Energy(500);
    StateWrites w{{cert_keys::bundle(b1.id), encode_to_bytes(cancelled)},
                  {cert_keys::match(user_addr(1), T), encode_to_bytes(m)}};
    EXPECT_EQ(cert_value_delta(s, w).status().code(), Code::kInternal);
  }
  // Matched Wh without a cancelled bundle.
  {
    StateWrites w{{cert_keys::match(user_addr(1), T), encode_to_bytes(MatchRecord{Energy(5), {}})}};
    EXPECT_EQ(cert_value_delta(s, w).status().code(), Code::kInternal);
  }
  // Minting without an issuance.
  {
    CertCursor cur = cert_cursor(*chain);
    cur.minted = Money(cur.minted.value() + 1);
    StateWrites w{{cert_keys::cursor(), encode_to_bytes(cur)}};
    EXPECT_EQ(cert_value_delta(s, w).status().code(), Code::kInternal);
  }
  // A consistent write passes: an honest cancel of 10 Wh.
  {
    Bundle part = b1.bundle;
    part.wh = Energy(10);
    part.status = BundleStatus::kCancelled;
    part.claim_slot = T;
    Bundle rest = b1.bundle;
    rest.first_id += 10;
    rest.wh = Energy(rest.wh.value() - 10);
    StateWrites w{
        {cert_keys::bundle(b1.id), encode_to_bytes(rest)},
        {cert_keys::bundle(cert_cursor(*chain).next_bundle), encode_to_bytes(part)},
        {cert_keys::match(user_addr(1), T), encode_to_bytes(MatchRecord{Energy(10), {}})}};
    auto d = cert_value_delta(s, w);
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    EXPECT_TRUE(*d == 0);
  }
}

}  // namespace
}  // namespace wattle::chain::testing
