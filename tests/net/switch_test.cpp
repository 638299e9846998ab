// The Switch over real loopback sockets: handshakes between two and four
// nodes, channel delivery, send-queue bounds, and reconnecting to a
// persistent peer that restarts.
#include <gtest/gtest.h>

#include "net/harness.h"

namespace wattle::net::testing {
namespace {

TEST(Switch, TwoPeersHandshakeAndExchangeOnEveryChannel) {
  const PublicKey b_id = KeyPair::from_label("two-b").public_key();
  TestNode a("two-a", config_allowing({b_id}));
  ASSERT_TRUE(a.start_status().is_ok()) << a.start_status().to_string();
  TestNode b("two-b", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(b.id()) && b.is_connected_to(a.id()); }));

  for (uint8_t c = 0; c < kChannelCount; ++c) {
    const auto ch = static_cast<ChannelId>(c);
    ASSERT_TRUE(b.on_io([&] { return b.sw().send(a.id(), ch, bytes_of("to-a")); }).is_ok());
    ASSERT_TRUE(a.on_io([&] { return a.sw().send(b.id(), ch, bytes_of("to-b")); }).is_ok());
  }
  ASSERT_TRUE(eventually([&] { return a.received().size() == 4 && b.received().size() == 4; }));
  auto got = a.received();
  for (uint8_t c = 0; c < kChannelCount; ++c) {
    EXPECT_EQ(got[c].from, b.id());
    EXPECT_EQ(got[c].channel, static_cast<ChannelId>(c));  // one stream: order kept per channel
    EXPECT_EQ(got[c].payload, bytes_of("to-a"));
  }
  const auto m = a.metrics();
  EXPECT_EQ(m.peers, 1u);
  EXPECT_EQ(m.channels[0].frames_in, 1u);
  EXPECT_EQ(m.channels[0].bytes_in, 4u);
  EXPECT_EQ(m.channels[3].bytes_out, 4u);
  EXPECT_EQ(m.handshakes_failed, 0u);
}

TEST(Switch, FourPeersFormAFullMeshAndBroadcast) {
  constexpr int kN = 4;
  std::vector<KeyPair> keys;
  for (int i = 0; i < kN; ++i) keys.push_back(KeyPair::from_label("mesh-" + std::to_string(i)));
  std::vector<std::unique_ptr<TestNode>> nodes;
  std::vector<uint16_t> ports;
  // Node i dials every earlier node and allows everyone: the later ones dial in.
  for (int i = 0; i < kN; ++i) {
    std::vector<PublicKey> all;
    for (auto& k : keys) all.push_back(k.public_key());
    std::vector<PeerAddress> earlier;
    for (int j = 0; j < i; ++j) earlier.push_back(address_of(keys[j].public_key(), ports[j]));
    nodes.push_back(
        std::make_unique<TestNode>("mesh-" + std::to_string(i), config_allowing(all, earlier)));
    ports.push_back(nodes.back()->port());
  }
  ASSERT_TRUE(eventually([&] {
    for (auto& n : nodes)
      if (n->peer_count() != kN - 1) return false;
    return true;
  }));
  for (auto& n : nodes) {
    EXPECT_EQ(n->on_io([&] { return n->sw().broadcast(ChannelId::kTxGossip, bytes_of("tx")); }),
              size_t{kN - 1});
  }
  ASSERT_TRUE(eventually([&] {
    for (auto& n : nodes)
      if (n->received().size() != kN - 1) return false;
    return true;
  }));
}

TEST(Switch, SimultaneousDialsSettleOnOneConnection) {
  // Both name each other as persistent peers, so both dial at start; each
  // end keeps the connection dialled by the smaller id: exactly one survives
  // and carries traffic both ways.
  const KeyPair ka = KeyPair::from_label("sim-a"), kb = KeyPair::from_label("sim-b");
  const uint16_t pa = free_port(), pb = free_port();
  SwitchConfig ca = config_allowing({}, {address_of(kb.public_key(), pb)});
  ca.listen_port = pa;
  SwitchConfig cb = config_allowing({}, {address_of(ka.public_key(), pa)});
  cb.listen_port = pb;
  TestNode a("sim-a", ca);
  TestNode b("sim-b", cb);
  ASSERT_TRUE(a.start_status().is_ok() && b.start_status().is_ok());
  ASSERT_TRUE(eventually([&] {
    if (!a.is_connected_to(b.id()) || !b.is_connected_to(a.id())) return false;
    // Delivery both ways proves both ends kept the same connection.
    a.on_io([&] { (void)a.sw().send(b.id(), ChannelId::kConsensus, bytes_of("ab")); });
    b.on_io([&] { (void)b.sw().send(a.id(), ChannelId::kConsensus, bytes_of("ba")); });
    return a.received_from(b.id()) > 0 && b.received_from(a.id()) > 0;
  }));
  EXPECT_EQ(a.metrics().peers, 1u);
  EXPECT_EQ(b.metrics().peers, 1u);
}

