// The HTTP server's admission policy on its own (rpc/admission.h), without
// sockets: the per-address cap, the connection limit and whom it evicts,
// that two newcomers never evict for one place, and the request-body
// budgets. The socket-level behaviour is in hostile_clients_test.cpp.
#include "rpc/admission.h"

#include <gtest/gtest.h>

#include "rpc/http_server.h"

namespace wattle::rpc {
namespace {

// A session that records being told to close.
struct FakeSession : Admission::Evictable {
  int evictions = 0;
  void evict() override { ++evictions; }
};

class AdmissionTest : public ::testing::Test {
 protected:
  AdmissionTest() {
    config_.max_connections = 3;
    config_.max_connections_per_ip = 2;
    config_.max_body_bytes_per_ip = 1'000;
    config_.max_body_bytes_total = 1'500;
  }

  // Admits a connection from `ip` whose session is `session`.
  std::shared_ptr<Admission::Ticket> admit(const std::string& ip,
                                           const std::shared_ptr<FakeSession>& session) {
    std::string_view why;
    auto t = admission_.admit(ip, why);
    if (t) t->set_owner(session);
    last_why_ = std::string(why);
    return t;
  }

  HttpServerConfig config_;
  Counter evicted_;
  Gauge open_;
  Admission admission_{config_, evicted_, open_};
  std::string last_why_;
};

TEST_F(AdmissionTest, AnAddressOverItsCapIsRefusedUntilOneOfItsConnectionsCloses) {
  auto s = std::make_shared<FakeSession>();
  auto a = admit("10.0.0.1", s);
  auto b = admit("10.0.0.1", s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(admit("10.0.0.1", s), nullptr);
  EXPECT_EQ(last_why_, "too many connections from this address");
  EXPECT_EQ(s->evictions, 0);  // a per-address refusal evicts nobody
  a.reset();
  auto c = admit("10.0.0.1", s);
  EXPECT_NE(c, nullptr);
  EXPECT_EQ(open_.value(), 2);  // b and c: a gave its place back
  c.reset();
  EXPECT_EQ(open_.value(), 1);
}

TEST_F(AdmissionTest, WhenFullTheLongestIdleConnectionIsEvictedNotABusyOne) {
  auto busy = std::make_shared<FakeSession>(), idle_old = std::make_shared<FakeSession>(),
       idle_new = std::make_shared<FakeSession>();
  auto t1 = admit("10.0.0.1", busy);
  auto t2 = admit("10.0.0.2", idle_old);
  auto t3 = admit("10.0.0.3", idle_new);
  ASSERT_TRUE(t1 && t2 && t3);
  t1->set_phase(Admission::Phase::kBusy);
  t2->set_phase(Admission::Phase::kIdle);
  t3->set_phase(Admission::Phase::kIdle);  // idle for less time than t2
  auto newcomer = std::make_shared<FakeSession>();
  auto t4 = admit("10.0.0.4", newcomer);
  ASSERT_NE(t4, nullptr);
  EXPECT_EQ(idle_old->evictions, 1);
  EXPECT_EQ(idle_new->evictions, 0);
  EXPECT_EQ(busy->evictions, 0);
  EXPECT_EQ(evicted_.value(), 1u);
  // The victim has not closed yet, but its place is claimed: a second
  // newcomer evicts the other idle connection, not the same one again.
  auto t5 = admit("10.0.0.5", newcomer);
  ASSERT_NE(t5, nullptr);
  EXPECT_EQ(idle_old->evictions, 1);
  EXPECT_EQ(idle_new->evictions, 1);
  EXPECT_EQ(evicted_.value(), 2u);
}

TEST_F(AdmissionTest, WhenEveryConnectionIsBusyANewcomerIsRefused) {
  auto s = std::make_shared<FakeSession>();
  std::vector<std::shared_ptr<Admission::Ticket>> held;
  for (const char* ip : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    held.push_back(admit(ip, s));
    ASSERT_NE(held.back(), nullptr);
    held.back()->set_phase(Admission::Phase::kBusy);
  }
  EXPECT_EQ(admit("10.0.0.9", s), nullptr);
  EXPECT_EQ(last_why_, "too many connections");
  EXPECT_EQ(s->evictions, 0);
  EXPECT_EQ(admission_.active(), 3u);
  held.pop_back();  // one closes: room again
  EXPECT_NE(admit("10.0.0.9", s), nullptr);
}

TEST_F(AdmissionTest, AHeaderReaderIsEvictedBeforeABodyAndTheSlowestBodyFirst) {
  auto header = std::make_shared<FakeSession>(), fast = std::make_shared<FakeSession>(),
       slow = std::make_shared<FakeSession>();
  auto t1 = admit("10.0.0.1", fast);
  auto t2 = admit("10.0.0.2", slow);
  auto t3 = admit("10.0.0.3", header);
  t1->set_phase(Admission::Phase::kBody);
  t1->set_body_bytes(900);
  t2->set_phase(Admission::Phase::kBody);
  t2->set_body_bytes(1);
  t3->set_phase(Admission::Phase::kHeader);
  auto n = std::make_shared<FakeSession>();
  auto t4 = admit("10.0.0.4", n);
  ASSERT_NE(t4, nullptr);
  EXPECT_EQ(header->evictions, 1);
  // (A new connection starts idle, so it would be the next victim.)
  t4->set_phase(Admission::Phase::kBusy);
  ASSERT_NE(admit("10.0.0.5", n), nullptr);
  EXPECT_EQ(slow->evictions, 1);  // 1 byte so far: the lowest rate
  EXPECT_EQ(fast->evictions, 0);
}

TEST_F(AdmissionTest, BodyBytesStayWithinThePerAddressAndTotalBudgets) {
  EXPECT_TRUE(admission_.charge_body("10.0.0.1", 600));
  EXPECT_FALSE(admission_.charge_body("10.0.0.1", 401));  // 1,001 > 1,000 per address
  EXPECT_TRUE(admission_.charge_body("10.0.0.1", 400));
  EXPECT_TRUE(admission_.charge_body("10.0.0.2", 500));
  EXPECT_FALSE(admission_.charge_body("10.0.0.3", 1));  // 1,501 > 1,500 in all
  EXPECT_EQ(admission_.body_bytes_in_flight(), 1'500u);
  admission_.release_body("10.0.0.1", 1'000);
  EXPECT_EQ(admission_.body_bytes_in_flight(), 500u);
  EXPECT_TRUE(admission_.charge_body("10.0.0.3", 1'000));
  admission_.release_body("10.0.0.2", 500);
  admission_.release_body("10.0.0.3", 1'000);
  EXPECT_EQ(admission_.body_bytes_in_flight(), 0u);
}

}  // namespace
}  // namespace wattle::rpc
