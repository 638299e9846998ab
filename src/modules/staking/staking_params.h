// StakingParams: the staking section of genesis (docs/staking.md, "Genesis").
//
// Promise: a StakingParams that passed validate() has every amount > 0 where
// the rules divide by it (power_unit, epoch_blocks, downtime_window), every
// basis-point figure within 0..10000 and every count within the bounds below,
// so the rules never divide by zero or leave int64. Integer-only (consensus
// state). Value type.
//
// `consensus` picks who may change the validator set: kPoa (the genesis
// authorities, by > 2/3 votes), kPos (bonded stake, recomputed every block),
// kDpos (delegated stake, recomputed every epoch_blocks). kSingle takes no
// staking tx at all.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "core/codec.h"
#include "core/status.h"

namespace wattle::modules {

enum class ConsensusKind : uint8_t { kSingle = 0, kPoa = 1, kPos = 2, kDpos = 3 };
std::string_view consensus_name(ConsensusKind kind);
Result<ConsensusKind> parse_consensus(std::string_view name);

struct StakingParams {
  // Upper bounds that keep a block's staking work and its records bounded.
  static constexpr uint32_t kMaxValidators = 1000;
  static constexpr uint32_t kMaxCandidates = 10'000;
  // A set member's missed-blocks bitmap is downtime_window bits, written
  // every block: at most 1.25 KB.
  static constexpr uint64_t kMaxDowntimeWindow = 10'000;

  ConsensusKind consensus = ConsensusKind::kPoa;
  int64_t min_self_bond = 1;        // micro-units a validator's own stake must reach
  int64_t power_unit = 1;           // micro-units of stake per unit of voting power
  uint32_t max_validators = 100;    // K: the set is the K largest candidates
  uint64_t unbonding_blocks = 100;  // unbonded stake is released this many blocks later
  uint64_t epoch_blocks = 10;       // dpos: the set is recomputed at multiples of this
  int64_t block_reward = 0;         // micro-units minted every block, shared by power
  uint32_t slash_double_sign_bp = 500;
  uint32_t slash_downtime_bp = 1;
  uint64_t downtime_window = 100;
  uint32_t downtime_max_missed_bp = 5000;
  uint64_t jail_blocks = 100;
  uint64_t proposal_expiry_blocks = 100;  // poa: a proposal lapses this many blocks after it
  bool forbid_third_power = false;        // poa: no authority may hold >= 1/3 of the power

  bool operator==(const StakingParams&) const = default;
  // kInvalidArgument naming the first field out of range.
  Status validate() const;
};

void encode(Writer& w, const StakingParams& p);
nlohmann::json to_json(const StakingParams& p);
// Strict: unknown fields, wrong types and out-of-range values are errors;
// missing fields take the defaults above.
Result<StakingParams> staking_params_from_json(const nlohmann::json& j);

}  // namespace wattle::modules
