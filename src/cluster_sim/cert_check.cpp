#include "cluster_sim/cert_check.h"

#include <algorithm>

#include "modules/certificates/cert_identity.h"
#include "modules/certificates/cert_ledger.h"
#include "modules/certificates/cert_state.h"
#include "modules/records.h"

namespace wattle::cluster_sim {

namespace {

namespace cert_ns = modules::cert_ns;
namespace cert_keys = modules::cert_keys;

// The records the identity reads: the copy's.
bool shadowed(chain::Namespace ns) {
  return ns == cert_ns::kBundle || ns == cert_ns::kIssue || ns == cert_ns::kMatch ||
         ns == cert_ns::kCursor;
}

// The state before the replica's latest commits as the identity sees it:
// certificate records from the copy, the rest (the metered imports a claim
// is held against) from the replica's committed state, which no
// certificate write changes.
class Before final : public chain::StateReader {
 public:
  Before(const chain::State& copy, const chain::StateReader& committed)
      : copy_(copy), committed_(committed) {}
  Result<std::optional<Bytes>> read(const chain::StateKey& key) const override {
    return shadowed(key.ns) ? copy_.read(key) : committed_.read(key);
  }
  Hash256 root() const override { return committed_.root(); }
  const chain::NodeReader& tree() const override { return committed_.tree(); }

 private:
  const chain::State& copy_;
  const chain::StateReader& committed_;
};

}  // namespace

Result<std::pair<chain::StateWrites, uint64_t>> CertShadow::changes(
    const chain::StateReader& committed) const {
  auto cursor = modules::read_cursor(committed);
  if (!cursor) return cursor.status();
  std::vector<chain::StateKey> keys{cert_keys::cursor()};
  for (const auto& [key, bytes] : copy_.records()) keys.push_back(key);
  for (uint64_t id = 0; id < cursor->next_bundle; ++id) {
    const chain::StateKey key = cert_keys::bundle(id);
    keys.push_back(key);
    auto b = modules::read_record<modules::Bundle>(committed, key);
    if (!b) return b.status();
    if (*b && (*b)->status == modules::BundleStatus::kCancelled)
      keys.push_back(cert_keys::match((*b)->owner, (*b)->claim_slot));
  }
  // issue_slot is the next slot to issue once a device exists (0 before).
  const uint64_t issued_to =
      cursor->devices > 0 ? std::max(cursor->issue_slot, issued_to_) : issued_to_;
  for (uint64_t slot = issued_to_; slot < issued_to; ++slot)
    for (const PublicKey& meter : meters_) keys.push_back(cert_keys::issue(meter, slot));
  chain::StateWrites out;
  for (const chain::StateKey& key : keys) {
    if (out.count(key)) continue;
    auto now = committed.read(key);
    if (!now) return now.status();
    auto was = copy_.read(key);
    if (!was) return was.status();
    if (*now != *was) out.emplace(key, std::move(*now));
  }
  return std::make_pair(std::move(out), issued_to);
}

Status CertShadow::advance(const chain::StateReader& committed) {
  auto c = changes(committed);
  if (!c) return c.status();
  auto& [writes, issued_to] = *c;
  issued_to_ = issued_to;
  if (writes.empty()) return Status::ok();
  auto delta = modules::cert_value_delta(Before(copy_, committed), writes);
  if (!delta) return delta.status();
  copy_.apply(writes);
  return Status::ok();
}

}  // namespace wattle::cluster_sim
