#include "net/handshake.h"

#include <gtest/gtest.h>

#include <optional>

namespace wattle::net {
namespace {

struct Pair {
  KeyPair a = KeyPair::from_label("hs-a");
  KeyPair b = KeyPair::from_label("hs-b");
  Handshake dialer{Role::kDialer, a, "net-1"};
  Handshake listener{Role::kListener, b, "net-1"};
};

struct Session {
  SessionCipher dialer;
  SessionCipher listener;
};

// Runs both sides of a handshake against each other, checking each learns
// the other's node key.
std::optional<Session> complete(Pair& p) {
  auto auth_d = p.dialer.on_remote_hello(p.listener.hello());
  auto auth_l = p.listener.on_remote_hello(p.dialer.hello());
  if (!auth_d.is_ok() || !auth_l.is_ok()) return std::nullopt;
  auto id_of_l = p.dialer.on_remote_auth(*auth_l);
  auto id_of_d = p.listener.on_remote_auth(*auth_d);
  if (!id_of_l.is_ok() || !id_of_d.is_ok()) return std::nullopt;
  EXPECT_EQ(*id_of_l, p.b.public_key());
  EXPECT_EQ(*id_of_d, p.a.public_key());
  auto cd = p.dialer.take_cipher();
  auto cl = p.listener.take_cipher();
  if (!cd || !cl) return std::nullopt;
  return Session{std::move(*cd), std::move(*cl)};
}

TEST(Handshake, BothSidesLearnTheOthersKeyAndTalk) {
  Pair p;
  auto s = complete(p);
  ASSERT_TRUE(s);
  for (int i = 0; i < 3; ++i) {
    auto plain = s->listener.open(s->dialer.seal(as_bytes("ping")));
    ASSERT_TRUE(plain.is_ok());
    EXPECT_EQ(plain->size(), 4u);
    EXPECT_TRUE(s->dialer.open(s->listener.seal(as_bytes("pong"))).is_ok());
  }
}

TEST(Handshake, ReorderedCiphertextFailsAndTheStreamStaysFailed) {
  Pair p;
  auto s = complete(p);
  ASSERT_TRUE(s);
  Bytes m1 = s->dialer.seal(as_bytes("one"));
  Bytes m2 = s->dialer.seal(as_bytes("two"));
  EXPECT_EQ(s->listener.open(m2).status().code(), Code::kCorruption);
  // A failed stream stays failed, even for the right next message.
  EXPECT_EQ(s->listener.open(m1).status().code(), Code::kCorruption);
}

TEST(Handshake, TamperedCiphertextFailsAndMovesKeepTheFailure) {
  Pair p;
  auto s = complete(p);
  ASSERT_TRUE(s);
  Bytes tampered = s->dialer.seal(as_bytes("value"));
  tampered[0] ^= 1;
  EXPECT_EQ(s->listener.open(tampered).status().code(), Code::kCorruption);
  Bytes next = s->dialer.seal(as_bytes("v"));
  SessionCipher moved = std::move(s->listener);
  EXPECT_EQ(moved.open(next).status().code(), Code::kCorruption);
  EXPECT_EQ(s->listener.open(next).status().code(), Code::kCorruption);  // moved-from refuses
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

TEST(Handshake, AManInTheMiddleCannotPassAsTheListener) {
  // Mallory sits between dialer a and listener b and gives a her own
  // ephemeral key. Relaying b's genuine Auth fails: it was sealed under b's
  // keys with a, which Mallory's substitution changed.
  Pair p;
  Handshake mallory(Role::kListener, KeyPair::from_label("mallory"), "net-1");
  ASSERT_TRUE(p.dialer.on_remote_hello(mallory.hello()).is_ok());
  auto b_auth = p.listener.on_remote_hello(p.dialer.hello());
  ASSERT_TRUE(b_auth.is_ok());
  EXPECT_EQ(p.dialer.on_remote_auth(*b_auth).status().code(), Code::kCorruption);

  // Her own Auth opens, but proves her key, not b's: the Switch compares it
  // with the id in the dialled address and refuses.
  Pair q;
  Handshake mallory2(Role::kListener, KeyPair::from_label("mallory"), "net-1");
  ASSERT_TRUE(q.dialer.on_remote_hello(mallory2.hello()).is_ok());
  auto m_auth = mallory2.on_remote_hello(q.dialer.hello());
  ASSERT_TRUE(m_auth.is_ok());
  auto id = q.dialer.on_remote_auth(*m_auth);
  ASSERT_TRUE(id.is_ok());
  EXPECT_NE(*id, q.b.public_key());
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