TEST(Switch, AfterSimultaneousDialsBothEndsStillRedial) {
  // Whichever of a node's connections was superseded, the node must still
  // redial when the surviving one drops. Each side in turn restarts without
  // dialing back, so only the other side's redial can reconnect them.
  for (int restart_b : {0, 1}) {
    const std::string tag = "sr" + std::to_string(restart_b);
    const KeyPair ka = KeyPair::from_label(tag + "-a"), kb = KeyPair::from_label(tag + "-b");
    const uint16_t pa = free_port(), pb = free_port();
    auto make = [&](const KeyPair& self, const KeyPair& other, uint16_t own, uint16_t theirs,
                    bool dial) {
      SwitchConfig c = config_allowing({other.public_key()});
      if (dial) c.persistent_peers = {address_of(other.public_key(), theirs)};
      c.listen_port = own;
      return std::make_unique<TestNode>(
          self.public_key() == ka.public_key() ? tag + "-a" : tag + "-b", c);
    };
    auto a = make(ka, kb, pa, pb, true);
    auto b = make(kb, ka, pb, pa, true);
    ASSERT_TRUE(eventually([&] {
      return a->is_connected_to(kb.public_key()) && b->is_connected_to(ka.public_key());
    }));
    auto& restarted = restart_b ? b : a;
    auto& survivor = restart_b ? a : b;
    const KeyPair& rk = restart_b ? kb : ka;
    const KeyPair& sk = restart_b ? ka : kb;
    restarted.reset();
    ASSERT_TRUE(eventually([&] { return survivor->disconnects() >= 1; }));
    restarted = make(rk, sk, restart_b ? pb : pa, restart_b ? pa : pb, false);
    ASSERT_TRUE(restarted->start_status().is_ok());
    ASSERT_TRUE(eventually([&] { return survivor->is_connected_to(rk.public_key()); }))
        << "restart_b=" << restart_b;
  }
}

TEST(Switch, SendQueueIsBoundedAndRefusesWhenFull) {
  const PublicKey b_id = KeyPair::from_label("q-b").public_key();
  SwitchConfig ca = config_allowing({b_id});
  ca.limits.channels[index_of(ChannelId::kTxGossip)] = {2, 1 << 20};
  TestNode a("q-a", ca);
  TestNode b("q-b", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(b_id); }));
  // In one handler: the first message starts a write, the next two fill the
  // queue of 2, the rest are refused — no timing involved.
  auto results = a.on_io([&] {
    std::vector<Code> codes;
    for (int i = 0; i < 10; ++i) {
      codes.push_back(a.sw().send(b_id, ChannelId::kTxGossip, Bytes(100, 1)).code());
    }
    return codes;
  });
  EXPECT_EQ(std::count(results.begin(), results.end(), Code::kOk), 3);
  EXPECT_EQ(std::count(results.begin(), results.end(), Code::kUnavailable), 7);
  EXPECT_EQ(a.metrics().channels[index_of(ChannelId::kTxGossip)].frames_dropped, 7u);
  // Consensus has its own queue: not affected by the full gossip queue.
  EXPECT_TRUE(a.on_io([&] { return a.sw().send(b_id, ChannelId::kConsensus, Bytes(1)); }).is_ok());
  EXPECT_EQ(
      a.on_io([&] { return a.sw().send(b_id, ChannelId::kConsensus, Bytes(8u << 20)); }).code(),
      Code::kTooLarge);
  EXPECT_EQ(a.on_io([&] {
               return a.sw().send(KeyPair::from_label("nobody").public_key(), ChannelId::kConsensus,
                                  Bytes(1));
             }).code(),
            Code::kNotFound);
  ASSERT_TRUE(eventually([&] { return b.received().size() == 4; }));
}

TEST(Switch, ReconnectsWithBackoffAfterTheRemoteRestarts) {
  const KeyPair kb = KeyPair::from_label("restart-b");
  auto b = std::make_unique<TestNode>(
      "restart-b", config_allowing({KeyPair::from_label("restart-a").public_key()}));
  const uint16_t port = b->port();
  TestNode a("restart-a", config_allowing({}, {address_of(kb.public_key(), port)}));
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(kb.public_key()); }));

  b.reset();  // the remote goes away
  ASSERT_TRUE(eventually([&] { return a.disconnects() == 1; }));
  // While it is down, a keeps dialing with growing delays.
  ASSERT_TRUE(eventually([&] { return a.metrics().dials >= 3; }));

  SwitchConfig again = config_allowing({a.id()});
  again.listen_port = port;
  b = std::make_unique<TestNode>("restart-b", again);
  ASSERT_TRUE(b->start_status().is_ok()) << b->start_status().to_string();
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(kb.public_key()) && a.connects() == 2; }));
  ASSERT_TRUE(a.on_io([&] {
                 return a.sw().send(kb.public_key(), ChannelId::kBlockSync, bytes_of("sync"));
               }).is_ok());
  ASSERT_TRUE(eventually([&] { return b->received().size() == 1; }));
}

TEST(Switch, StartReportsBadConfig) {
  SwitchConfig bad;
  bad.listen_host = "not-an-ip";
  TestNode n("bad", bad);
  EXPECT_EQ(n.start_status().code(), Code::kInvalidArgument);
  SwitchConfig taken;
  {
    TestNode first("first", SwitchConfig{});
    taken.listen_port = first.port();
    TestNode second("second", taken);
    EXPECT_EQ(second.start_status().code(), Code::kIoError);
  }
}

}  // namespace
}  // namespace wattle::net::testing
