#include "consensus/bft/validator_set.h"

#include <algorithm>

#include "core/assert.h"
#include "core/codec.h"

namespace wattle::consensus::bft {

Result<ValidatorSet> ValidatorSet::create(std::vector<Validator> validators) {
  if (validators.empty()) return Status(Code::kInvalidArgument, "validator set is empty");
  if (validators.size() > kMaxValidators)
    return Status(Code::kInvalidArgument, "too many validators");
  ValidatorSet set;
  for (const auto& v : validators) {
    if (v.power == 0) return Status(Code::kInvalidArgument, "validator with zero voting power");
    if (v.power > kMaxTotalPower - set.total_)
      return Status(Code::kInvalidArgument, "total voting power over the limit");
    set.total_ += v.power;
  }
  std::vector<PublicKey> keys;
  for (const auto& v : validators) keys.push_back(v.key);
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end())
    return Status(Code::kInvalidArgument, "duplicate validator key");
  set.validators_ = std::move(validators);
  set.priorities_.assign(set.validators_.size(), 0);
  Hasher h;
  h.update(as_bytes("wattle/bft/validator-set/v1"));
  for (const auto& v : set.validators_) {
    Writer w;
    w.u64(v.power);
    const Bytes power = std::move(w).take();
    h.update(v.key.bytes).update(power);
  }
  set.hash_ = h.finish();
  return set;
}

NodeIndex ValidatorSet::step(std::vector<int64_t>& p) const {
  const auto total = static_cast<int64_t>(total_);
  // Squeeze into a window of 2 * total (CometBFT's RescalePriorities), so a
  // long absence cannot build an unbounded lead; integer ceiling of the ratio.
  const auto [lo, hi] = std::minmax_element(p.begin(), p.end());
  const __int128 diff = static_cast<__int128>(*hi) - *lo;
  const __int128 window = 2 * static_cast<__int128>(total);
  if (diff > window) {
    const auto ratio = static_cast<int64_t>((diff + window - 1) / window);
    for (auto& x : p) x /= ratio;
  }
  // Centre on the average (floor division, in 128 bits: the sum of n
  // priorities may exceed 64).
  __int128 sum = 0;
  for (int64_t x : p) sum += x;
  const auto n = static_cast<__int128>(p.size());
  __int128 avg = sum / n;
  if (sum % n != 0 && sum < 0) --avg;
  for (auto& x : p) x -= static_cast<int64_t>(avg);
  // Add powers, elect the highest (lowest index on ties), charge it the total.
  NodeIndex best = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] += static_cast<int64_t>(validators_[i].power);
    if (p[i] > p[best]) best = static_cast<NodeIndex>(i);
  }
  p[best] -= total;
  WATTLE_ASSERT(p[best] > -4 * static_cast<int64_t>(kMaxTotalPower),
                "priorities stay within the window the rule keeps them in");
  return best;
}

ValidatorSet ValidatorSet::at_height(uint64_t height) const {
  WATTLE_ASSERT(height >= height_, "proposer priorities only move forward");
  ValidatorSet out = *this;
  for (; out.height_ < height; ++out.height_) step(out.priorities_);
  return out;
}

ValidatorSet ValidatorSet::restarted_at(uint64_t height) const {
  ValidatorSet out = *this;
  out.height_ = height;
  std::fill(out.priorities_.begin(), out.priorities_.end(), 0);
  return out;
}

NodeIndex ValidatorSet::proposer(uint64_t height, uint32_t round) const {
  WATTLE_ASSERT(height >= height_, "proposer(h, r) needs the priorities of a height <= h");
  std::vector<int64_t> p = priorities_;
  for (uint64_t h = height_; h < height; ++h) step(p);
  NodeIndex elected = 0;
  for (uint64_t r = 0; r <= round; ++r) elected = step(p);
  return elected;
}

std::optional<NodeIndex> ValidatorSet::index_of(const PublicKey& key) const {
  for (size_t i = 0; i < validators_.size(); ++i)
    if (validators_[i].key == key) return static_cast<NodeIndex>(i);
  return std::nullopt;
}

}  // namespace wattle::consensus::bft
