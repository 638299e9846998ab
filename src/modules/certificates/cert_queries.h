// The certificates module's typed queries over a committed state
// (docs/certificates.md, "Queries"): the records behind
// GET /v1/certificates/... and /v1/accounts/{address}/matching, whose JSON
// views live in rpc/certificate_json.h.
//
// kCorruption for a record that does not decode; kInvalidArgument for a
// slot range that is reversed or longer than kMaxQuerySlots.
#pragma once

#include <optional>
#include <vector>

#include "chain/module.h"
#include "chain/state.h"
#include "modules/certificates/cert_state.h"

namespace wattle::modules {

inline constexpr uint64_t kMaxQuerySlots = 96 * 31;  // a month of 15-minute slots

// The certificates section of the chain whose modules are `set`; null
// when the chain has none.
const CertParams* cert_params(const chain::ModuleSet& set);

struct BundleView {
  uint64_t id = 0;
  Bundle bundle;
};

// An account's bundles: with a range [from, to], the active ones it holds
// whose production slot is in it, then the ones it cancelled against its
// consumption in it; without, every active bundle it holds. Id order.
Result<std::vector<BundleView>> account_certificates(
    const chain::StateReader& state, const Address& account,
    std::optional<std::pair<uint64_t, uint64_t>> range);
inline Result<std::vector<BundleView>> account_certificates(const chain::StateReader& state,
                                                            const Address& account, uint64_t from,
                                                            uint64_t to) {
  return account_certificates(state, account, std::make_pair(from, to));
}

// One bundle; nullopt when there is none.
Result<std::optional<Bundle>> certificate_bundle(const chain::StateReader& state, uint64_t id);

// A device; nullopt when none is registered on `meter`.
Result<std::optional<DeviceRecord>> certificate_device(const chain::StateReader& state,
                                                       const PublicKey& meter);

// An account's matching over [from, to]: per slot its metered import
// (consumed) and the Wh matched by cancelled certificates, and the totals.
struct MatchingSlot {
  uint64_t slot = 0;
  int64_t consumed_wh = 0;
  int64_t matched_wh = 0;
};
struct Matching {
  std::vector<MatchingSlot> slots;  // slots with consumption or matches
  int64_t consumed_wh = 0;
  int64_t matched_wh = 0;
};
Result<Matching> account_matching(const chain::StateReader& state, const Address& account,
                                  uint64_t from, uint64_t to);

// The matching score in basis points: matched * 10000 / consumed (floor); 0
// when nothing was consumed.
int64_t matching_score_bp(int64_t matched_wh, int64_t consumed_wh);

}  // namespace wattle::modules
