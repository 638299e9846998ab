// Deliberate bugs ("mutations") that prove the simulator's checks can fail
// (docs/architecture.md: a checker must be able to fail).
//
// The guard: a BftEngine only misbehaves when handed a TestHooks object, and
// TestHooks has a private constructor whose only friend is
// cluster_sim::Simulator. The node, the CLI and the tests cannot create
// one (the code would not compile), so production code paths always pass
// nullptr and run the unmutated algorithm. Reaching a mutation from outside the
// simulator needs a visible edit to this header.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wattle::cluster_sim {
class Simulator;
}

namespace wattle::consensus::bft {

enum class Mutation : uint8_t {
  kNone = 0,
  kQuorumHalf = 1,       // quorums of > 1/2 of the power instead of > 2/3
  kNoLock = 2,           // rules 23 and 29 ignore lockedValue/lockedRound when prevoting
  kNoPersist = 3,        // PersistBeforeSend is never emitted
  kSkipVoteVerify = 4,   // votes are counted without checking their signatures
  kTrustValidRound = 5,  // rule 28 without its 2f+1 prevotes for (vr, id(v))
  kNoProposerCheck = 6,  // proposals are taken from any validator, not only proposer(h, r)
  kPrevoteHalf = 7,      // > 1/2 instead of > 2/3 for prevote quorums only (28, 34, 36, 44)
  // Application mutations (chain::AppTestHooks carries them; --full only):
  kNondeterministicExec = 8,  // each replica executes with a value of its own (its min_balance)
  kSkipRootCheck = 9,         // process_proposal accepts a block without re-executing it
  // Tendermint before 2018: a validator locked at round lr unlocks when it
  // sees 2f+1 prevotes for nil at a later round (lines 44-46 also reset
  // lockedValue/lockedRound), and may then prevote a new value with no proof
  // of lock: rare forks, which the simulator's lock check catches.
  kUnlockOnNil = 10,
  // Application: the certificates module splits a transferred bundle
  // without debiting the source (certificates counted twice) and its own
  // per-block identity check is off, so only the simulator's check of the
  // committed state (cluster_sim/cert_check.h) can see it.
  kCertDoubleCount = 11,
  // Application, staked chains only (cluster_sim/stake_mutation.h): the
  // staking module records a new set to take effect at H+1 instead of H+2;
  // and its double-sign slash leaves the offender's unbonding entries whole.
  kSetChangeImmediate = 12,
  kSlashSkipUnbonding = 13,
};

// One row per mutation: its --mutation name and the layer that carries it.
// Engine mutations run under the engine simulator and with whole replicas;
// application mutations only with whole replicas (`--full`), where the
// simulator hands them to each replica's chain::Application.
struct MutationInfo {
  Mutation mutation;
  std::string_view name;
  enum class Layer : uint8_t { kNone, kEngine, kApp } layer;
};
inline constexpr std::array<MutationInfo, 14> kMutations{{
    {Mutation::kNone, "none", MutationInfo::Layer::kNone},
    {Mutation::kQuorumHalf, "quorum-half", MutationInfo::Layer::kEngine},
    {Mutation::kNoLock, "no-lock", MutationInfo::Layer::kEngine},
    {Mutation::kNoPersist, "no-persist", MutationInfo::Layer::kEngine},
    {Mutation::kSkipVoteVerify, "skip-vote-verify", MutationInfo::Layer::kEngine},
    {Mutation::kTrustValidRound, "trust-valid-round", MutationInfo::Layer::kEngine},
    {Mutation::kNoProposerCheck, "no-proposer-check", MutationInfo::Layer::kEngine},
    {Mutation::kPrevoteHalf, "prevote-half", MutationInfo::Layer::kEngine},
    {Mutation::kNondeterministicExec, "nondeterministic-exec", MutationInfo::Layer::kApp},
    {Mutation::kSkipRootCheck, "skip-root-check", MutationInfo::Layer::kApp},
    {Mutation::kUnlockOnNil, "unlock-on-nil", MutationInfo::Layer::kEngine},
    {Mutation::kCertDoubleCount, "cert-double-count", MutationInfo::Layer::kApp},
    {Mutation::kSetChangeImmediate, "set-change-immediate", MutationInfo::Layer::kApp},
    {Mutation::kSlashSkipUnbonding, "slash-skip-unbonding", MutationInfo::Layer::kApp},
}};

// The mutations of the staking module: they need a staked chain.
inline bool is_staking_mutation(Mutation m) {
  return m == Mutation::kSetChangeImmediate || m == Mutation::kSlashSkipUnbonding;
}

inline MutationInfo::Layer mutation_layer(Mutation m) {
  for (const auto& info : kMutations)
    if (info.mutation == m) return info.layer;
  return MutationInfo::Layer::kNone;
}

inline std::string_view mutation_name(Mutation m) {
  for (const auto& info : kMutations)
    if (info.mutation == m) return info.name;
  return "none";
}

inline std::optional<Mutation> parse_mutation(std::string_view name) {
  for (const auto& info : kMutations)
    if (info.name == name) return info.mutation;
  return std::nullopt;
}

// "none, quorum-half, ...": for help texts and error messages.
inline std::string mutation_names() {
  std::string out;
  for (const auto& info : kMutations) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

class TestHooks {
 public:
  Mutation mutation() const { return mutation_; }

 private:
  explicit TestHooks(Mutation m) : mutation_(m) {}
  friend class ::wattle::cluster_sim::Simulator;
  Mutation mutation_;
};

}  // namespace wattle::consensus::bft
