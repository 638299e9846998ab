// Compact targets, block work and the retarget rule, hand-computed or taken
// from Bitcoin Core's src/test/pow_tests.cpp (same arithmetic, same answers).
#include "pow_harness.h"

namespace wattle::consensus::pow::testing {
namespace {

PowParams bitcoin_like() {
  PowParams p;
  p.pow_limit_bits = p.initial_bits = 0x1d00ffff;
  return p;
}

TEST(PowTarget, CompactDecodesAndEncodesLikeBitcoin) {
  // Bitcoin's genesis bits: 0xffff * 256^(0x1d - 3).
  EXPECT_EQ(*decode_compact(0x1d00ffff), U256(0xffff) << (8 * 26));
  EXPECT_EQ(encode_compact(U256(0xffff) << (8 * 26)), 0x1d00ffffu);
  EXPECT_EQ(*decode_compact(0x03123456), U256(0x123456));
  EXPECT_EQ(*decode_compact(0x02123456), U256(0x1234));  // exponent < 3 shifts right
  // 0x80 in the top mantissa byte would read as a sign: one more exponent byte.
  EXPECT_EQ(encode_compact(U256(0x80)), 0x02008000u);
  EXPECT_EQ(encode_compact(U256(0x123456)), 0x03123456u);
}

TEST(PowTarget, CompactRefusesZeroNegativeAndOverflow) {
  EXPECT_FALSE(decode_compact(0x1d000000));  // zero mantissa
  EXPECT_FALSE(decode_compact(0x04923456));  // sign bit
  EXPECT_FALSE(decode_compact(0x23000001));  // exponent 35: beyond 256 bits
  EXPECT_FALSE(decode_compact(0x22000100));  // 2 mantissa bytes at exponent 34
  EXPECT_TRUE(decode_compact(0x2100ffff));   // 0xffff << 240 still fits
}

TEST(PowTarget, BlockWorkOfBitcoinGenesisIsItsChainwork) {
  // Bitcoin's genesis chainwork is 0x100010001.
  EXPECT_EQ(block_work(*decode_compact(0x1d00ffff)), U256(0x100010001ull));
}

TEST(PowTarget, BlockWorkOfTestBits) {
  // 2^256 / (0xffff * 2^232 + 1) = 256.0039..., floored.
  EXPECT_EQ(block_work(*decode_compact(kTestBits)), U256(256));
  EXPECT_EQ(block_work(*decode_compact(0x1f3fffc0)), U256(1024));
  EXPECT_EQ(block_work(*decode_compact(0x1f0ffff0)), U256(4096));
  EXPECT_EQ(block_work(U256::max()), U256(1));
  EXPECT_EQ(block_work((U256(1) << 255) - U256(1)), U256(2));
}

// Bitcoin Core pow_tests get_next_work*: two weeks expected (1209600 s).
TEST(PowTarget, RetargetMatchesBitcoinVectors) {
  const PowParams p = bitcoin_like();
  const uint64_t two_weeks = 1209600;
  EXPECT_EQ(retarget(0x1d00ffff, 1262152739 - 1261130161, two_weeks, p), 0x1d00d86au);
  // Capped at the limit.
  EXPECT_EQ(retarget(0x1d00ffff, 1233061996 - 1231006505, two_weeks, p), 0x1d00ffffu);
  // Actual below expected/4: clamped to a factor of 4 harder.
  EXPECT_EQ(retarget(0x1c05a3f4, 1279297671 - 1279008237, two_weeks, p), 0x1c0168fdu);
  // Actual above expected*4: clamped to a factor of 4 easier.
  EXPECT_EQ(retarget(0x1c387f6f, 1269211443 - 1263163443, two_weeks, p), 0x1d00e1fdu);
}

TEST(PowTarget, RetargetHandComputed) {
  const PowParams p = test_params();
  // Half the expected time: target halves, 0xffff << 231 -> mantissa 0x7fff80.
  EXPECT_EQ(retarget(kTestBits, 1500, 3000, p), 0x1f7fff80u);
  // A tenth of it: clamped to a quarter, 0xffff << 230.
  EXPECT_EQ(retarget(kTestBits, 300, 3000, p), 0x1f3fffc0u);
  // Zero elapsed (equal timestamps) is a quarter too, never a division by zero.
  EXPECT_EQ(retarget(kTestBits, 0, 3000, p), 0x1f3fffc0u);
  // Slower than expected from the limit: stays at the limit.
  EXPECT_EQ(retarget(kTestBits, 6000, 3000, p), kTestBits);
  // Exactly on time: unchanged.
  EXPECT_EQ(retarget(0x1f3fffc0, 3000, 3000, p), 0x1f3fffc0u);
  // Twice as slow from a quarter: doubles (0xffff << 231).
  EXPECT_EQ(retarget(0x1f3fffc0, 6000, 3000, p), 0x1f7fff80u);
}

TEST(PowTarget, ParamsValidation) {
  EXPECT_TRUE(validate(test_params()).is_ok());
  PowParams p = test_params();
  p.initial_bits = 0x2100ffff;  // easier than the limit
  EXPECT_FALSE(validate(p).is_ok());
  p = test_params();
  p.retarget_blocks = 1;
  EXPECT_FALSE(validate(p).is_ok());
  p = test_params();
  p.pow_limit_bits = 0x2000ff00 | 0x00800000;  // negative
  EXPECT_FALSE(validate(p).is_ok());
}

TEST(PowU256, ArithmeticEdges) {
  EXPECT_EQ(U256::max().saturating_add(U256(1)), U256::max());
  EXPECT_EQ((U256(1) << 200) / (U256(1) << 100), U256(1) << 100);
  EXPECT_EQ((U256(1) << 255).mul_div(4, 2), U256::max());  // saturates past 256 bits
  EXPECT_EQ((U256(3) << 250).mul_div(2, 3), U256(1) << 251);
  EXPECT_EQ(U256::from_hash((U256(0x1234) << 100).to_hash()), U256(0x1234) << 100);
  EXPECT_EQ(U256(0x100010001ull).hex(), "100010001");
  EXPECT_EQ(U256().hex(), "0");
}

}  // namespace
}  // namespace wattle::consensus::pow::testing
