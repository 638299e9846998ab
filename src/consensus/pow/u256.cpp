#include "consensus/pow/u256.h"

namespace wattle::consensus::pow {

U256 U256::max() {
  return ~U256();
}

U256 U256::from_hash(const Hash256& h) {
  U256 v;
  for (size_t i = 0; i < 32; ++i) {
    const size_t limb = (31 - i) / 8, shift = ((31 - i) % 8) * 8;
    v.limbs_[limb] |= uint64_t{h.bytes[i]} << shift;
  }
  return v;
}

Hash256 U256::to_hash() const {
  Hash256 h;
  for (size_t i = 0; i < 32; ++i) {
    const size_t limb = (31 - i) / 8, shift = ((31 - i) % 8) * 8;
    h.bytes[i] = static_cast<uint8_t>(limbs_[limb] >> shift);
  }
  return h;
}

uint32_t U256::bits() const {
  for (int i = 3; i >= 0; --i)
    if (limbs_[i] != 0) return 64 * i + (64 - __builtin_clzll(limbs_[i]));
  return 0;
}

U256 U256::operator~() const {
  U256 r;
  for (size_t i = 0; i < 4; ++i) r.limbs_[i] = ~limbs_[i];
  return r;
}

U256 U256::operator<<(uint32_t shift) const {
  U256 r;
  if (shift >= 256) return r;
  const uint32_t k = shift / 64, s = shift % 64;
  for (int i = 3; i >= static_cast<int>(k); --i) {
    r.limbs_[i] = limbs_[i - k] << s;
    if (s != 0 && i - static_cast<int>(k) - 1 >= 0) r.limbs_[i] |= limbs_[i - k - 1] >> (64 - s);
  }
  return r;
}

U256 U256::operator>>(uint32_t shift) const {
  U256 r;
  if (shift >= 256) return r;
  const uint32_t k = shift / 64, s = shift % 64;
  for (uint32_t i = 0; i + k < 4; ++i) {
    r.limbs_[i] = limbs_[i + k] >> s;
    if (s != 0 && i + k + 1 < 4) r.limbs_[i] |= limbs_[i + k + 1] << (64 - s);
  }
  return r;
}

U256 U256::saturating_add(const U256& o) const {
  U256 r;
  unsigned __int128 carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    carry += static_cast<unsigned __int128>(limbs_[i]) + o.limbs_[i];
    r.limbs_[i] = static_cast<uint64_t>(carry);
    carry >>= 64;
  }
  return carry != 0 ? max() : r;
}

U256 U256::operator-(const U256& o) const {
  U256 r;
  uint64_t borrow = 0;
  for (size_t i = 0; i < 4; ++i) {
    const uint64_t a = limbs_[i], b = o.limbs_[i];
    r.limbs_[i] = a - b - borrow;
    borrow = (a < b || (a == b && borrow)) ? 1 : 0;
  }
  return r;
}

// Shift-and-subtract long division: at most 256 steps, only for retargets
// and block work, never per hash.
U256 U256::operator/(const U256& d) const {
  if (d.is_zero()) return U256();
  U256 q, rem;
  for (int bit = static_cast<int>(bits()) - 1; bit >= 0; --bit) {
    rem = rem << 1;
    rem.limbs_[0] |= (limbs_[bit / 64] >> (bit % 64)) & 1;
    if (rem >= d) {
      rem = rem - d;
      q.limbs_[bit / 64] |= uint64_t{1} << (bit % 64);
    }
  }
  return q;
}

U256 U256::mul_div(uint64_t mul, uint64_t div) const {
  std::array<uint64_t, 5> wide{};
  unsigned __int128 carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    carry += static_cast<unsigned __int128>(limbs_[i]) * mul;
    wide[i] = static_cast<uint64_t>(carry);
    carry >>= 64;
  }
  wide[4] = static_cast<uint64_t>(carry);
  unsigned __int128 rem = 0;
  for (int i = 4; i >= 0; --i) {
    const unsigned __int128 cur = (rem << 64) | wide[i];
    wide[i] = static_cast<uint64_t>(cur / div);
    rem = cur % div;
  }
  if (wide[4] != 0) return max();
  U256 r;
  for (size_t i = 0; i < 4; ++i) r.limbs_[i] = wide[i];
  return r;
}

std::strong_ordering U256::operator<=>(const U256& o) const {
  for (int i = 3; i >= 0; --i)
    if (limbs_[i] != o.limbs_[i]) return limbs_[i] <=> o.limbs_[i];
  return std::strong_ordering::equal;
}

std::string U256::hex() const {
  const std::string full = to_hash().hex();
  const size_t first = full.find_first_not_of('0');
  return first == std::string::npos ? "0" : full.substr(first);
}

}  // namespace wattle::consensus::pow
