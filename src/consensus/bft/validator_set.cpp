#include "consensus/bft/validator_set.h"

#include <algorithm>

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
  return set;
}

std::optional<NodeIndex> ValidatorSet::index_of(const PublicKey& key) const {
  for (size_t i = 0; i < validators_.size(); ++i)
    if (validators_[i].key == key) return static_cast<NodeIndex>(i);
  return std::nullopt;
}

}  // namespace wattle::consensus::bft
