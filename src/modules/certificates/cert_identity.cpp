#include "modules/certificates/cert_identity.h"

#include <map>

#include "modules/certificates/cert_state.h"
#include "modules/energy/metered_slot.h"

namespace wattle::modules {
using namespace ::wattle::chain;

namespace {

using i128 = __int128;

// The state after the block: its writes over the base.
struct After {
  const StateReader& base;
  const StateWrites& writes;
  Result<std::optional<Bytes>> read(const StateKey& key) const {
    if (auto it = writes.find(key); it != writes.end()) return it->second;
    return base.read(key);
  }
};

// A record before (from base) and after (from the write) a block.
template <typename T>
struct Change {
  std::optional<T> before, after;
};
template <typename T>
Result<Change<T>> change(const StateReader& base, const StateKey& key,
                         const std::optional<Bytes>& written) {
  Change<T> c;
  auto before = read_record<T>(base, key);
  if (!before) return before.status();
  c.before = std::move(*before);
  if (written) {
    auto after = decode_exact<T>(*written);
    if (!after) return Status(Code::kCorruption, "bad certificate record written");
    c.after = std::move(*after);
  }
  return c;
}

Status broken(const std::string& what) {
  return Status(Code::kInternal, "certificate identity broken: " + what);
}

template <typename F>
Status each_write(const StateWrites& writes, Namespace ns, F&& f) {
  for (auto it = writes.lower_bound(StateKey{ns, {}}); it != writes.end() && it->first.ns == ns;
       ++it)
    WATTLE_RETURN_IF_ERROR(f(it->first, it->second));
  return Status::ok();
}

// The (meter || slot) or (address || slot) id a key names, as map keys.
using Id = Bytes;
Id slot_id(ByteView owner, uint64_t slot) {
  Id id(owner.begin(), owner.end());
  for (int i = 7; i >= 0; --i) id.push_back(static_cast<uint8_t>(slot >> (8 * i)));
  return id;
}
uint64_t slot_of_id(const Id& id) {
  uint64_t v = 0;
  for (size_t i = id.size() - 8; i < id.size(); ++i) v = (v << 8) | id[i];
  return v;
}

struct Tally {
  std::map<Id, i128> issued;   // per device slot: bundle Wh change - issued change
  std::map<Id, i128> claimed;  // per account slot: cancelled Wh change - matched change
  i128 rewards = 0;
};

Status tally_bundles(const StateReader& base, const StateWrites& writes, Tally& t) {
  return each_write(writes, cert_ns::kBundle, [&](const StateKey& key, const auto& written) {
    auto c = change<Bundle>(base, key, written);
    if (!c) return c.status();
    if (c->before && !c->after) return broken("bundle deleted");
    if (c->before && c->before->status != BundleStatus::kActive && *c->before != *c->after)
      return broken("a cancelled or expired bundle changed");
    for (const auto* b : {&c->before, &c->after}) {
      if (!*b) continue;
      const i128 sign = b == &c->after ? 1 : -1;
      const Bundle& x = **b;
      t.issued[slot_id(x.device.bytes, x.slot)] += sign * x.wh.value();
      if (x.status == BundleStatus::kCancelled)
        t.claimed[slot_id(x.owner.bytes, x.claim_slot)] += sign * x.wh.value();
    }
    return Status::ok();
  });
}

Status tally_issues(const StateReader& base, const StateWrites& writes, Tally& t) {
  return each_write(writes, cert_ns::kIssue, [&](const StateKey& key, const auto& written) {
    auto c = change<IssueRecord>(base, key, written);
    if (!c) return c.status();
    if (c->before) return broken("an issuance was written twice");
    if (!c->after) return Status::ok();
    t.issued[key.id] -= c->after->issued.value();
    t.rewards += c->after->reward.value();
    return Status::ok();
  });
}

Status tally_matches(const StateReader& base, const StateWrites& writes, Tally& t) {
  const After after{base, writes};
  return each_write(writes, cert_ns::kMatch, [&](const StateKey& key, const auto& written) {
    auto c = change<MatchRecord>(base, key, written);
    if (!c) return c.status();
    const int64_t now = c->after ? c->after->matched.value() : 0;
    const int64_t was = c->before ? c->before->matched.value() : 0;
    t.claimed[key.id] -= i128{now} - was;
    Address account;
    std::copy(key.id.begin(), key.id.begin() + account.bytes.size(), account.bytes.begin());
    auto reading = slot_reading(after, account, slot_of_id(key.id));
    if (!reading) return reading.status();
    if (now > reading->import_wh.value())
      return broken("matched above metered import for " + account.to_string());
    return Status::ok();
  });
}

}  // namespace

Result<__int128> cert_value_delta(const StateReader& base, const StateWrites& writes) {
  Tally t;
  WATTLE_RETURN_IF_ERROR(tally_bundles(base, writes, t));
  WATTLE_RETURN_IF_ERROR(tally_issues(base, writes, t));
  WATTLE_RETURN_IF_ERROR(tally_matches(base, writes, t));
  for (const auto& [id, d] : t.issued)
    if (d != 0)
      return broken("bundles and issuance differ for a device's slot " +
                    std::to_string(slot_of_id(id)));
  for (const auto& [id, d] : t.claimed)
    if (d != 0)
      return broken("matched and cancelled Wh differ for an account's slot " +
                    std::to_string(slot_of_id(id)));
  i128 minted = 0;
  if (auto it = writes.find(cert_keys::cursor()); it != writes.end()) {
    auto c = change<CertCursor>(base, it->first, it->second);
    if (!c) return c.status();
    const CertCursor before = c->before.value_or(CertCursor{});
    const CertCursor now = c->after.value_or(CertCursor{});
    minted = i128{now.minted.value()} - before.minted.value();
  }
  if (minted != t.rewards) return broken("minted total differs from the block's rewards");
  return -minted;
}

}  // namespace wattle::modules
