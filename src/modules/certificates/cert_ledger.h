// Bundle bookkeeping shared by the certificates module's tx rules and its
// issuance hook: creating a bundle (with its id range and indexes), and the
// per-account list of active bundles.
//
// Promise: every bundle is written with its production slot's index entry,
// and every active bundle is in its owner's held list; a call that fails
// (kTooLarge: a list at its bound) has written nothing the caller keeps,
// since the executor rolls a failed tx or hook back. Integer-only.
#pragma once

#include "chain/state.h"
#include "modules/certificates/cert_state.h"
#include "modules/energy/market_state.h"

namespace wattle::modules {

// A deliberate bug for the mutation test of the no-double-counting check
// (docs/certificates.md, "Checks"): kSplitKeepsSource makes a transfer that
// splits a bundle leave the source bundle's Wh unchanged, so certificates
// are counted twice. Only tests build a module with one.
enum class CertMutation : uint8_t { kNone = 0, kSplitKeepsSource = 1 };

template <typename R>
Result<CertCursor> read_cursor(const R& state) {
  return read_or_default<CertCursor>(state, cert_keys::cursor());
}

// The bundle `id`; kNotFound when there is none.
Result<Bundle> read_bundle(const chain::StateOverlay& state, uint64_t id);
void put_bundle(chain::StateOverlay& state, uint64_t id, const Bundle& b);

// Writes `b` as bundle cursor.next_bundle (advancing it), lists it under its
// production slot and, when active, in its owner's held list (of at most
// `held_limit` ids). kTooLarge when a list is full. With `slot_ids`, the id
// is collected there instead, for one list_in_slot() after many bundles
// (issuance: rewriting the slot's list per bundle would be quadratic).
Result<uint64_t> add_bundle(chain::StateOverlay& state, CertCursor& cursor, const Bundle& b,
                            uint32_t held_limit = kMaxHeldBundles,
                            std::vector<uint64_t>* slot_ids = nullptr);
// Appends `ids` to the list of production slot `slot` in one write; kTooLarge
// past kMaxBundlesPerSlot.
Status list_in_slot(chain::StateOverlay& state, uint64_t slot, const std::vector<uint64_t>& ids);

// Whether `a` may hold one more active bundle.
Result<bool> can_hold(const chain::StateOverlay& state, const Address& a);
// Adds or removes `id` in `a`'s held list (removing an absent id is a no-op).
Status hold(chain::StateOverlay& state, const Address& a, uint64_t id,
            uint32_t limit = kMaxHeldBundles);
Status release(chain::StateOverlay& state, const Address& a, uint64_t id);

}  // namespace wattle::modules
