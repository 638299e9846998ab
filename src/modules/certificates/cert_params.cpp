#include "modules/certificates/cert_params.h"

#include <nlohmann/json.hpp>

namespace wattle::modules {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, kTechnologies> kTechNames = {"solar", "wind", "battery",
                                                                    "other"};

Status bad(const std::string& key, const std::string& reason) {
  return Status(Code::kInvalidArgument, "certificates: \"" + key + "\" " + reason);
}

Result<int64_t> get_int(const json& v, const std::string& key) {
  if (!v.is_number_integer()) return bad(key, "must be an integer");
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
    return bad(key, "is too large");
  return v.get<int64_t>();
}

}  // namespace

std::string_view technology_name(Technology t) {
  return kTechNames[static_cast<size_t>(t)];
}

std::optional<Technology> technology_from_name(std::string_view name) {
  for (size_t i = 0; i < kTechNames.size(); ++i)
    if (kTechNames[i] == name) return static_cast<Technology>(i);
  return std::nullopt;
}

Status validate(const CertParams& c) {
  if (c.expiry_slots < 1 || c.expiry_slots > CertParams::kMaxExpirySlots)
    return bad("expiry_slots", "must be 1.." + std::to_string(CertParams::kMaxExpirySlots));
  if (c.match_window_slots > c.expiry_slots)
    return bad("match_window_slots", "must be 0..expiry_slots");
  for (size_t i = 0; i < kTechnologies; ++i)
    if (c.reward_per_mwh[i] < 0 || c.reward_per_mwh[i] > CertParams::kMaxRewardPerMwh)
      return bad("reward_per_mwh." + std::string(kTechNames[i]),
                 "must be 0.." + std::to_string(CertParams::kMaxRewardPerMwh));
  return Status::ok();
}

void encode(Writer& w, const CertParams& c) {
  w.boolean(c.bundle_with_trades);
  w.u64(c.match_window_slots);
  w.u64(c.expiry_slots);
  for (int64_t r : c.reward_per_mwh) w.i64(r);
}

Status decode(Reader& r, CertParams& c) {
  WATTLE_RETURN_IF_ERROR(r.boolean(c.bundle_with_trades));
  WATTLE_RETURN_IF_ERROR(r.u64(c.match_window_slots));
  WATTLE_RETURN_IF_ERROR(r.u64(c.expiry_slots));
  for (int64_t& v : c.reward_per_mwh) WATTLE_RETURN_IF_ERROR(r.i64(v));
  return Status::ok();
}

json to_json(const CertParams& c) {
  json j;
  j["bundle_with_trades"] = c.bundle_with_trades;
  j["match_window_slots"] = c.match_window_slots;
  j["expiry_slots"] = c.expiry_slots;
  j["reward_per_mwh"] = json::object();
  for (size_t i = 0; i < kTechnologies; ++i)
    if (c.reward_per_mwh[i] != 0)
      j["reward_per_mwh"][std::string(kTechNames[i])] = c.reward_per_mwh[i];
  return j;
}

Result<CertParams> cert_params_from_json(const json& j) {
  if (!j.is_object()) return Status(Code::kInvalidArgument, "certificates: must be an object");
  CertParams c;
  for (const auto& [k, v] : j.items()) {
    if (k == "bundle_with_trades") {
      if (!v.is_boolean()) return bad(k, "must be true or false");
      c.bundle_with_trades = v.get<bool>();
    } else if (k == "match_window_slots" || k == "expiry_slots") {
      auto n = get_int(v, k);
      if (!n) return n.status();
      if (*n < 0) return bad(k, "must be >= 0");
      (k == "expiry_slots" ? c.expiry_slots : c.match_window_slots) = static_cast<uint64_t>(*n);
    } else if (k == "reward_per_mwh") {
      if (!v.is_object()) return bad(k, "must be an object of technology: integer");
      for (const auto& [tech, amount] : v.items()) {
        auto t = technology_from_name(tech);
        if (!t) return bad(k + "." + tech, "is not a technology (solar, wind, battery, other)");
        auto n = get_int(amount, k + "." + tech);
        if (!n) return n.status();
        c.reward_per_mwh[static_cast<size_t>(*t)] = *n;
      }
    } else {
      return bad(k, "is not a certificates key");
    }
  }
  WATTLE_RETURN_IF_ERROR(validate(c));
  return c;
}

}  // namespace wattle::modules
