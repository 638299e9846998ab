// Whole replicas carrying an energy community with certificates
// (src/cluster_sim/community.h): under loss, partitions, crashes and a
// Byzantine validator the certificate txs reach the chain, slots settle and
// issue, and the certificate identity (cluster_sim/cert_check.h) holds on
// every honest replica after every commit; a schedule replays from its seed.
// That the check can fail is Mutations.EachIsCaughtWithinItsBound
// (cert-double-count, sim_test.cpp).
//
// Length: issuance needs a 1-second slot to end and settle (1 s more), and
// certificate txs need issued bundles, so these schedules run 100 heights
// (at least 4 s of virtual time after GST) with 150 submissions instead of
// the default 3 heights and 40.
#include <gtest/gtest.h>

#include <array>
#include <iostream>

#include "cluster_sim/cert_check.h"
#include "cluster_sim/community.h"
#include "cluster_sim/simulator.h"
#include "modules/certificates/cert_state.h"
#include "schedule_report.h"

namespace wattle::cluster_sim {
namespace {

SimConfig certificate_schedule(uint32_t validators, uint32_t loss, bool partitions, bool crashes) {
  SimConfig c;
  c.full = true;
  c.validators = validators;
  c.byzantine = 1;
  c.loss_percent = loss;
  c.partitions = partitions;
  c.crashes = crashes;
  c.heights = 100;
  c.txs = 150;
  return c;
}

uint64_t schedule_count() {
#ifdef WATTLE_SANITIZE_BUILD
  return 1;
#else
  return 6;
#endif
}

TEST(CertificateSchedules, CarryCertificateTxsAndKeepTheIdentity) {
  uint64_t cert_txs = 0, wh = 0, carried = 0;
  for (uint64_t k = 0; k < schedule_count(); ++k) {
    SimConfig c = certificate_schedule(4 + k % 2, std::array<uint32_t, 3>{0, 10, 20}[k % 3],
                                       k % 2 == 0, k % 3 != 2);
    ASSERT_TRUE(validate_config(c).is_ok());
    const uint64_t seed = 28'000 + k;
    ScheduleResult r = run_schedule(c, seed);
    ASSERT_FALSE(r.failed()) << report(c, r);
    EXPECT_EQ(r.certificate_identity_violations, 0u);
    EXPECT_EQ(r.conservation_violations, 0u);
    std::cout << "seed=" << seed << " validators=" << c.validators
              << " heights=" << r.heights_committed << " txs_committed=" << r.txs_committed
              << " cert_txs_committed=" << r.cert_txs_committed
              << " cert_wh_issued=" << r.cert_wh_issued << "\n";
    cert_txs += r.cert_txs_committed;
    wh += r.cert_wh_issued;
    carried += r.cert_txs_committed > 0 && r.cert_wh_issued > 0;
  }
  EXPECT_GT(cert_txs, 0u);
  EXPECT_GT(wh, 0u);
  // Not a lucky schedule: most of them issue and move certificates.
  EXPECT_GE(2 * carried, schedule_count());
}

TEST(CertificateSchedules, ReplayFromSeedGivesTheSameTrace) {
  SimConfig c = certificate_schedule(4, 10, true, true);
  c.record_trace = true;
  ScheduleResult a = run_schedule(c, 28'100);
  ScheduleResult b = run_schedule(c, 28'100);
  ASSERT_FALSE(a.failed()) << report(c, a);
  EXPECT_GT(a.cert_txs_committed, 0u);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.cert_txs_committed, b.cert_txs_committed);
  EXPECT_EQ(a.cert_wh_issued, b.cert_wh_issued);
  // The trace shows the community's txs, the refused ones with their codes.
  EXPECT_NE(a.trace.find("cert-transfer"), std::string::npos);
  EXPECT_NE(a.trace.find("reading h="), std::string::npos);
}

// The check on its own, over a hand-written state: an issuance and its
// bundle pass; a second bundle of the same device and slot with no
// issuance behind it (a split that kept its source) is refused, naming it.
TEST(CertShadow, SeesCertificatesCountedTwice) {
  using namespace modules;
  constexpr uint64_t kSlot = 10;
  const PublicKey meter = community::device_meters().front();
  const Address owner = community::household(0);
  chain::State state;
  CertCursor cursor;
  cursor.devices = 1;
  cursor.issue_slot = kSlot + 1;
  cursor.next_bundle = 1;
  cursor.next_cert_id = 100;
  Bundle b{meter, Technology::kSolar, kSlot, 0, Energy(100), owner, BundleStatus::kActive, 0};
  state.put(cert_keys::cursor(), encode_to_bytes(cursor));
  state.put(cert_keys::issue(meter, kSlot), encode_to_bytes(IssueRecord{Energy(100), 0, Money(0)}));
  state.put(cert_keys::bundle(0), encode_to_bytes(b));
  CertShadow shadow(community::device_meters(), kSlot);
  ASSERT_TRUE(shadow.advance(state).is_ok());
  EXPECT_TRUE(shadow.advance(state).is_ok());  // nothing changed

  b.first_id = 60;
  b.wh = Energy(40);
  b.owner = community::household(1);
  cursor.next_bundle = 2;
  state.put(cert_keys::cursor(), encode_to_bytes(cursor));
  state.put(cert_keys::bundle(1), encode_to_bytes(b));
  Status st = shadow.advance(state);
  EXPECT_EQ(st.code(), Code::kInternal);
  EXPECT_NE(st.message().find("bundles and issuance differ"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace wattle::cluster_sim
