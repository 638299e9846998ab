// LevelSet: which price levels of an order book side hold orders.
//
// Promise: set/reset O(1); nearest set level above or below a level in
// O(size / 4096) worst case, O(1) when the levels are dense (two-level
// bitmap: one bit per level, one summary bit per 64-level word). Memory
// about size / 8 bytes. Not thread-safe.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace wattle::market {

class LevelSet {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  explicit LevelSet(uint32_t size = 0)
      : words_((size + 63) / 64, 0), summary_((words_.size() + 63) / 64, 0) {}

  void set(uint32_t i) {
    words_[i >> 6] |= bit(i);
    summary_[i >> 12] |= bit(i >> 6);
  }
  void reset(uint32_t i) {
    uint64_t& w = words_[i >> 6];
    w &= ~bit(i);
    if (w == 0) summary_[i >> 12] &= ~bit(i >> 6);
  }
  bool test(uint32_t i) const { return (words_[i >> 6] & bit(i)) != 0; }

  // Lowest set level >= i, or kNone.
  uint32_t next_at_or_above(uint32_t i) const {
    if (i >= words_.size() * 64) return kNone;
    uint32_t w = i >> 6;
    uint64_t m = words_[w] & (~uint64_t{0} << (i & 63));
    if (m != 0) return (w << 6) | static_cast<uint32_t>(std::countr_zero(m));
    uint32_t next = w + 1;
    for (uint32_t s = next >> 6; s < summary_.size(); ++s) {
      uint64_t sm = summary_[s];
      if (s == (next >> 6)) sm &= ~uint64_t{0} << (next & 63);
      if (sm == 0) continue;
      uint32_t wi = (s << 6) | static_cast<uint32_t>(std::countr_zero(sm));
      return (wi << 6) | static_cast<uint32_t>(std::countr_zero(words_[wi]));
    }
    return kNone;
  }

  // Highest set level <= i, or kNone.
  uint32_t prev_at_or_below(uint32_t i) const {
    if (words_.empty()) return kNone;
    if (i >= words_.size() * 64) i = static_cast<uint32_t>(words_.size() * 64 - 1);
    uint32_t w = i >> 6;
    uint64_t m = words_[w] & up_to(i & 63);
    if (m != 0) return (w << 6) | (63 - static_cast<uint32_t>(std::countl_zero(m)));
    if (w == 0) return kNone;
    uint32_t prev = w - 1;
    for (int64_t s = prev >> 6; s >= 0; --s) {
      uint64_t sm = summary_[static_cast<size_t>(s)];
      if (s == (prev >> 6)) sm &= up_to(prev & 63);
      if (sm == 0) continue;
      uint32_t wi =
          (static_cast<uint32_t>(s) << 6) | (63 - static_cast<uint32_t>(std::countl_zero(sm)));
      return (wi << 6) | (63 - static_cast<uint32_t>(std::countl_zero(words_[wi])));
    }
    return kNone;
  }

 private:
  static uint64_t bit(uint32_t i) { return uint64_t{1} << (i & 63); }
  // Bits 0..b set.
  static uint64_t up_to(uint32_t b) {
    return b == 63 ? ~uint64_t{0} : (uint64_t{1} << (b + 1)) - 1;
  }

  std::vector<uint64_t> words_;
  std::vector<uint64_t> summary_;
};

}  // namespace wattle::market
