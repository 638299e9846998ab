#include "modules/staking/staking_params.h"

#include <nlohmann/json.hpp>

namespace wattle::modules {

namespace {

constexpr std::string_view kNames[] = {"single", "poa", "pos", "dpos"};

Status out_of_range(std::string_view field, std::string_view range) {
  return Status(Code::kInvalidArgument,
                "staking: " + std::string(field) + " must be " + std::string(range));
}

// Reads an unsigned field into `out` if present; kMalformed on a wrong type,
// kInvalidArgument over `max`.
template <typename T>
Status read_uint(const nlohmann::json& j, const char* key, T& out, uint64_t max) {
  auto it = j.find(key);
  if (it == j.end()) return Status::ok();
  if (!it->is_number_unsigned())
    return Status(Code::kMalformed,
                  std::string("staking: \"") + key + "\" must be a non-negative integer");
  const uint64_t v = it->get<uint64_t>();
  if (v > max) return out_of_range(key, "at most " + std::to_string(max));
  out = static_cast<T>(v);
  return Status::ok();
}

}  // namespace

std::string_view consensus_name(ConsensusKind kind) {
  return kNames[static_cast<uint8_t>(kind)];
}

Result<ConsensusKind> parse_consensus(std::string_view name) {
  for (uint8_t i = 0; i < 4; ++i)
    if (kNames[i] == name) return static_cast<ConsensusKind>(i);
  return Status(Code::kInvalidArgument, "consensus must be single, poa, pos or dpos");
}

Status StakingParams::validate() const {
  if (min_self_bond <= 0) return out_of_range("min_self_bond", "> 0");
  if (power_unit <= 0) return out_of_range("power_unit", "> 0");
  if (max_validators == 0 || max_validators > kMaxValidators)
    return out_of_range("max_validators", "1..1000");
  if (epoch_blocks == 0) return out_of_range("epoch_blocks", "> 0");
  if (block_reward < 0) return out_of_range("block_reward", ">= 0");
  if (slash_double_sign_bp > 10'000) return out_of_range("slash_double_sign_bp", "0..10000");
  if (slash_downtime_bp > 10'000) return out_of_range("slash_downtime_bp", "0..10000");
  if (downtime_max_missed_bp > 10'000) return out_of_range("downtime_max_missed_bp", "0..10000");
  if (downtime_window == 0 || downtime_window > kMaxDowntimeWindow)
    return out_of_range("downtime_window", "1..10000");
  if (proposal_expiry_blocks == 0) return out_of_range("proposal_expiry_blocks", "> 0");
  return Status::ok();
}

void encode(Writer& w, const StakingParams& p) {
  w.u8(static_cast<uint8_t>(p.consensus));
  w.i64(p.min_self_bond);
  w.i64(p.power_unit);
  w.u32(p.max_validators);
  w.u64(p.unbonding_blocks);
  w.u64(p.epoch_blocks);
  w.i64(p.block_reward);
  w.u32(p.slash_double_sign_bp);
  w.u32(p.slash_downtime_bp);
  w.u64(p.downtime_window);
  w.u32(p.downtime_max_missed_bp);
  w.u64(p.jail_blocks);
  w.u64(p.proposal_expiry_blocks);
  w.boolean(p.forbid_third_power);
}

nlohmann::json to_json(const StakingParams& p) {
  return {{"consensus", consensus_name(p.consensus)},
          {"min_self_bond", p.min_self_bond},
          {"power_unit", p.power_unit},
          {"max_validators", p.max_validators},
          {"unbonding_blocks", p.unbonding_blocks},
          {"epoch_blocks", p.epoch_blocks},
          {"block_reward", p.block_reward},
          {"slash_double_sign_bp", p.slash_double_sign_bp},
          {"slash_downtime_bp", p.slash_downtime_bp},
          {"downtime_window", p.downtime_window},
          {"downtime_max_missed_bp", p.downtime_max_missed_bp},
          {"jail_blocks", p.jail_blocks},
          {"proposal_expiry_blocks", p.proposal_expiry_blocks},
          {"forbid_third_power", p.forbid_third_power}};
}

Result<StakingParams> staking_params_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Status(Code::kMalformed, "staking: must be an object");
  static constexpr const char* kFields[] = {"consensus",
                                            "min_self_bond",
                                            "power_unit",
                                            "max_validators",
                                            "unbonding_blocks",
                                            "epoch_blocks",
                                            "block_reward",
                                            "slash_double_sign_bp",
                                            "slash_downtime_bp",
                                            "downtime_window",
                                            "downtime_max_missed_bp",
                                            "jail_blocks",
                                            "proposal_expiry_blocks",
                                            "forbid_third_power"};
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* f : kFields) known |= k == f;
    if (!known) return Status(Code::kMalformed, "staking: unknown field \"" + k + "\"");
  }
  StakingParams p;
  if (auto it = j.find("consensus"); it != j.end()) {
    if (!it->is_string())
      return Status(Code::kMalformed, "staking: \"consensus\" must be a string");
    auto c = parse_consensus(it->get<std::string>());
    if (!c) return c.status();
    p.consensus = *c;
  }
  constexpr uint64_t kI64 = static_cast<uint64_t>(INT64_MAX);
  WATTLE_RETURN_IF_ERROR(read_uint(j, "min_self_bond", p.min_self_bond, kI64));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "power_unit", p.power_unit, kI64));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "max_validators", p.max_validators, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "unbonding_blocks", p.unbonding_blocks, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "epoch_blocks", p.epoch_blocks, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "block_reward", p.block_reward, kI64));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "slash_double_sign_bp", p.slash_double_sign_bp, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "slash_downtime_bp", p.slash_downtime_bp, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "downtime_window", p.downtime_window, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(
      read_uint(j, "downtime_max_missed_bp", p.downtime_max_missed_bp, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(read_uint(j, "jail_blocks", p.jail_blocks, UINT32_MAX));
  WATTLE_RETURN_IF_ERROR(
      read_uint(j, "proposal_expiry_blocks", p.proposal_expiry_blocks, UINT32_MAX));
  if (auto it = j.find("forbid_third_power"); it != j.end()) {
    if (!it->is_boolean())
      return Status(Code::kMalformed, "staking: \"forbid_third_power\" must be a boolean");
    p.forbid_third_power = it->get<bool>();
  }
  WATTLE_RETURN_IF_ERROR(p.validate());
  return p;
}

}  // namespace wattle::modules
