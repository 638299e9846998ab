// Bad input and faults against a live Switch: unknown keys,
// replayed handshakes, tampered ciphertext, garbage, oversized and truncated
// frames, a flooding peer, slowloris handshakes, misbehaviour reports. Each
// is refused or dropped, counted, and honest peers keep being served.
#include <gtest/gtest.h>

#include "net/harness.h"

namespace wattle::net::testing {
namespace {

const KeyPair kRaw = KeyPair::from_label("raw-peer");

// A node that admits the raw test peer and `others`.
SwitchConfig admitting_raw(std::vector<PublicKey> others = {}) {
  others.push_back(kRaw.public_key());
  return config_allowing(others);
}

TEST(Faults, UnknownKeyIsRefusedAfterTheHandshake) {
  TestNode a("fa-a", admitting_raw());
  RawPeer stranger(a.port());
  // The stranger proves its key, so the refusal is about who it is.
  ASSERT_TRUE(stranger.handshake(KeyPair::from_label("stranger")).is_ok());
  EXPECT_TRUE(stranger.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_refused == 1; }));
  EXPECT_EQ(a.connects(), 0);

  // A full node that is not on the list, dialing with backoff: never admitted.
  TestNode c("fa-c", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_refused >= 3; }));
  EXPECT_EQ(a.connects(), 0);
}

TEST(Faults, WrongNetworkIsRefusedBeforeAnyoneSigns) {
  TestNode a("fw-a", admitting_raw());
  RawPeer other(a.port());
  EXPECT_EQ(other.handshake(kRaw, "another-chain").code(), Code::kWrongChain);
  EXPECT_TRUE(other.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_failed == 1; }));
  EXPECT_EQ(a.connects(), 0);
}

TEST(Faults, ReplayedHandshakeIsRefused) {
  TestNode a("fr-a", admitting_raw());
  Bytes recorded;
  {
    RawPeer honest(a.port());
    ASSERT_TRUE(honest.handshake(kRaw).is_ok());
    ASSERT_TRUE(eventually([&] { return a.connects() == 1; }));
    recorded = honest.written();  // its Hello and Auth frames, byte for byte
  }
  ASSERT_TRUE(eventually([&] { return a.disconnects() == 1; }));
  // Replaying them to a new connection: the listener's fresh ephemeral key
  // makes the recorded Auth undecryptable, so no session and no admission.
  RawPeer replayer(a.port());
  replayer.write(recorded);
  EXPECT_TRUE(replayer.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_failed == 1; }));
  EXPECT_EQ(a.connects(), 1);
}

TEST(Faults, TamperedCiphertextDropsAndBansThePeer) {
  TestNode a("ft-a", admitting_raw());
  RawPeer raw(a.port());
  ASSERT_TRUE(raw.handshake(kRaw).is_ok());
  raw.write_frame(raw.seal(ChannelId::kConsensus, bytes_of("honest vote")));
  Bytes tampered = raw.seal(ChannelId::kConsensus, bytes_of("forged vote"));
  tampered[3] ^= 0x20;
  raw.write_frame(tampered);
  EXPECT_TRUE(raw.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_banned == 1; }));
  const auto m = a.metrics();
  EXPECT_EQ(m.protocol_errors, 1u);
  ASSERT_EQ(a.received().size(), 1u);  // the honest vote only
  EXPECT_EQ(a.received()[0].payload, bytes_of("honest vote"));
  EXPECT_TRUE(a.on_io([&] { return a.sw().is_banned(kRaw.public_key()); }));

  // While banned it is refused even with a perfect handshake.
  RawPeer again(a.port());
  ASSERT_TRUE(again.handshake(kRaw).is_ok());
  EXPECT_TRUE(again.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_refused == 1; }));
  EXPECT_EQ(a.connects(), 1);
}

