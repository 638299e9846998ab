// PriceLadder: the prices an order book can hold, mapped to dense levels.
//
// Promise: level_of() is monotone (a higher price gets a higher level) and
// exact (nullopt for a price not on the ladder), so an order book indexed by
// level keeps price priority. Two forms: arithmetic (min + tick * level, O(1)
// lookup; what the ledger and the bench use with the operator's tick size) and
// explicit (the distinct prices of one book, O(log n) lookup; what the batch
// `cda` mechanism uses, so any valid book fits). Immutable after construction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/units.h"

namespace wattle::market {

class PriceLadder {
 public:
  // min, min + tick, ..., min + tick * (levels - 1); tick > 0, levels > 0.
  static PriceLadder arithmetic(Price min, int64_t tick, uint32_t levels) {
    PriceLadder l;
    l.min_ = min.value();
    l.tick_ = tick;
    l.levels_ = levels;
    return l;
  }
  // Any prices; duplicates removed.
  static PriceLadder of(std::vector<int64_t> prices) {
    std::sort(prices.begin(), prices.end());
    prices.erase(std::unique(prices.begin(), prices.end()), prices.end());
    PriceLadder l;
    l.levels_ = static_cast<uint32_t>(prices.size());
    l.explicit_ = std::move(prices);
    return l;
  }

  uint32_t size() const { return levels_; }

  std::optional<uint32_t> level_of(Price p) const {
    const int64_t v = p.value();
    if (tick_ == 0) {
      auto it = std::lower_bound(explicit_.begin(), explicit_.end(), v);
      if (it == explicit_.end() || *it != v) return std::nullopt;
      return static_cast<uint32_t>(it - explicit_.begin());
    }
    if (v < min_ || (v - min_) % tick_ != 0) return std::nullopt;
    int64_t level = (v - min_) / tick_;
    if (level >= levels_) return std::nullopt;
    return static_cast<uint32_t>(level);
  }

  Price price_at(uint32_t level) const {
    return Price(tick_ == 0 ? explicit_[level] : min_ + tick_ * static_cast<int64_t>(level));
  }

 private:
  PriceLadder() = default;
  int64_t min_ = 0;
  int64_t tick_ = 0;  // 0: explicit
  uint32_t levels_ = 0;
  std::vector<int64_t> explicit_;
};

}  // namespace wattle::market
