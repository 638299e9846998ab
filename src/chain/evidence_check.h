// EvidenceChecker: how the chain learns what an evidence item proves.
//
// The chain does not know what evidence looks like: the consensus layer does
// (two conflicting signed votes, or two proposals, of one validator for one
// height and round: consensus/bft/messages.h). The node builds a checker
// from the genesis validator set (node/chain_consensus.h); the application
// uses it for its evidence pool and the evidence module for blocks.
#pragma once

#include <functional>

#include "chain/state.h"
#include "core/bytes.h"
#include "core/keys.h"
#include "core/status.h"

namespace wattle::chain {

struct EvidenceInfo {
  PublicKey accused;  // the validator's consensus key
  uint64_t height = 0;
};

// Verifies one evidence item (signatures, conflict, signer in the set) and
// says what it proves. Deterministic: the same item gives the same answer on
// every replica. Must be safe to call from any thread.
using EvidenceChecker = std::function<Result<EvidenceInfo>(ByteView item)>;

// Where a committed item is recorded (the evidence module's namespace; the
// application's evidence pool reads it to refuse committed items).
inline StateKey evidence_key(const Hash256& evidence_hash) {
  return StateKey{Namespace::kEvidence,
                  Bytes(evidence_hash.bytes.begin(), evidence_hash.bytes.end())};
}

}  // namespace wattle::chain
