#include "modules/certificates/cert_state.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

void put_be(Bytes& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

template <size_t N>
Bytes raw(const std::array<uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

Status get_energy(Reader& r, Energy& e, int64_t min) {
  int64_t v = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(v));
  if (v < min) return Status(Code::kMalformed, "certificate record: Wh out of range");
  e = Energy(v);
  return Status::ok();
}

Status get_ids(Reader& r, std::vector<uint64_t>& ids, uint32_t max) {
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, max, 8));
  ids.resize(n);
  for (uint64_t& id : ids) WATTLE_RETURN_IF_ERROR(r.u64(id));
  return Status::ok();
}

void put_ids(Writer& w, const std::vector<uint64_t>& ids) {
  w.u32(static_cast<uint32_t>(ids.size()));
  for (uint64_t id : ids) w.u64(id);
}

}  // namespace

const char* bundle_status_name(BundleStatus s) {
  switch (s) {
    case BundleStatus::kActive:
      return "active";
    case BundleStatus::kCancelled:
      return "cancelled";
    case BundleStatus::kExpired:
      return "expired";
  }
  return "active";
}

namespace cert_keys {
StateKey device(const PublicKey& meter) {
  return {cert_ns::kDevice, raw(meter.bytes)};
}
StateKey device_index(uint32_t seq) {
  Bytes id;
  put_be(id, seq, 4);
  return {cert_ns::kDeviceIndex, std::move(id)};
}
StateKey bundle(uint64_t bundle_id) {
  Bytes id;
  put_be(id, bundle_id, 8);
  return {cert_ns::kBundle, std::move(id)};
}
StateKey issue(const PublicKey& meter, uint64_t slot) {
  Bytes id = raw(meter.bytes);
  put_be(id, slot, 8);
  return {cert_ns::kIssue, std::move(id)};
}
StateKey match(const Address& a, uint64_t slot) {
  Bytes id = raw(a.bytes);
  put_be(id, slot, 8);
  return {cert_ns::kMatch, std::move(id)};
}
StateKey slot_bundles(uint64_t slot) {
  Bytes id;
  put_be(id, slot, 8);
  return {cert_ns::kSlotBundles, std::move(id)};
}
StateKey held(const Address& a) {
  return {cert_ns::kHeld, raw(a.bytes)};
}
StateKey cursor() {
  return {cert_ns::kCursor, {}};
}
Result<uint64_t> bundle_id(const StateKey& key) {
  if (key.ns != cert_ns::kBundle || key.id.size() != 8)
    return Status(Code::kCorruption, "not a bundle key");
  uint64_t v = 0;
  for (uint8_t b : key.id) v = (v << 8) | b;
  return v;
}
}  // namespace cert_keys

void encode(Writer& w, const DeviceRecord& v) {
  encode(w, v.account);
  w.u8(static_cast<uint8_t>(v.technology));
  w.u64(v.capacity_w);
  w.u64(v.from_slot);
}
Status decode(Reader& r, DeviceRecord& v) {
  WATTLE_RETURN_IF_ERROR(decode(r, v.account));
  WATTLE_RETURN_IF_ERROR(r.enumeration(v.technology, kMaxTechnology));
  WATTLE_RETURN_IF_ERROR(r.u64(v.capacity_w));
  return r.u64(v.from_slot);
}

void encode(Writer& w, const Bundle& v) {
  w.fixed(v.device.bytes);
  w.u8(static_cast<uint8_t>(v.technology));
  w.u64(v.slot);
  w.u64(v.first_id);
  w.i64(v.wh.value());
  encode(w, v.owner);
  w.u8(static_cast<uint8_t>(v.status));
  w.u64(v.claim_slot);
}
Status decode(Reader& r, Bundle& v) {
  WATTLE_RETURN_IF_ERROR(r.fixed(v.device.bytes));
  WATTLE_RETURN_IF_ERROR(r.enumeration(v.technology, kMaxTechnology));
  WATTLE_RETURN_IF_ERROR(r.u64(v.slot));
  WATTLE_RETURN_IF_ERROR(r.u64(v.first_id));
  WATTLE_RETURN_IF_ERROR(get_energy(r, v.wh, 1));
  WATTLE_RETURN_IF_ERROR(decode(r, v.owner));
  WATTLE_RETURN_IF_ERROR(r.enumeration(v.status, kMaxBundleStatus));
  return r.u64(v.claim_slot);
}

void encode(Writer& w, const IssueRecord& v) {
  w.i64(v.issued.value());
  w.u64(v.first_id);
  w.i64(v.reward.value());
}
Status decode(Reader& r, IssueRecord& v) {
  WATTLE_RETURN_IF_ERROR(get_energy(r, v.issued, 1));
  WATTLE_RETURN_IF_ERROR(r.u64(v.first_id));
  int64_t reward = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(reward));
  if (reward < 0) return Status(Code::kMalformed, "certificate record: negative reward");
  v.reward = Money(reward);
  return Status::ok();
}

void encode(Writer& w, const MatchRecord& v) {
  w.i64(v.matched.value());
  put_ids(w, v.bundles);
}
Status decode(Reader& r, MatchRecord& v) {
  WATTLE_RETURN_IF_ERROR(get_energy(r, v.matched, 0));
  return get_ids(r, v.bundles, kMaxClaimsPerSlot);
}

void encode(Writer& w, const BundleList& v) {
  put_ids(w, v.ids);
}
Status decode(Reader& r, BundleList& v) {
  return get_ids(r, v.ids, kMaxListIds);
}

void encode(Writer& w, const CertCursor& v) {
  w.u64(v.next_bundle);
  w.u64(v.next_cert_id);
  w.u32(v.devices);
  w.u64(v.issue_slot);
  w.i64(v.minted.value());
}
Status decode(Reader& r, CertCursor& v) {
  WATTLE_RETURN_IF_ERROR(r.u64(v.next_bundle));
  WATTLE_RETURN_IF_ERROR(r.u64(v.next_cert_id));
  WATTLE_RETURN_IF_ERROR(r.u32(v.devices));
  WATTLE_RETURN_IF_ERROR(r.u64(v.issue_slot));
  int64_t minted = 0;
  WATTLE_RETURN_IF_ERROR(r.i64(minted));
  if (minted < 0) return Status(Code::kMalformed, "certificate cursor: negative minted total");
  v.minted = Money(minted);
  return Status::ok();
}

}  // namespace wattle::modules
