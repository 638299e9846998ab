#include "core/codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/address.h"
#include "core/hash.h"
#include "core/keys.h"

namespace wattle {
namespace {

TEST(Codec, IntegersRoundTripAndRejectTruncation) {
  Writer w;
  w.u8(7);
  w.u32(0xdeadbeef);
  w.u64(1ull << 60);
  w.i64(-5);
  w.boolean(true);
  Bytes b = w.data();
  Reader r(b);
  uint8_t a;
  uint32_t c;
  uint64_t d;
  int64_t e;
  bool f;
  ASSERT_TRUE(r.u8(a));
  ASSERT_TRUE(r.u32(c));
  ASSERT_TRUE(r.u64(d));
  ASSERT_TRUE(r.i64(e));
  ASSERT_TRUE(r.boolean(f));
  EXPECT_TRUE(r.finish());
  EXPECT_EQ(a, 7);
  EXPECT_EQ(c, 0xdeadbeef);
  EXPECT_EQ(d, 1ull << 60);
  EXPECT_EQ(e, -5);
  EXPECT_TRUE(f);
  for (size_t n = 0; n < b.size(); ++n) {
    Reader t(ByteView(b.data(), n));
    Status st = t.u8(a);
    if (st) st = t.u32(c);
    if (st) st = t.u64(d);
    if (st) st = t.i64(e);
    if (st) st = t.boolean(f);
    EXPECT_EQ(st.code(), Code::kMalformed) << "prefix of " << n << " bytes";
  }
}

TEST(Codec, BooleanAndEnumRangesAreStrict) {
  Bytes two = {2};
  Reader r(two);
  bool v;
  EXPECT_EQ(r.boolean(v).code(), Code::kMalformed);
  enum class E : uint8_t { kA, kB };
  Reader r2(two);
  E e;
  EXPECT_EQ(r2.enumeration(e, 1).code(), Code::kMalformed);
}

TEST(Codec, BytesRespectLimitAndTrailing) {
  Writer w;
  w.bytes(Bytes(10, 0xab));
  Bytes b = w.data();
  Bytes out;
  Reader r(b);
  EXPECT_EQ(r.bytes(out, 9).code(), Code::kTooLarge);
  Reader r2(b);
  ASSERT_TRUE(r2.bytes(out, 10));
  EXPECT_EQ(out, Bytes(10, 0xab));
  b.push_back(0);
  Reader r3(b);
  ASSERT_TRUE(r3.bytes(out, 10));
  EXPECT_EQ(r3.finish().code(), Code::kMalformed);
}

TEST(Codec, HostileCountCannotReserveMemory) {
  Writer w;
  w.u32(0xffffffff);
  Reader r(w.data());
  uint32_t n;
  EXPECT_EQ(r.count(n, 1000).code(), Code::kTooLarge);
  Reader r2(w.data());
  EXPECT_EQ(r2.count(n, 0xffffffff, 8).code(), Code::kMalformed);
}

RC_GTEST_PROP(Codec, ByteStringsRoundTrip, (std::vector<uint8_t> data)) {
  Writer w;
  w.bytes(data);
  Reader r(w.data());
  Bytes out;
  RC_ASSERT(r.bytes(out, data.size()).is_ok());
  RC_ASSERT(r.finish().is_ok());
  RC_ASSERT(out == data);
}

TEST(Hash, Blake2bKnownVector) {
  // BLAKE2b-256("abc"), from the reference implementation.
  EXPECT_EQ(blake2b256(as_bytes("abc")).hex(),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(Hash, MerkleRootDependsOnOrderAndContent) {
  Hash256 a = blake2b256(as_bytes("a")), b = blake2b256(as_bytes("b"));
  EXPECT_TRUE(merkle_root({}).is_zero());
  EXPECT_NE(merkle_root({a}), a);
  EXPECT_NE(merkle_root({a, b}), merkle_root({b, a}));
  EXPECT_NE(merkle_root({a, b, b}), merkle_root({a, b, b, b}));
  EXPECT_EQ(merkle_root({a, b}), merkle_root({a, b}));
}

TEST(Keys, SignVerifyAndRejectTampering) {
  KeyPair k = KeyPair::from_label("alice");
  Bytes msg = {1, 2, 3};
  Signature s = k.sign(msg);
  EXPECT_TRUE(verify(k.public_key(), msg, s));
  msg[0] ^= 1;
  EXPECT_FALSE(verify(k.public_key(), msg, s));
  EXPECT_EQ(KeyPair::from_seed(k.seed()).public_key(), k.public_key());
}

TEST(Address, RoundTrip) {
  Address a = Address::of(KeyPair::from_label("bob").public_key());
  std::string s = a.to_string();
  EXPECT_EQ(s.substr(0, 4), "wat1");
  auto p = Address::parse(s);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(*p, a);
}

TEST(Address, EverySingleCharacterChangeIsDetected) {
  for (int who = 0; who < 20; ++who) {
    std::string s =
        Address::of(KeyPair::from_label("k" + std::to_string(who)).public_key()).to_string();
    for (size_t i = 0; i < s.size(); ++i) {
      for (int c = 33; c < 127; ++c) {
        if (c == s[i]) continue;
        std::string t = s;
        t[i] = static_cast<char>(c);
        EXPECT_FALSE(Address::parse(t).is_ok()) << t;
      }
    }
  }
}

TEST(Address, RejectsMixedCaseAndWrongPrefix) {
  std::string s = Address::of(KeyPair::from_label("x").public_key()).to_string();
  std::string upper = s;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(Address::parse(upper).is_ok());
  std::string mixed = s;
  mixed[5] = static_cast<char>(std::toupper(mixed[5]));
  if (mixed != s) {
    EXPECT_FALSE(Address::parse(mixed).is_ok());
  }
  EXPECT_FALSE(Address::parse("").is_ok());
  EXPECT_FALSE(Address::parse("btc1qqqqqq").is_ok());
}

}  // namespace
}  // namespace wattle
