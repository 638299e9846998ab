// The staking module's txs (docs/staking.md, "Txs"), carried as ModuleTx
// payloads of kinds 32..39 (chain/tx.h). Each body has one canonical
// encoding; decode_staking_tx is strict (trailing bytes, an unknown kind or
// an out-of-range field are kMalformed). Value types.
#pragma once

#include <variant>

#include "chain/tx.h"
#include "core/address.h"
#include "core/keys.h"
#include "core/units.h"

namespace wattle::modules {

enum class StakingTxKind : uint8_t {
  kCreateValidator = 32,
  kBond = 33,
  kUnbond = 34,
  kDelegate = 35,
  kUndelegate = 36,
  kUnjail = 37,
  kPropose = 38,
  kVote = 39,
};
inline constexpr uint8_t kFirstStakingTxKind = 32;
inline constexpr uint8_t kLastStakingTxKind = 39;

// pos, dpos: the sender becomes a validator (candidate) with `consensus_key`
// and a self-bond of `amount`.
struct CreateValidator {
  PublicKey consensus_key;
  Money amount;
  uint32_t commission_bp = 0;  // 0..10000: the validator's cut of its rewards
  bool operator==(const CreateValidator&) const = default;
};
// pos: the sender's own stake in its validator.
struct Bond {
  Money amount;
  bool operator==(const Bond&) const = default;
};
struct Unbond {
  Money amount;
  bool operator==(const Unbond&) const = default;
};
// dpos: the sender's stake delegated to `validator` (an operator address).
struct Delegate {
  Address validator;
  Money amount;
  bool operator==(const Delegate&) const = default;
};
struct Undelegate {
  Address validator;
  Money amount;
  bool operator==(const Undelegate&) const = default;
};
struct Unjail {
  bool operator==(const Unjail&) const = default;
};
// poa: add `key` with `power` (or change its power); power 0 removes it.
struct Propose {
  PublicKey key;
  uint64_t power = 0;
  bool operator==(const Propose&) const = default;
};
struct Vote {
  uint64_t proposal = 0;
  bool operator==(const Vote&) const = default;
};

using StakingTx =
    std::variant<CreateValidator, Bond, Unbond, Delegate, Undelegate, Unjail, Propose, Vote>;

chain::ModuleTx to_module_tx(const StakingTx& tx);
Result<StakingTx> decode_staking_tx(const chain::ModuleTx& tx);

}  // namespace wattle::modules
