#include "rpc/certificate_json.h"

namespace wattle::rpc {

using nlohmann::json;
using namespace ::wattle::modules;

namespace {

// "42.85": a basis-point score as a percentage with two decimals.
std::string percent(int64_t bp) {
  std::string frac = std::to_string(bp % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return std::to_string(bp / 100) + "." + frac;
}

Result<json> holdings(const chain::StateReader& state, const CertificateRequest& r) {
  if (r.from.has_value() != r.to.has_value())
    return Status(Code::kInvalidArgument, "give both from and to");
  std::optional<std::pair<uint64_t, uint64_t>> range;
  if (r.from) range = std::make_pair(*r.from, *r.to);
  auto v = account_certificates(state, r.address, range);
  if (!v) return v.status();
  return holdings_json(r.address, *v, range);
}

Result<json> matching(const chain::StateReader& state, const CertificateRequest& r) {
  if (!r.from || !r.to) return Status(Code::kInvalidArgument, "matching needs from and to");
  auto m = account_matching(state, r.address, *r.from, *r.to);
  if (!m) return m.status();
  return matching_json(r.address, *r.from, *r.to, *m);
}

}  // namespace

json bundle_json(uint64_t id, const Bundle& b) {
  json j{{"id", id},
         {"device", b.device.hex()},
         {"technology", technology_name(b.technology)},
         {"slot", b.slot},
         {"first_cert_id", b.first_id},
         {"wh", b.wh.value()},
         {"owner", b.owner.to_string()},
         {"status", bundle_status_name(b.status)}};
  if (b.status == BundleStatus::kCancelled) j["claim_slot"] = b.claim_slot;
  return j;
}

json device_json(const PublicKey& meter, const DeviceRecord& d) {
  return json{{"meter", meter.hex()},
              {"account", d.account.to_string()},
              {"technology", technology_name(d.technology)},
              {"capacity_w", d.capacity_w},
              {"from_slot", d.from_slot}};
}

json holdings_json(const Address& a, const std::vector<BundleView>& bundles,
                   std::optional<std::pair<uint64_t, uint64_t>> range) {
  json out{{"address", a.to_string()}, {"bundles", json::array()}};
  if (range) {
    out["from"] = range->first;
    out["to"] = range->second;
  }
  int64_t active = 0;
  for (const BundleView& v : bundles) {
    out["bundles"].push_back(bundle_json(v.id, v.bundle));
    if (v.bundle.status == BundleStatus::kActive) active += v.bundle.wh.value();
  }
  out["active_wh"] = active;
  return out;
}

json matching_json(const Address& a, uint64_t from, uint64_t to, const Matching& m) {
  json slots = json::array();
  for (const MatchingSlot& s : m.slots)
    slots.push_back({{"slot", s.slot},
                     {"consumed_wh", s.consumed_wh},
                     {"matched_wh", s.matched_wh},
                     {"score_pct", percent(matching_score_bp(s.matched_wh, s.consumed_wh))}});
  return json{{"address", a.to_string()},
              {"from", from},
              {"to", to},
              {"slots", std::move(slots)},
              {"consumed_wh", m.consumed_wh},
              {"matched_wh", m.matched_wh},
              {"score_pct", percent(matching_score_bp(m.matched_wh, m.consumed_wh))}};
}

Result<json> certificate_json(const chain::Application& app, const CertificateRequest& r) {
  const CertParams* params = cert_params(app.modules());
  if (!params)
    return Status(Code::kInvalidArgument, "this chain's genesis has no certificates section");
  const chain::StateReader& state = app.committed_state();
  switch (r.kind) {
    case CertificateRequest::Kind::kParams:
      return to_json(*params);
    case CertificateRequest::Kind::kBundle: {
      auto b = certificate_bundle(state, r.bundle);
      if (!b) return b.status();
      if (!*b) return Status(Code::kNotFound, "no bundle " + std::to_string(r.bundle));
      return bundle_json(r.bundle, **b);
    }
    case CertificateRequest::Kind::kDevice: {
      auto d = certificate_device(state, r.meter);
      if (!d) return d.status();
      if (!*d) return Status(Code::kNotFound, "no device on meter " + r.meter.hex());
      return device_json(r.meter, **d);
    }
    case CertificateRequest::Kind::kHoldings:
      return holdings(state, r);
    case CertificateRequest::Kind::kMatching:
      return matching(state, r);
  }
  return Status(Code::kInternal, "unknown certificates view");
}

}  // namespace wattle::rpc
