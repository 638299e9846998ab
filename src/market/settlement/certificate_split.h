// The rule that moves a slot's issued certificates with the energy
// (docs/certificates.md, "With the energy"): a pure function, shared by the
// chain's issuance (modules/certificates) and the simulator's fast mode, as
// settlement arithmetic is (bill.h), so both apply one rule.
//
// A producer issued `issued` Wh and sold bought[i] Wh to buyer i in the same
// slot. M = min(issued, sum(bought)) Wh follow the energy: buyer i gets
// floor(M * bought[i] / sum(bought)); the rounding remainder and the Wh not
// sold stay with the producer. Integer-only (128-bit products); negative or
// zero purchases get nothing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace wattle::market {

inline std::vector<int64_t> split_with_sales(int64_t issued, const std::vector<int64_t>& bought) {
  std::vector<int64_t> shares(bought.size(), 0);
  __int128 sold = 0;
  for (int64_t b : bought) sold += std::max<int64_t>(b, 0);
  if (issued <= 0 || sold == 0) return shares;
  const __int128 moved = std::min<__int128>(issued, sold);
  for (size_t i = 0; i < bought.size(); ++i)
    if (bought[i] > 0) shares[i] = static_cast<int64_t>(moved * bought[i] / sold);
  return shares;
}

}  // namespace wattle::market
