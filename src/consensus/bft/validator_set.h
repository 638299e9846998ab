// ValidatorSet: who may sign consensus messages at a height, and with what weight.
//
// Promises: immutable after create(); at least one validator; every power is
// > 0; keys are distinct; the total power is at most kMaxTotalPower, so every
// quorum product below (3 * power) fits in uint64 without overflow. Quorums
// are computed on voting power, never on counts, and in integers only
// (docs/architecture.md): "more than two thirds" is 3 * p > 2 * total, "more than one
// third" is 3 * p > total. Thread-safe for concurrent readers.
//
// Proposer selection is CometBFT's proposer-priority rule (weighted round
// robin; docs/consensus.md §1): each validator holds an integer priority; one
// step adds every validator's power to its priority, elects the highest
// (lowest index on ties) and takes the total power off the elected one, after
// squeezing the priorities into a window of 2 * total and centring them on
// their average. Over any `total` consecutive steps a validator is elected
// about `power` times. A set carries the priorities of the height it is for
// (height(); zeros at height 0, one step per height). Everything is integer
// (docs/architecture.md) and bounded: |priority| stays below 4 * kMaxTotalPower.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/engine.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"

namespace wattle::consensus::bft {

struct Validator {
  PublicKey key;
  uint64_t power = 0;
};

class ValidatorSet {
 public:
  static constexpr uint64_t kMaxTotalPower = uint64_t{1} << 60;
  static constexpr size_t kMaxValidators = 1024;

  // kInvalidArgument for an empty set, a zero power, duplicate keys, too many
  // validators or a total over kMaxTotalPower.
  static Result<ValidatorSet> create(std::vector<Validator> validators);

  // BLAKE2b of the validators' keys and powers in order (not the
  // priorities): what commit certificates name, so a certificate cannot be
  // checked against another set than the one that signed it.
  const Hash256& hash() const { return hash_; }
  // The height whose proposer priorities this set holds.
  uint64_t height() const { return height_; }
  // The same validators with the priorities of `height` (>= height()): one
  // step per height, as CometBFT advances its set after each block.
  ValidatorSet at_height(uint64_t height) const;
  // The same validators with zero priorities as of `height`: a set that
  // takes effect at `height` (a staking set change) starts its proposer
  // rotation there, the same on every replica (docs/staking.md, "Set changes").
  ValidatorSet restarted_at(uint64_t height) const;
  // Proposer priorities in validator order (for hosts that store them).
  const std::vector<int64_t>& priorities() const { return priorities_; }

  size_t size() const { return validators_.size(); }
  const Validator& at(NodeIndex i) const { return validators_.at(i); }
  bool contains(NodeIndex i) const { return i < validators_.size(); }
  uint64_t total_power() const { return total_; }
  std::optional<NodeIndex> index_of(const PublicKey& key) const;

  // The 2f + 1 of the paper with weights: power > 2/3 of the total.
  bool is_two_thirds(uint64_t power) const { return 3 * power > 2 * total_; }
  // The f + 1 of the paper with weights: power > 1/3 of the total, so at
  // least one correct validator is among the signers.
  bool is_one_third(uint64_t power) const { return 3 * power > total_; }
  // More than half (only for the simulator's quorum-half mutation).
  bool is_half(uint64_t power) const { return 2 * power > total_; }
  // The largest faulty power the protocol tolerates: the largest F with 3F < total.
  uint64_t max_faulty_power() const { return (total_ - 1) / 3; }

  // proposer(h, r) of the paper, a deterministic function every validator
  // computes alike: the validator elected by the (r + 1)-th step from the
  // priorities of height h. Precondition: h >= height(). Costs
  // O((h - height() + r + 1) * size()); the engine keeps a set at its own
  // height. With equal powers this is (h + r) mod n, so every validator
  // proposes once in any n consecutive rounds.
  NodeIndex proposer(uint64_t height, uint32_t round) const;

 private:
  // One step of the priority rule on `p`; returns the elected validator.
  NodeIndex step(std::vector<int64_t>& p) const;

  std::vector<Validator> validators_;
  uint64_t total_ = 0;
  Hash256 hash_;
  uint64_t height_ = 0;
  std::vector<int64_t> priorities_;
};

}  // namespace wattle::consensus::bft
