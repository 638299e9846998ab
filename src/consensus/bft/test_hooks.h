// Deliberate bugs ("mutations") that prove the simulator's checks can fail
// (DESIGN.md §8: a checker must be able to fail).
//
// The guard: a BftEngine only misbehaves when handed a TestHooks object, and
// TestHooks has a private constructor whose only friend is
// simnet::Simulator. The node, the CLI and the tests cannot create
// one (the code would not compile), so production code paths always pass
// nullptr and run the unmutated algorithm. Reaching a mutation from outside the
// simulator needs a visible edit to this header.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wattle::simnet {
class Simulator;
}

namespace wattle::consensus::bft {

enum class Mutation : uint8_t {
  kNone = 0,
  kQuorumHalf = 1,  // quorums of > 1/2 of the power instead of > 2/3
  kNoLock = 2,      // rules 23 and 29 ignore lockedValue/lockedRound when prevoting
  kNoPersist = 3,   // PersistBeforeSend is never emitted
};

inline std::string_view mutation_name(Mutation m) {
  switch (m) {
    case Mutation::kQuorumHalf:
      return "quorum-half";
    case Mutation::kNoLock:
      return "no-lock";
    case Mutation::kNoPersist:
      return "no-persist";
    case Mutation::kNone:
      break;
  }
  return "none";
}

inline std::optional<Mutation> parse_mutation(std::string_view name) {
  for (Mutation m :
       {Mutation::kNone, Mutation::kQuorumHalf, Mutation::kNoLock, Mutation::kNoPersist})
    if (mutation_name(m) == name) return m;
  return std::nullopt;
}

class TestHooks {
 public:
  Mutation mutation() const { return mutation_; }

 private:
  explicit TestHooks(Mutation m) : mutation_(m) {}
  friend class ::wattle::simnet::Simulator;
  Mutation mutation_;
};

}  // namespace wattle::consensus::bft
