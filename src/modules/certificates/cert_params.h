// CertParams: the certificates section of genesis (docs/certificates.md,
// "Parameters").
//
// Promise: a CertParams that passed validate() has every window, expiry and
// reward inside the ranges below. Integer-only (consensus state): windows in
// market slots, rewards in micro-units per MWh. A chain whose genesis has no
// certificates section runs no certificate rules at all. Value type.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/codec.h"
#include "core/status.h"

namespace wattle::modules {

// What a production device turns into energy; rewards are per technology.
enum class Technology : uint8_t { kSolar = 0, kWind = 1, kBattery = 2, kOther = 3 };
inline constexpr uint8_t kMaxTechnology = 3;
inline constexpr size_t kTechnologies = kMaxTechnology + 1;
std::string_view technology_name(Technology t);
std::optional<Technology> technology_from_name(std::string_view name);

struct CertParams {
  // Issued Wh follow the household's P2P sales to their buyers at issuance.
  bool bundle_with_trades = true;
  // A bundle of slot s may be cancelled against consumption in slots
  // s - window .. s + window (0: the same slot only, EnergyTag-style).
  uint64_t match_window_slots = 0;
  // A bundle of slot s still active expires when slot s + expiry_slots is issued.
  uint64_t expiry_slots = 2880;  // 30 days of 15-minute slots
  // Micro-units minted to the producer per MWh issued, by Technology.
  std::array<int64_t, kTechnologies> reward_per_mwh{};
  bool operator==(const CertParams&) const = default;

  static constexpr uint64_t kMaxExpirySlots = 1'000'000;
  static constexpr int64_t kMaxRewardPerMwh = 1'000'000'000'000;  // 10^6 tokens per MWh
};

// kInvalidArgument naming the key: expiry_slots 1..kMaxExpirySlots,
// match_window_slots 0..expiry_slots, rewards 0..kMaxRewardPerMwh.
Status validate(const CertParams& c);

// Canonical encoding (part of the genesis hash).
void encode(Writer& w, const CertParams& c);
Status decode(Reader& r, CertParams& c);

// The genesis JSON form: {"bundle_with_trades": true, "match_window_slots": 0,
// "expiry_slots": 2880, "reward_per_mwh": {"solar": 1000000}}. Every key is
// optional (the defaults above); unknown keys and wrong types are errors.
nlohmann::json to_json(const CertParams& c);
Result<CertParams> cert_params_from_json(const nlohmann::json& j);

}  // namespace wattle::modules
