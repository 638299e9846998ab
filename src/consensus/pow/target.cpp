#include "consensus/pow/target.h"

#include <algorithm>

namespace wattle::consensus::pow {

std::optional<U256> decode_compact(uint32_t bits) {
  const uint32_t exponent = bits >> 24;
  const uint32_t mantissa = bits & 0x007fffff;
  if (mantissa == 0 || (bits & 0x00800000) != 0) return std::nullopt;  // zero or negative
  if (exponent > 34 || (mantissa > 0xff && exponent > 33) || (mantissa > 0xffff && exponent > 32))
    return std::nullopt;  // more than 256 bits
  const U256 m(mantissa);
  return exponent <= 3 ? m >> (8 * (3 - exponent)) : m << (8 * (exponent - 3));
}

uint32_t encode_compact(const U256& target) {
  uint32_t size = (target.bits() + 7) / 8;
  uint64_t mantissa =
      size <= 3 ? target.low64() << (8 * (3 - size)) : (target >> (8 * (size - 3))).low64();
  if (mantissa & 0x00800000) {  // the sign bit: move one byte into the exponent
    mantissa >>= 8;
    ++size;
  }
  return static_cast<uint32_t>(mantissa) | (size << 24);
}

U256 block_work(const U256& target) {
  // 2^256 / (target+1) == (~target / (target+1)) + 1, since 2^256 - 1 - target == ~target.
  if (target == U256::max()) return U256(1);
  return (~target / target.saturating_add(U256(1))).saturating_add(U256(1));
}

bool meets_target(const Hash256& hash, const U256& target) {
  return U256::from_hash(hash) <= target;
}

uint32_t retarget(uint32_t old_bits, uint64_t actual_ms, uint64_t expected_ms,
                  const PowParams& params) {
  const uint64_t lo = expected_ms / 4, hi = expected_ms * 4;
  actual_ms = std::clamp(actual_ms, std::max<uint64_t>(lo, 1), hi);
  const U256 limit = *decode_compact(params.pow_limit_bits);
  const U256 scaled = decode_compact(old_bits).value_or(limit).mul_div(actual_ms, expected_ms);
  return encode_compact(std::min(scaled, limit));
}

Status validate(const PowParams& p) {
  if (p.target_block_ms == 0) return {Code::kInvalidArgument, "target_block_ms must be > 0"};
  if (p.retarget_blocks < 2) return {Code::kInvalidArgument, "retarget_blocks must be >= 2"};
  if (p.mtp_window == 0) return {Code::kInvalidArgument, "mtp_window must be > 0"};
  if (p.max_orphans == 0 || p.max_headers == 0)
    return {Code::kInvalidArgument, "max_orphans and max_headers must be > 0"};
  if (p.finality_depth == 0) return {Code::kInvalidArgument, "finality_depth must be > 0"};
  auto limit = decode_compact(p.pow_limit_bits);
  auto initial = decode_compact(p.initial_bits);
  if (!limit || !initial) return {Code::kInvalidArgument, "pow bits do not decode to a target"};
  if (*initial > *limit) return {Code::kInvalidArgument, "initial_bits is easier than pow_limit"};
  if (encode_compact(*initial) != p.initial_bits || encode_compact(*limit) != p.pow_limit_bits)
    return {Code::kInvalidArgument, "pow bits are not in canonical compact form"};
  return Status::ok();
}

}  // namespace wattle::consensus::pow
