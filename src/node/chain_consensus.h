// The consensus a chain's genesis asks for, as the node and the simulator
// both need it: the engine kind, the validator set, how a block value's id
// follows from its bytes, and how anyone checks a committed block's
// certificate (`wattle verify`, the light client, the simulator's checks).
//
// Promises: the functions are pure functions of their arguments and
// thread-safe; BlockValues is one replica's, on its thread.
#pragma once

#include <deque>
#include <memory>

#include "chain/genesis.h"
#include "chain/last_commit_check.h"
#include "consensus/bft/messages.h"
#include "consensus/bft/validator_set.h"
#include "consensus/engine.h"

namespace wattle::node {

// The genesis validators as a consensus validator set (heights from 1).
Result<consensus::bft::ValidatorSet> validator_set(const chain::Genesis& genesis);

// True when the chain's set changes with its state (a "bft" genesis with a
// poa, pos or dpos staking section): the set of each height is then read
// from committed state (validator_set_at), not fixed at genesis.
bool has_staked_sets(const chain::Genesis& genesis);

// The set that decides `height`: on a chain with staked sets, the staking
// record in force at `height` in `committed` (a state at height - 1 or later:
// a set recorded at H takes effect at H+2, so it is there by then), its
// proposer rotation restarted where it took effect; else the genesis set.
// Priorities are those of `height` (ValidatorSet::at_height).
Result<consensus::bft::ValidatorSet> validator_set_at(const chain::Genesis& genesis,
                                                      const chain::StateReader& committed,
                                                      uint64_t height);

// A value's id is the hash of the block header its bytes open with
// (chain::block_id); bytes that are not a valid block (decode_block) get the
// zero id, which no signed value has. Stateless: each call decodes.
const consensus::ValueHasher& block_value_hasher();

// One replica's block values: the same ids as block_value_hasher, but each
// value's bytes are decoded and checked once, and the decoded block (with its
// tx hashes) is kept, keyed by id and bytes, for the replica's validation,
// execution and commit of it. A value seen again (the engine checks a
// proposal's bytes, then validates them, then commits them) costs a hash of
// its header and a comparison of its bytes. Bounded: the last kCapacity
// values; forget_through drops those of committed heights. The engine's and
// the replica's thread only (one at a time).
class BlockValues final : public consensus::ValueHasher {
 public:
  static constexpr size_t kCapacity = 8;

  Hash256 id_of(ByteView data) const override;
  // The block `value` holds, decoded once; null if its bytes are not a valid
  // block or not the block its id names.
  std::shared_ptr<const chain::DecodedBlock> decoded(const consensus::Value& value) const;
  // A block the host already decoded (its own proposal, a synced block):
  // `data` must be its encoding without a certificate.
  void remember(ByteView data, std::shared_ptr<const chain::DecodedBlock> block) const;
  // Drops the values of heights up to `height` (committed: never needed again).
  void forget_through(uint64_t height) const;

 private:
  std::shared_ptr<const chain::DecodedBlock> find_or_decode(const Hash256& id, ByteView data) const;
  struct Entry {
    Bytes data;
    std::shared_ptr<const chain::DecodedBlock> block;
  };
  // Mutable: id_of is const in the engine's interface, and the cache does
  // not change what any call returns.
  mutable std::deque<Entry> entries_;
};

// ok iff `certificate` proves the block with `header` final under the
// genesis engine: for "single" the validator's signature over (chain id,
// height, block hash); for "bft" a CommitCertificate for this height and
// block hash, naming the set of that height (the genesis set, or with staked
// sets the one validator_set_at reads from `committed`, which is then
// required), with > 2/3 of its power from distinct members. kCorruption with
// the reason otherwise.
Status verify_block_certificate(const chain::Genesis& genesis, const chain::BlockHeader& header,
                                ByteView certificate,
                                const chain::StateReader* committed = nullptr);
// The same check, naming who signed: the consensus keys of the certificate's
// precommits (for "single", the genesis validator).
Result<std::vector<PublicKey>> certificate_signers(const chain::Genesis& genesis,
                                                   const chain::BlockHeader& header,
                                                   ByteView certificate,
                                                   const chain::StateReader* committed = nullptr);

// The chain's LastCommitChecker (chain/last_commit_check.h): a block's last
// commit must be a certificate of its parent that verify_block_certificate
// accepts under the set in force at the parent's height, read from
// `committed` (the application's store, which must outlive the checker; the
// state at the parent's height when a block is validated). CometBFT verifies
// LastCommit signatures in the block the same way: the rule depends on the
// block and the committed state only, so every replica decides alike.
chain::LastCommitChecker last_commit_checker(const chain::Genesis& genesis,
                                             const chain::StateReader* committed = nullptr);

// The evidence a block may carry on this chain (ledger/evidence.h). For
// "bft": vote equivocation, i.e. two conflicting votes of one genesis
// validator for one (type, height, round), in the canonical encoding of
// consensus::bft::Evidence (CometBFT's DuplicateVoteEvidence); it accuses the
// voter at the votes' height. Proposal equivocation is found and logged but
// not committed: CometBFT does not commit it either, and checking who may
// propose at an arbitrary (height, round) costs O(height + round) steps, a
// price an attacker would choose. Null for "single" (no evidence accepted).
// On a chain with staked sets, given `committed` (the store the application
// executes on, which must outlive the checker), a vote's validator is looked
// up in the set of the votes' height (validator_set_at): every replica
// executing a block reads the same committed state, so the answer is
// deterministic; without it, the genesis set (right until the first change).
chain::EvidenceChecker evidence_checker(const chain::Genesis& genesis,
                                        const chain::StateReader* committed = nullptr);

}  // namespace wattle::node
