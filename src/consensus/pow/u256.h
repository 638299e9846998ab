// U256: the unsigned 256-bit integers proof of work needs (targets, block
// work, cumulative chain work), in the spirit of Bitcoin Core's arith_uint256.
//
// Promises: exact integer arithmetic, no floating point (chain work decides
// fork choice, which is consensus). Addition saturates at 2^256-1 instead of
// wrapping (a chain's work can never overflow into looking light); division
// by zero yields zero and is never asked for by the callers. A value type;
// thread-safe as values are.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "core/hash.h"

namespace wattle::consensus::pow {

class U256 {
 public:
  constexpr U256() = default;
  constexpr explicit U256(uint64_t v) : limbs_{v, 0, 0, 0} {}

  static U256 max();
  // A hash read as a big-endian number: hash bytes[0] is the most significant.
  static U256 from_hash(const Hash256& h);
  Hash256 to_hash() const;

  bool is_zero() const { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  // Number of significant bits (0 for zero).
  uint32_t bits() const;
  uint64_t low64() const { return limbs_[0]; }

  U256 operator~() const;
  U256 operator<<(uint32_t shift) const;
  U256 operator>>(uint32_t shift) const;
  // Saturating at max().
  U256 saturating_add(const U256& o) const;
  // Wrapping (callers only subtract a smaller value).
  U256 operator-(const U256& o) const;
  U256 operator/(const U256& d) const;
  // floor(this * mul / div) exactly, through a 320-bit intermediate; saturates
  // at max() when the result does not fit in 256 bits. div > 0.
  U256 mul_div(uint64_t mul, uint64_t div) const;

  std::strong_ordering operator<=>(const U256& o) const;
  bool operator==(const U256& o) const = default;

  // Lower-case hex without leading zeros ("0" for zero), as JSON shows chainwork.
  std::string hex() const;

 private:
  std::array<uint64_t, 4> limbs_{};  // little-endian limbs
};

}  // namespace wattle::consensus::pow
