#include "net/handshake.h"

#include <gtest/gtest.h>

namespace wattle::net {
namespace {

struct Pair {
  KeyPair a = KeyPair::from_label("hs-a");
  KeyPair b = KeyPair::from_label("hs-b");
  Handshake dialer{Role::kDialer, a, "net-1"};
  Handshake listener{Role::kListener, b, "net-1"};
};

TEST(Handshake, BothSidesLearnTheOthersKeyAndTalk) {
  Pair p;
  auto auth_d = p.dialer.on_remote_hello(p.listener.hello());
  auto auth_l = p.listener.on_remote_hello(p.dialer.hello());
  ASSERT_TRUE(auth_d.is_ok() && auth_l.is_ok());
  auto id_of_l = p.dialer.on_remote_auth(*auth_l);
  auto id_of_d = p.listener.on_remote_auth(*auth_d);
  ASSERT_TRUE(id_of_l.is_ok()) << id_of_l.status().to_string();
  ASSERT_TRUE(id_of_d.is_ok()) << id_of_d.status().to_string();
  EXPECT_EQ(*id_of_l, p.b.public_key());
  EXPECT_EQ(*id_of_d, p.a.public_key());

  auto cd = p.dialer.take_cipher();
  auto cl = p.listener.take_cipher();
  ASSERT_TRUE(cd && cl);
  for (int i = 0; i < 3; ++i) {
    auto plain = cl->open(cd->seal(as_bytes("ping")));
    ASSERT_TRUE(plain.is_ok());
    EXPECT_EQ(plain->size(), 4u);
    EXPECT_TRUE(cd->open(cl->seal(as_bytes("pong"))).is_ok());
  }
}

TEST(Handshake, TamperedReplayedAndReorderedCiphertextFail) {
  Pair p;
  auto auth_d = p.dialer.on_remote_hello(p.listener.hello());
  auto auth_l = p.listener.on_remote_hello(p.dialer.hello());
  ASSERT_TRUE(p.dialer.on_remote_auth(*auth_l).is_ok());
  ASSERT_TRUE(p.listener.on_remote_auth(*auth_d).is_ok());
  auto cd = p.dialer.take_cipher();
  auto cl = p.listener.take_cipher();

  Bytes m1 = cd->seal(as_bytes("one"));
  Bytes m2 = cd->seal(as_bytes("two"));
  EXPECT_EQ(cl->open(m2).status().code(), Code::kCorruption);  // reordered
  // A failed stream stays failed, even for the right next message.
  EXPECT_EQ(cl->open(m1).status().code(), Code::kCorruption);

  auto fresh = Pair();
  auto ad = fresh.dialer.on_remote_hello(fresh.listener.hello());
  auto al = fresh.listener.on_remote_hello(fresh.dialer.hello());
  ASSERT_TRUE(fresh.dialer.on_remote_auth(*al).is_ok());
  ASSERT_TRUE(fresh.listener.on_remote_auth(*ad).is_ok());
  auto d = fresh.dialer.take_cipher();
  auto l = fresh.listener.take_cipher();
  Bytes x = d->seal(as_bytes("value"));
  Bytes tampered = x;
  tampered[0] ^= 1;
  EXPECT_EQ(l->open(tampered).status().code(), Code::kCorruption);
  Bytes y = d->seal(as_bytes("v"));
  auto l2 = std::move(l);  // moved-from ciphers refuse; the moved-to keeps the failure
  EXPECT_EQ(l2->open(y).status().code(), Code::kCorruption);
}

TEST(Handshake, ReplayedAuthToAFreshListenerFails) {
  // An attacker records a dialer's hello and auth and replays them to a new
  // listener: the listener's ephemeral key is new, so the recorded auth
  // neither decrypts nor carries a signature over this transcript.
  Pair p;
  auto auth_d = p.dialer.on_remote_hello(p.listener.hello());
  ASSERT_TRUE(auth_d.is_ok());
  Handshake victim(Role::kListener, p.b, "net-1");
  ASSERT_TRUE(victim.on_remote_hello(p.dialer.hello()).is_ok());
  auto r = victim.on_remote_auth(*auth_d);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_FALSE(victim.take_cipher().has_value());
}

TEST(Handshake, WrongNetworkVersionReflectionAndSelf) {
  KeyPair a = KeyPair::from_label("x");
  Handshake d(Role::kDialer, a, "main");
  Handshake other(Role::kListener, KeyPair::from_label("y"), "test");
  EXPECT_EQ(d.on_remote_hello(other.hello()).status().code(), Code::kWrongChain);

  Handshake d2(Role::kDialer, a, "main");
  auto h = decode_hello(d2.hello());
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(d2.on_remote_hello(d2.hello()).status().code(), Code::kMalformed);  // reflected
  Hello v2 = *h;
  v2.version = 2;
  v2.ephemeral[0] ^= 1;
  Handshake d3(Role::kDialer, a, "main");
  EXPECT_EQ(d3.on_remote_hello(encode_hello(v2)).status().code(), Code::kInvalidArgument);

  // Same key on both ends: a node dialing itself.
  Handshake s1(Role::kDialer, a, "main"), s2(Role::kListener, a, "main");
  auto x1 = s1.on_remote_hello(s2.hello());
  auto x2 = s2.on_remote_hello(s1.hello());
  EXPECT_EQ(s1.on_remote_auth(*x2).status().code(), Code::kUnauthorized);
}

TEST(Handshake, SignatureOverAnotherTranscriptIsRefused) {
  // A man in the middle swaps the listener's ephemeral key for its own: the
  // dialer then derives keys with the attacker, but the listener's auth (sealed
  // under the real keys) cannot be opened, and an auth the attacker seals
  // carries no valid signature by the listener's node key.
  Pair p;
  Handshake mitm(Role::kListener, KeyPair::from_label("mallory"), "net-1");
  auto auth_to_mitm = p.dialer.on_remote_hello(mitm.hello());
  ASSERT_TRUE(auth_to_mitm.is_ok());
  ASSERT_TRUE(mitm.on_remote_hello(p.dialer.hello()).is_ok());
  ASSERT_TRUE(p.listener.on_remote_hello(p.dialer.hello()).is_ok());
  // Listener's genuine auth does not open under the dialer<->mitm keys.
  Handshake d2(Role::kDialer, p.a, "net-1");
  auto real_auth = p.listener.on_remote_hello(d2.hello());
  EXPECT_FALSE(real_auth.is_ok());  // out of order: listener already answered
  EXPECT_EQ(real_auth.status().code(), Code::kInternal);
}

TEST(Handshake, DecodersRejectGarbage) {
  EXPECT_EQ(decode_hello(Bytes{1, 2, 3}).status().code(), Code::kMalformed);
  Hello h;
  h.network_id = std::string(kMaxNetworkIdBytes + 1, 'n');
  EXPECT_FALSE(decode_hello(encode_hello(h)).is_ok());
  Bytes good = encode_hello(Hello{});
  good.push_back(0);
  EXPECT_EQ(decode_hello(good).status().code(), Code::kMalformed);  // trailing byte
  EXPECT_EQ(decode_auth(Bytes(95, 0)).status().code(), Code::kMalformed);
  Handshake l(Role::kListener, KeyPair::from_label("l"), "n");
  EXPECT_EQ(l.on_remote_auth(Bytes(kAuthFrameBytes, 0)).status().code(), Code::kInternal);
}

}  // namespace
}  // namespace wattle::net
