// ValidatorSet: who may sign consensus messages at a height, and with what weight.
//
// Promises: immutable after create(); at least one validator; every power is
// > 0; keys are distinct; the total power is at most kMaxTotalPower, so every
// quorum product below (3 * power) fits in uint64 without overflow. Quorums
// are computed on voting power, never on counts, and in integers only
// (DESIGN.md §4): "more than two thirds" is 3 * p > 2 * total, "more than one
// third" is 3 * p > total. Thread-safe for concurrent readers.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/engine.h"
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

  // proposer(h, r) of the paper: a deterministic function every validator
  // computes alike. Round-robin over indices so that within any n
  // consecutive rounds every validator proposes once; that bound is what the
  // liveness check relies on. (Weighting proposer frequency by power is a
  // validator-set policy and belongs to the PoA/PoS/DPoS layer.)
  NodeIndex proposer(uint64_t height, uint32_t round) const {
    return static_cast<NodeIndex>((height + round) % validators_.size());
  }

 private:
  std::vector<Validator> validators_;
  uint64_t total_ = 0;
};

}  // namespace wattle::consensus::bft
