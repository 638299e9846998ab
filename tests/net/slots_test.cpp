// Handshake slots under a crowd of silent sockets (docs/network.md, section 5):
// pending inbound handshakes are budgeted per source address and in total,
// the oldest gives way when a budget is full, and our own dials are outside
// the budgets. So a crowd only displaces itself, an honest peer that arrives
// after it still gets in, and a validator restarted under a flood of silent
// sockets against every node's port reaches its persistent peers.
#include <gtest/gtest.h>

#include "net/harness.h"
#include "net/silent_flood.h"

namespace wattle::net::testing {
namespace {

const KeyPair kRaw = KeyPair::from_label("slots/raw-peer");

SwitchConfig admitting_raw() {
  return config_allowing({kRaw.public_key()});
}

TEST(Slots, ACrowdFromOneAddressDisplacesOnlyItselfAndAnHonestLatecomerGetsIn) {
  SwitchConfig c = admitting_raw();
  c.limits.max_pending_handshakes = 4;
  c.limits.max_pending_handshakes_per_address = 2;
  c.limits.handshake_timeout = 600s;  // only eviction closes a socket here
  TestNode a("slots-a", c);
  // Five silent sockets from one address: the third, fourth and fifth each
  // close that address's oldest; the node never holds more than two of them.
  std::vector<std::unique_ptr<RawPeer>> crowd;
  for (int i = 0; i < 5; ++i) crowd.push_back(std::make_unique<RawPeer>(a.port(), "127.0.0.2"));
  EXPECT_TRUE(crowd[0]->closed_by_remote());
  EXPECT_TRUE(crowd[2]->closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_evicted == 3; }));
  // Two more addresses fill the total budget (2 + 2): a fourth address then
  // closes the oldest of an address holding the most, never its own or the others'.
  RawPeer third1(a.port(), "127.0.0.3"), third2(a.port(), "127.0.0.3");
  RawPeer late(a.port(), "127.0.0.4");
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_evicted == 4; }));
  EXPECT_TRUE(crowd[3]->closed_by_remote());  // the oldest of 127.0.0.2, the first of the largest
  // The honest peer came last and still gets in, from the crowd's own address too.
  EXPECT_TRUE(late.handshake(kRaw).is_ok());
  RawPeer honest(a.port(), "127.0.0.2");
  EXPECT_TRUE(honest.handshake(kRaw).is_ok());
  EXPECT_TRUE(eventually([&] { return a.metrics().handshakes_ok == 2; }));
}

TEST(Slots, ZeroBudgetRefusesAtAccept) {
  SwitchConfig c = admitting_raw();
  c.limits.max_pending_handshakes_per_address = 0;
  TestNode a("slots-zero", c);
  RawPeer p(a.port());
  EXPECT_TRUE(p.closed_by_remote());
  EXPECT_EQ(a.metrics().peers_refused, 1u);
}

// The attack as it was seen: silent sockets against every validator's P2P
// port, renewed about three times a second, while one validator restarts.
// A crowd from the honest peers' own address (the 16 a port) and a
// larger one from another address that reopens whatever is closed. The
// restarted node must reach both of its persistent peers.
TEST(Slots, AValidatorRestartedUnderASilentSocketFloodReachesItsPeers) {
  const KeyPair ka = KeyPair::from_label("slots/a"), kb = KeyPair::from_label("slots/b"),
                kc = KeyPair::from_label("slots/c");
  const uint16_t pa = free_port(), pb = free_port(), pc = free_port();
  auto config = [&](uint16_t own, std::vector<PeerAddress> peers) {
    SwitchConfig c = config_allowing({}, std::move(peers));
    c.listen_port = own;
    c.limits.backoff_base = Limits{}.backoff_base;  // a node's real redial pace
    c.limits.backoff_cap = Limits{}.backoff_cap;
    return c;
  };
  const PeerAddress at_a = address_of(ka.public_key(), pa), at_b = address_of(kb.public_key(), pb),
                    at_c = address_of(kc.public_key(), pc);
  auto start_a = [&] { return std::make_unique<TestNode>("slots/a", config(pa, {at_b, at_c})); };
  TestNode b("slots/b", config(pb, {at_a, at_c}));
  TestNode c("slots/c", config(pc, {at_a, at_b}));
  auto a = start_a();
  ASSERT_TRUE(a->start_status().is_ok()) << a->start_status().to_string();
  ASSERT_TRUE(eventually([&] { return a->peer_count() == 2 && b.peer_count() == 2; }));

  SilentFlood near("127.0.0.1", {pa, pb, pc}, 16, 300ms, /*reopen=*/false);
  SilentFlood far("127.0.0.2", {pa, pb, pc}, 48, 300ms, /*reopen=*/true);
  // Every socket opened, and the far crowd already reopening what was closed.
  ASSERT_TRUE(eventually([&] { return near.connects() >= 48 && far.connects() >= 2 * 144; }));
  a.reset();
  ASSERT_TRUE(eventually([&] { return !b.is_connected_to(ka.public_key()); }));
  a = start_a();
  ASSERT_TRUE(a->start_status().is_ok()) << a->start_status().to_string();
  EXPECT_TRUE(eventually([&] {
    return a->is_connected_to(kb.public_key()) && a->is_connected_to(kc.public_key());
  })) << "evicted: a="
      << a->metrics().handshakes_evicted << " b=" << b.metrics().handshakes_evicted
      << " refused at b=" << b.metrics().peers_refused;
  // The crowd was there all along: it kept displacing its own sockets.
  EXPECT_GT(b.metrics().handshakes_evicted, 0u);
}

}  // namespace
}  // namespace wattle::net::testing
