// The staking module's records and their typed access (docs/staking.md,
// "State"). Keys:
//   Namespace::kValidator (5)  id: operator address    ValidatorRecord
//   Namespace::kStake (6)      id: delegator || operator  Delegation
//   kUnbondingNs (32)          id: operator address    UnbondingList (its entries)
//   kReleaseNs (33)            id: height (u64 BE)     ReleaseQueue (operators with entries due)
//   kGlobalNs (34)             id: empty               StakingGlobal
//   kSetNs (35)                id: height (u64 BE)     ValidatorSetRecord effective from it
//   kSetIndexNs (36)           id: empty               SetIndex (heights of kSetNs records)
//   kConsensusKeyNs (37)       id: consensus key       operator address (a key is used once)
//   kProposalNs (38)           id: proposal (u64 BE)   Proposal (poa)
//   kSigningNs (39)            id: operator address    SigningInfo (downtime bitmap)
// The state has no range scans, so every list a rule walks is one record,
// bounded (StakingParams::kMaxCandidates, kMaxUnbondingEntries).
//
// Delegations hold shares of their validator's tokens (Cosmos SDK x/staking):
// a slash lowers the tokens, so every delegator loses the same fraction
// without a write per delegator. Rewards accumulate per share (acc, scaled by
// kRewardScale; x/distribution's F1 idea): a block's reward is one write per
// validator, and a delegation's share is settled when it next changes.
#pragma once

#include <optional>
#include <vector>

#include "chain/state.h"
#include "core/address.h"
#include "core/codec.h"
#include "core/keys.h"
#include "modules/records.h"

namespace wattle::modules {

inline constexpr chain::Namespace kUnbondingNs{32};
inline constexpr chain::Namespace kReleaseNs{33};
inline constexpr chain::Namespace kGlobalNs{34};
inline constexpr chain::Namespace kSetNs{35};
inline constexpr chain::Namespace kSetIndexNs{36};
inline constexpr chain::Namespace kConsensusKeyNs{37};
inline constexpr chain::Namespace kProposalNs{38};
inline constexpr chain::Namespace kSigningNs{39};

inline constexpr unsigned __int128 kRewardScale = 1'000'000'000'000;  // 1e12
inline constexpr uint32_t kMaxUnbondingEntries = 1024;                // per validator
inline constexpr uint32_t kMaxSetChanges = 100'000;  // set records kept in the index

struct ValidatorRecord {
  PublicKey consensus_key;
  uint32_t commission_bp = 0;
  int64_t tokens = 0;         // bonded stake of all its delegations (self included)
  int64_t shares = 0;         // the delegations' shares, sum
  unsigned __int128 acc = 0;  // reward per share since creation, times kRewardScale
  int64_t reward_pool = 0;    // delegators' rewards not yet paid (with rounding dust)
  int64_t commission = 0;     // the operator's commission not yet paid
  bool jailed = false;
  uint64_t jailed_until = 0;  // first height unjail is accepted
  bool tombstoned = false;    // double-signed: never validates again
  bool operator==(const ValidatorRecord&) const = default;
};

struct Delegation {
  int64_t shares = 0;
  unsigned __int128 acc_at = 0;  // the validator's acc when last settled
  bool operator==(const Delegation&) const = default;
};

struct UnbondingEntry {
  Address delegator;
  int64_t amount = 0;
  uint64_t creation_height = 0;  // bonded until (and including) the block before this
  uint64_t release_height = 0;
  bool operator==(const UnbondingEntry&) const = default;
};
struct UnbondingList {
  std::vector<UnbondingEntry> entries;
};
struct ReleaseQueue {
  std::vector<Address> operators;
};

struct SetEntry {
  PublicKey key;
  Address operator_address;
  uint64_t power = 0;
  bool operator==(const SetEntry&) const = default;
};
struct ValidatorSetRecord {
  std::vector<SetEntry> validators;  // by power desc, then address asc
  bool operator==(const ValidatorSetRecord&) const = default;
};
struct SetIndex {
  std::vector<uint64_t> heights;  // ascending
};

struct StakingGlobal {
  std::vector<Address> candidates;  // ascending: every validator record's operator
  int64_t minted = 0;               // block rewards since genesis
  int64_t burned = 0;               // slashed since genesis
  uint64_t next_proposal = 1;
  ValidatorSetRecord current;  // the last set computed (effective now or at most 2 blocks on)
};

struct Proposal {
  PublicKey key;
  uint64_t power = 0;
  uint64_t expires_at = 0;  // last height a vote is accepted
  std::vector<PublicKey> votes;
};

// A set member's precommits over its last downtime_window commits (Cosmos
// x/slashing's ValidatorSigningInfo and missed-blocks bitmap): bit i of
// `bitmap` is the commit number `i mod window` it was observed in, 1 =
// missed. `observed` counts commits since it was first seen or last jailed;
// `missed` is the number of 1 bits. ceil(window / 8) bytes, so bounded by
// StakingParams::kMaxDowntimeWindow.
struct SigningInfo {
  uint64_t observed = 0;
  uint64_t missed = 0;
  Bytes bitmap;
  bool operator==(const SigningInfo&) const = default;
};

#define WATTLE_STAKING_CODEC(T)       \
  void encode(Writer& w, const T& v); \
  Status decode(Reader& r, T& v);
WATTLE_STAKING_CODEC(ValidatorRecord)
WATTLE_STAKING_CODEC(Delegation)
WATTLE_STAKING_CODEC(UnbondingList)
WATTLE_STAKING_CODEC(ReleaseQueue)
WATTLE_STAKING_CODEC(ValidatorSetRecord)
WATTLE_STAKING_CODEC(SetIndex)
WATTLE_STAKING_CODEC(StakingGlobal)
WATTLE_STAKING_CODEC(Proposal)
WATTLE_STAKING_CODEC(SigningInfo)
#undef WATTLE_STAKING_CODEC

Bytes height_id(uint64_t height);
chain::StateKey validator_key(const Address& op);
chain::StateKey delegation_key(const Address& delegator, const Address& op);
chain::StateKey unbonding_key(const Address& op);
chain::StateKey release_key(uint64_t height);
chain::StateKey global_key();
chain::StateKey set_key(uint64_t height);
chain::StateKey set_index_key();
chain::StateKey consensus_key_key(const PublicKey& key);
chain::StateKey proposal_key(uint64_t id);
chain::StateKey signing_key(const Address& op);

// The set in force at `height`: the latest set record effective at or
// before it; empty when none (a chain without staking).
template <typename S>
Result<ValidatorSetRecord> set_at(const S& state, uint64_t height);

// The tokens a delegation's shares are worth now (floor).
int64_t delegation_value(const ValidatorRecord& v, const Delegation& d);
// Rewards a delegation has earned since it was last settled (floor).
int64_t pending_reward(const ValidatorRecord& v, const Delegation& d);

}  // namespace wattle::modules