TEST(Faults, GarbageBeforeAndAfterTheHandshake) {
  TestNode a("fg-a", admitting_raw());
  {
    RawPeer noise(a.port());
    Bytes junk(300);
    randombytes_buf(junk.data(), junk.size());
    junk[0] = 0x40;  // a plausible small length, so the body is read and refused
    junk[1] = junk[2] = junk[3] = 0;
    noise.write(junk);
    EXPECT_TRUE(noise.closed_by_remote());
  }
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_failed == 1; }));

  RawPeer raw(a.port());
  ASSERT_TRUE(raw.handshake(kRaw).is_ok());
  Bytes junk(64, 0xAB);
  raw.write_frame(junk);
  EXPECT_TRUE(raw.closed_by_remote());
  // The ban is counted after the error (when the connection closes).
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_banned == 1; }));
  EXPECT_EQ(a.metrics().protocol_errors, 1u);
}

TEST(Faults, OversizedFramesAreRefusedFromTheirHeader) {
  SwitchConfig c = admitting_raw();
  c.limits.max_frame_bytes = 64 << 10;
  TestNode a("fo-a", c);
  {
    // Before the handshake only handshake-sized frames are accepted.
    RawPeer early(a.port());
    Bytes header = {0xE8, 0x03, 0, 0};  // 1000 bytes > kMaxHandshakeFrameBytes
    early.write(header);
    EXPECT_TRUE(early.closed_by_remote());
  }
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_failed == 1; }));

  RawPeer raw(a.port());
  ASSERT_TRUE(raw.handshake(kRaw).is_ok());
  Bytes header = {0, 0, 0, 0x04};  // 64 MiB announced; the body never needs to come
  raw.write(header);
  EXPECT_TRUE(raw.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().protocol_errors == 1; }));
}

TEST(Faults, DisconnectMidFrameDeliversNothingAndOthersAreServed) {
  TestNode a("fm-a", admitting_raw({KeyPair::from_label("fm-b").public_key()}));
  {
    RawPeer raw(a.port());
    ASSERT_TRUE(raw.handshake(kRaw).is_ok());
    ASSERT_TRUE(eventually([&] { return a.connects() == 1; }));
    Bytes frame;
    append_frame(frame, raw.seal(ChannelId::kTxGossip, Bytes(1000, 7)));
    frame.resize(frame.size() / 2);
    raw.write(frame);
    raw.close();
  }
  ASSERT_TRUE(eventually([&] { return a.disconnects() == 1; }));
  EXPECT_TRUE(eventually([&] { return a.metrics().frames_truncated == 1; }));
  EXPECT_TRUE(a.received().empty());
  EXPECT_EQ(a.metrics().peers_banned, 0u);  // a dropped link is not an offence

  TestNode b("fm-b", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return b.is_connected_to(a.id()); }));
  ASSERT_TRUE(
      b.on_io([&] { return b.sw().send(a.id(), ChannelId::kTxGossip, bytes_of("tx")); }).is_ok());
  ASSERT_TRUE(eventually([&] { return a.received_from(b.id()) == 1; }));
}

TEST(Faults, FloodingPeerIsBannedWhileAnHonestPeerIsServed) {
  const PublicKey honest_id = KeyPair::from_label("ff-honest").public_key();
  SwitchConfig c = admitting_raw({honest_id});
  c.limits.recv_frames_per_s = 20;
  c.limits.recv_frames_burst = 20;
  TestNode a("ff-a", c);
  TestNode honest("ff-honest", config_allowing({}, {address_of(a.id(), a.port())}));
  // Both ends: each admits the other when it has verified the other's Auth.
  ASSERT_TRUE(
      eventually([&] { return a.is_connected_to(honest_id) && honest.is_connected_to(a.id()); }));

  RawPeer flooder(a.port());
  ASSERT_TRUE(flooder.handshake(kRaw).is_ok());
  // 1000 frames at once: far over 20/s whatever the machine's speed.
  Bytes burst;
  for (int i = 0; i < 1000; ++i)
    append_frame(burst, flooder.seal(ChannelId::kTxGossip, Bytes(32, 1)));
  flooder.write(burst);
  EXPECT_TRUE(flooder.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_banned == 1; }));
  EXPECT_LT(a.received_from(kRaw.public_key()), 1000u);
  EXPECT_GT(a.metrics().channels[index_of(ChannelId::kTxGossip)].frames_dropped, 0u);

  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(honest
                    .on_io([&] {
                      return honest.sw().send(a.id(), ChannelId::kTxGossip, bytes_of("honest"));
                    })
                    .is_ok());
  }
  ASSERT_TRUE(eventually([&] { return a.received_from(honest_id) == 10; }));
  EXPECT_TRUE(a.is_connected_to(honest_id));
}

