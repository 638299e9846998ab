// CertShadow: the whole-replica simulator's own check of one replica's
// certificate records (docs/certificates.md, "Checks"; docs/consensus.md,
// "Whole replicas"), from outside the block execution that already runs it.
//
// It keeps a copy of the records the identity is about (bundles, issuances,
// matches, the cursor) as last seen on the replica, reads them again from
// the replica's committed state after each of its commits, and hands the
// difference to the module's own identity (modules::cert_value_delta) with
// the copy as the state before: for every device and slot, issued = held +
// cancelled + expired; no claim above the claimant's metered import; minted
// = the issuances' rewards. A commit it missed (the replica crashed
// between storing and reporting it) only makes one difference span two
// blocks, and the identity is additive over blocks.
//
// What it reads again is enumerated, since a state has no listing: the
// records the copy holds, the cursor, every bundle (ids are dense below the
// cursor's next one), the issuances of the community's device meters
// (community.h) for the slots issued since the last call, and the claim
// records that cancelled bundles name. A record outside that space (an
// issuance rewritten for a slot first seen without one, a claim no bundle
// names) is not seen. One per replica; not thread-safe.
#pragma once

#include <utility>
#include <vector>

#include "chain/state.h"
#include "core/keys.h"

namespace wattle::cluster_sim {

class CertShadow {
 public:
  // `first_slot`: the genesis time's slot (no record names an earlier one).
  // `meters`: the device meters whose issuances are read.
  CertShadow(std::vector<PublicKey> meters, uint64_t first_slot)
      : meters_(std::move(meters)), issued_to_(first_slot) {}

  // Checks the records of `committed` (a replica's state after a commit)
  // against the copy and takes them as the new copy. The identity's error
  // (kInternal naming what broke), or a read error.
  Status advance(const chain::StateReader& committed);

 private:
  // The records of `committed` that differ from the copy, and the slot
  // issuance has reached there.
  Result<std::pair<chain::StateWrites, uint64_t>> changes(
      const chain::StateReader& committed) const;

  std::vector<PublicKey> meters_;
  uint64_t issued_to_;  // slots below it were read for issuances
  chain::State copy_;
};

}  // namespace wattle::cluster_sim
