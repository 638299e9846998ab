// Evidence of validator misbehaviour, as blocks carry it.
//
// The ledger does not know what evidence looks like: the consensus layer
// does (two conflicting signed votes, or two proposals, of one validator for
// one height and round: consensus/bft/messages.h). The application is given
// an EvidenceChecker that verifies one item against the validator set and
// says whom it accuses and for which height; the node builds it
// (node/chain_consensus.h). Execution (executor.h) then, for each item of a
// block, in block order:
//   - refuses an item the checker refuses, one whose height is not below the
//     block's (evidence is found while deciding a height, so it can only be
//     included in a later block), one already committed, and the same item
//     twice in a block (kDuplicate);
//   - records it under Namespace::kEvidence, id = evidence_hash(item),
//     record EvidenceRecord{accused, height, included_at}: committed once, and
//     readable by the penalties that come with Proof-of-Stake.
// Without a checker (a single-validator chain) any evidence is refused.
#pragma once

#include <functional>
#include <optional>

#include "chain/evidence_check.h"
#include "chain/state.h"
#include "core/codec.h"
#include "core/keys.h"
#include "core/status.h"

namespace wattle::modules {
using namespace ::wattle::chain;

struct EvidenceRecord {
  PublicKey accused;
  uint64_t height = 0;       // the height the validator misbehaved at
  uint64_t included_at = 0;  // the block that committed the evidence
  bool operator==(const EvidenceRecord&) const = default;
};
void encode(Writer& w, const EvidenceRecord& r);
Status decode(Reader& r, EvidenceRecord& rec);

// The committed record of an evidence item (by evidence_hash), if any.
Result<std::optional<EvidenceRecord>> committed_evidence(const StateReader& state,
                                                         const Hash256& hash);

// Checks one item for a block at `block_height` and records it in `state`.
// On error the overlay is unchanged.
Status apply_evidence(StateOverlay& state, ByteView item, const EvidenceChecker& checker,
                      uint64_t block_height);

}  // namespace wattle::modules
