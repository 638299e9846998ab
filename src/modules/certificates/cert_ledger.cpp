#include "modules/certificates/cert_ledger.h"

#include <algorithm>

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

Status append(StateOverlay& state, const StateKey& key, const std::vector<uint64_t>& ids,
              uint32_t max) {
  auto list = read_or_default<BundleList>(state, key);
  if (!list) return list.status();
  if (list->ids.size() + ids.size() > max)
    return Status(Code::kTooLarge, "bundle list full (" + std::to_string(max) + " bundles)");
  list->ids.insert(list->ids.end(), ids.begin(), ids.end());
  state.put(key, encode_to_bytes(*list));
  return Status::ok();
}

}  // namespace

Result<Bundle> read_bundle(const StateOverlay& state, uint64_t id) {
  auto b = read_record<Bundle>(state, cert_keys::bundle(id));
  if (!b) return b.status();
  if (!*b) return Status(Code::kNotFound, "no bundle " + std::to_string(id));
  return **b;
}

void put_bundle(StateOverlay& state, uint64_t id, const Bundle& b) {
  state.put(cert_keys::bundle(id), encode_to_bytes(b));
}

Result<uint64_t> add_bundle(StateOverlay& state, CertCursor& cursor, const Bundle& b,
                            uint32_t held_limit, std::vector<uint64_t>* slot_ids) {
  const uint64_t id = cursor.next_bundle;
  if (slot_ids) {
    slot_ids->push_back(id);
  } else {
    WATTLE_RETURN_IF_ERROR(list_in_slot(state, b.slot, {id}));
  }
  if (b.status == BundleStatus::kActive)
    WATTLE_RETURN_IF_ERROR(hold(state, b.owner, id, held_limit));
  put_bundle(state, id, b);
  ++cursor.next_bundle;
  return id;
}

Status list_in_slot(StateOverlay& state, uint64_t slot, const std::vector<uint64_t>& ids) {
  if (ids.empty()) return Status::ok();
  return append(state, cert_keys::slot_bundles(slot), ids, kMaxBundlesPerSlot);
}

Result<bool> can_hold(const StateOverlay& state, const Address& a) {
  auto list = read_or_default<BundleList>(state, cert_keys::held(a));
  if (!list) return list.status();
  return list->ids.size() < kMaxHeldBundles;
}

Status hold(StateOverlay& state, const Address& a, uint64_t id, uint32_t limit) {
  return append(state, cert_keys::held(a), {id}, limit);
}

Status release(StateOverlay& state, const Address& a, uint64_t id) {
  const StateKey key = cert_keys::held(a);
  auto list = read_or_default<BundleList>(state, key);
  if (!list) return list.status();
  std::erase(list->ids, id);
  if (list->ids.empty()) {
    state.erase(key);
  } else {
    state.put(key, encode_to_bytes(*list));
  }
  return Status::ok();
}

}  // namespace wattle::modules