TEST(Faults, BandwidthOverTheLimitIsSlowedNotDropped) {
  // 1 MiB against a 256 KiB/s byte limit: delivered in full (it takes a few
  // seconds), nothing dropped, nobody scored or banned.
  const PublicKey b_id = KeyPair::from_label("fbw-b").public_key();
  SwitchConfig c = config_allowing({b_id});
  c.limits.recv_bytes_per_s = 256 << 10;
  c.limits.recv_bytes_burst = 64 << 10;
  TestNode a("fbw-a", c);
  TestNode b("fbw-b", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(b_id) && b.is_connected_to(a.id()); }));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(b.on_io([&] {
                   return b.sw().send(a.id(), ChannelId::kBlockSync, Bytes(256 << 10, 1));
                 }).is_ok());
  }
  ASSERT_TRUE(eventually([&] { return a.received_from(b_id) == 4; }));
  const auto m = a.metrics();
  EXPECT_EQ(m.channels[index_of(ChannelId::kBlockSync)].frames_dropped, 0u);
  EXPECT_EQ(m.peers_banned, 0u);
  EXPECT_EQ(a.connects(), 1);
}

TEST(Faults, SlowlorisHandshakeTimesOutAndPendingSocketsAreBounded) {
  SwitchConfig c = admitting_raw();
  c.limits.handshake_timeout = 200ms;
  TestNode a("fs-a", c);
  RawPeer slow(a.port());
  slow.write(Bytes{0x10, 0});  // half a header, then nothing
  EXPECT_TRUE(slow.closed_by_remote());
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_failed == 1; }));

  SwitchConfig d = admitting_raw();
  d.limits.max_pending_handshakes = 2;
  TestNode b("fs-b", d);
  // The kernel's accept queue is FIFO: s1 and s2 take the two pending slots,
  // and s3 makes room by closing the oldest, s1.
  RawPeer s1(b.port()), s2(b.port());
  RawPeer s3(b.port());
  EXPECT_TRUE(s1.closed_by_remote());
  EXPECT_EQ(b.metrics().handshakes_evicted, 1u);
  EXPECT_TRUE(s3.handshake(kRaw).is_ok());
  EXPECT_EQ(b.metrics().handshakes_evicted, 1u);
}

TEST(Faults, APeerTricklingAFrameGoesIdleWhileKeepalivesKeepHonestPeersUp) {
  const PublicKey b_id = KeyPair::from_label("fi-b").public_key();
  auto short_timers = [](SwitchConfig c) {
    c.limits.ping_interval = 20ms;
    c.limits.idle_timeout = 1000ms;  // 50 keepalive periods: margin for loaded machines
    return c;
  };
  TestNode a("fi-a", short_timers(admitting_raw({b_id})));
  TestNode b("fi-b", short_timers(config_allowing({}, {address_of(a.id(), a.port())})));
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(b_id); }));

  RawPeer trickler(a.port());
  ASSERT_TRUE(trickler.handshake(kRaw).is_ok());
  trickler.write(Bytes{0xff, 0xff, 0x00, 0x00});  // a 64 KiB frame, then a byte at a time
  ASSERT_TRUE(eventually([&] {
    trickler.write(Bytes{0x01});
    std::this_thread::sleep_for(10ms);
    return a.metrics().frames_truncated == 0 && a.disconnects() == 1;
  }));
  EXPECT_EQ(a.metrics().protocol_errors, 0u);  // dropped for idling, not for its bytes
  // b sent no messages, only keepalives, for all that time: still connected.
  EXPECT_TRUE(a.is_connected_to(b_id));
  EXPECT_EQ(a.connects(), 2);
}

