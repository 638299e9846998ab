// The consensus a chain's genesis asks for, as the node and the simulator
// both need it: the engine kind, the validator set, how a block value's id
// follows from its bytes, and how anyone checks a committed block's
// certificate (`wattle verify`, the light client, the simulator's checks).
//
// Promises: pure functions of their arguments; thread-safe.
#pragma once

#include "chain/genesis.h"
#include "consensus/bft/messages.h"
#include "consensus/bft/validator_set.h"
#include "consensus/engine.h"

namespace wattle::node {

// The genesis validators as a consensus validator set (heights from 1).
Result<consensus::bft::ValidatorSet> validator_set(const chain::Genesis& genesis);

// A value's id is the hash of the block header its bytes decode to; bytes
// that do not decode get the zero id, which no signed value has.
const consensus::ValueHasher& block_value_hasher();

// ok iff `certificate` proves the block with `header` final under the
// genesis engine: for "single" the validator's signature over (chain id,
// height, block hash); for "bft" a CommitCertificate for this height and
// block hash, naming the genesis set, with > 2/3 of its power from distinct
// members. kCorruption with the reason otherwise.
Status verify_block_certificate(const chain::Genesis& genesis, const chain::BlockHeader& header,
                                ByteView certificate);

// The evidence a block may carry on this chain (ledger/evidence.h). For
// "bft": vote equivocation, i.e. two conflicting votes of one genesis
// validator for one (type, height, round), in the canonical encoding of
// consensus::bft::Evidence (CometBFT's DuplicateVoteEvidence); it accuses the
// voter at the votes' height. Proposal equivocation is found and logged but
// not committed: CometBFT does not commit it either, and checking who may
// propose at an arbitrary (height, round) costs O(height + round) steps, a
// price an attacker would choose. Null for "single" (no evidence accepted).
chain::EvidenceChecker evidence_checker(const chain::Genesis& genesis);

}  // namespace wattle::node
