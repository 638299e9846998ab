// The no-double-counting identity (docs/certificates.md, "Checks"),
// checked after every block beside money conservation, and the module's
// supply term.
//
// Over the writes of one block on top of `base`:
//   - for every (device, slot): the change of the Wh in its bundles (active,
//     cancelled and expired alike) equals the change of its issued Wh, and an
//     issuance, once written, never changes; so by induction from an empty
//     genesis, issued = held + cancelled + expired;
//   - a cancelled or expired bundle never changes again, and no bundle is
//     deleted;
//   - for every (account, slot): the change of its matched Wh equals the
//     change of the Wh of bundles cancelled against it, and matched never
//     exceeds the account's metered import in the slot;
//   - the minted total changes by the rewards of the block's issuances.
// A violation is kInternal naming the key (the block fails on every
// replica). Otherwise returns the module's value term: minus the reward
// minted, so the bank's balance term plus this sums to zero.
#pragma once

#include "chain/state.h"

namespace wattle::modules {

Result<__int128> cert_value_delta(const chain::StateReader& base, const chain::StateWrites& writes);

}  // namespace wattle::modules
