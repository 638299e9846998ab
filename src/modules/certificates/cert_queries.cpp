#include "modules/certificates/cert_queries.h"

#include <algorithm>

#include "modules/certificates/certificates_module.h"
#include "modules/energy/metered_slot.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

Status check_range(uint64_t from, uint64_t to) {
  if (from > to) return Status(Code::kInvalidArgument, "from must be <= to");
  if (to - from >= kMaxQuerySlots)
    return Status(Code::kInvalidArgument,
                  "a range covers at most " + std::to_string(kMaxQuerySlots) + " slots");
  return Status::ok();
}

}  // namespace

const CertParams* cert_params(const ModuleSet& set) {
  const auto* m = set.find<CertificatesModule>();
  return m ? m->params() : nullptr;
}

Result<std::optional<Bundle>> certificate_bundle(const StateReader& state, uint64_t id) {
  return read_record<Bundle>(state, cert_keys::bundle(id));
}

Result<std::optional<DeviceRecord>> certificate_device(const StateReader& state,
                                                       const PublicKey& meter) {
  return read_record<DeviceRecord>(state, cert_keys::device(meter));
}

Result<std::vector<BundleView>> account_certificates(
    const StateReader& state, const Address& account,
    std::optional<std::pair<uint64_t, uint64_t>> range) {
  const uint64_t from = range ? range->first : 0;
  const uint64_t to = range ? range->second : UINT64_MAX;
  if (range) WATTLE_RETURN_IF_ERROR(check_range(from, to));
  std::vector<BundleView> out;
  auto held = read_or_default<BundleList>(state, cert_keys::held(account));
  if (!held) return held.status();
  std::vector<uint64_t> ids = held->ids;
  std::sort(ids.begin(), ids.end());
  for (uint64_t id : ids) {
    auto b = certificate_bundle(state, id);
    if (!b) return b.status();
    if (!*b) return Status(Code::kCorruption, "held list names a missing bundle");
    if ((*b)->slot >= from && (*b)->slot <= to) out.push_back({id, **b});
  }
  if (!range) return out;
  for (uint64_t slot = from; slot <= to; ++slot) {
    auto match = read_record<MatchRecord>(state, cert_keys::match(account, slot));
    if (!match) return match.status();
    if (!*match) continue;
    for (uint64_t id : (*match)->bundles) {
      auto b = certificate_bundle(state, id);
      if (!b) return b.status();
      if (!*b) return Status(Code::kCorruption, "match record names a missing bundle");
      out.push_back({id, **b});
    }
  }
  return out;
}

Result<Matching> account_matching(const StateReader& state, const Address& account, uint64_t from,
                                  uint64_t to) {
  WATTLE_RETURN_IF_ERROR(check_range(from, to));
  Matching m;
  for (uint64_t slot = from; slot <= to; ++slot) {
    auto reading = slot_reading(state, account, slot);
    if (!reading) return reading.status();
    auto match = read_or_default<MatchRecord>(state, cert_keys::match(account, slot));
    if (!match) return match.status();
    const MatchingSlot s{slot, reading->import_wh.value(), match->matched.value()};
    if (s.consumed_wh == 0 && s.matched_wh == 0) continue;
    m.consumed_wh += s.consumed_wh;
    m.matched_wh += s.matched_wh;
    m.slots.push_back(s);
  }
  return m;
}

int64_t matching_score_bp(int64_t matched_wh, int64_t consumed_wh) {
  if (consumed_wh <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(matched_wh) * 10'000 / consumed_wh);
}

}  // namespace wattle::modules