TEST(Faults, APeerThatStopsReadingIsDroppedAndItsQueuesFreed) {
  SwitchConfig c = admitting_raw();
  c.limits.ping_interval = 20ms;
  c.limits.idle_timeout = 1000ms;
  TestNode a("fk-a", c);
  RawPeer deaf(a.port());
  ASSERT_TRUE(deaf.handshake(kRaw).is_ok());
  ASSERT_TRUE(eventually([&] { return a.connects() == 1; }));
  // a keeps its queue to the peer full; the peer sends keepalives (so it is
  // not idle) but never reads, until the kernel buffers fill and a's write stalls.
  const Bytes block(256u << 10, 7);
  ASSERT_TRUE(eventually([&] {
    a.on_io([&] {
      while (a.sw().send(kRaw.public_key(), ChannelId::kBlockSync, block).is_ok()) {
      }
    });
    deaf.write_frame(deaf.cipher()->seal({}));
    std::this_thread::sleep_for(10ms);
    return a.disconnects() == 1;
  }));
  EXPECT_GT(a.metrics().channels[index_of(ChannelId::kBlockSync)].frames_dropped, 0u);
  EXPECT_EQ(a.metrics().peers_banned, 0u);  // slow is not malicious
}

TEST(Faults, MaxPeersRefusesTheOneTooMany) {
  const PublicKey b_id = KeyPair::from_label("fp-b").public_key();
  const PublicKey c_id = KeyPair::from_label("fp-c").public_key();
  SwitchConfig ca = config_allowing({b_id, c_id});
  ca.limits.max_peers = 1;
  TestNode a("fp-a", ca);
  TestNode b("fp-b", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(b_id); }));
  TestNode c("fp-c", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_refused >= 1; }));
  EXPECT_FALSE(a.is_connected_to(c_id));
  EXPECT_EQ(a.metrics().peers, 1u);
}

TEST(Faults, ReportedMisbehaviourBansAndTheBanHolds) {
  const KeyPair kb = KeyPair::from_label("fb-b");
  TestNode a("fb-a", config_allowing({kb.public_key()}));
  TestNode b("fb-b", config_allowing({}, {address_of(a.id(), a.port())}));
  ASSERT_TRUE(eventually([&] { return a.is_connected_to(b.id()); }));
  a.on_io([&] { a.sw().report_misbehavior(b.id(), 60, "bad vote signature"); });
  EXPECT_TRUE(a.is_connected_to(b.id()));  // below the threshold: still a peer
  a.on_io([&] { a.sw().report_misbehavior(b.id(), 60, "bad vote signature"); });
  ASSERT_TRUE(
      eventually([&] { return a.metrics().peers_banned == 1 && !a.is_connected_to(b.id()); }));
  // b keeps redialling; a keeps refusing while the ban lasts.
  ASSERT_TRUE(eventually([&] { return a.metrics().peers_refused >= 2; }));
  EXPECT_EQ(a.connects(), 1);
}

TEST(Faults, ADialledAddressMustProveTheNodeIdWeAskedFor) {
  // a believes node "expected" listens at b's port; b answers with its own
  // key, valid but not the one dialled: a drops it and keeps redialling.
  const KeyPair expected = KeyPair::from_label("fx-expected");
  TestNode b("fx-b", config_allowing({KeyPair::from_label("fx-a").public_key()}));
  TestNode a("fx-a", config_allowing({b.id()}, {address_of(expected.public_key(), b.port())}));
  ASSERT_TRUE(eventually([&] { return a.metrics().handshakes_failed >= 2; }));
  EXPECT_EQ(a.connects(), 0);
}

}  // namespace
}  // namespace wattle::net::testing
