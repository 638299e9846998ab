// The tx rules of the staking module (staking_rules.h).
#include "modules/staking/staking_rules.h"

#include <algorithm>

#include "modules/bank/rules.h"

namespace wattle::modules {

using chain::StateOverlay;
using chain::TxScope;

namespace {

Status require(const StakingContext& c, std::initializer_list<ConsensusKind> kinds,
               std::string_view what) {
  for (auto k : kinds)
    if (c.params.consensus == k) return Status::ok();
  return Status(Code::kNoStaking, std::string(what) + " is not taken on a " +
                                      std::string(consensus_name(c.params.consensus)) + " chain");
}

Status positive(Money amount) {
  return amount.value() > 0 ? Status::ok() : Status(Code::kInvalidArgument, "amount must be > 0");
}

Result<ValidatorRecord> load_validator(const StateOverlay& s, const Address& op, Code missing) {
  auto v = read_record<ValidatorRecord>(s, validator_key(op));
  if (!v) return v.status();
  if (!*v) return Status(missing, op.to_string() + " is not a validator");
  return std::move(**v);
}

// Pays the delegation's pending rewards (and, for the operator's own
// delegation, its commission) into the sender's balance, and marks the
// delegation settled at the validator's current acc.
Status settle(ValidatorRecord& v, Delegation& d, bool is_operator, chain::Account& sender) {
  int64_t pay = pending_reward(v, d);
  v.reward_pool -= pay;
  if (is_operator) {
    pay += v.commission;
    v.commission = 0;
  }
  d.acc_at = v.acc;
  if (pay == 0) return Status::ok();
  auto b = sender.balance.checked_add(Money(pay));
  if (!b) return Status(Code::kOverflow, "balance overflows");
  sender.balance = *b;
  return Status::ok();
}

// Adds `amount` tokens to `v` for `d`, at the current share price.
Status add_stake(ValidatorRecord& v, Delegation& d, int64_t amount) {
  if (v.shares > 0 && v.tokens == 0)
    return Status(Code::kNotCandidate, "validator has no stake left");
  const __int128 new_shares =
      v.shares == 0 ? amount : static_cast<__int128>(amount) * v.shares / v.tokens;
  if (new_shares <= 0) return Status(Code::kInvalidArgument, "amount buys no share");
  if (new_shares > INT64_MAX - v.shares || amount > INT64_MAX - v.tokens ||
      new_shares > INT64_MAX - d.shares)
    return Status(Code::kOverflow, "stake overflows");
  v.tokens += amount;
  v.shares += static_cast<int64_t>(new_shares);
  d.shares += static_cast<int64_t>(new_shares);
  return Status::ok();
}

// Takes `amount` tokens of `d`'s value out of `v` (shares rounded up, so an
// unbond never takes more value than it pays for).
Status remove_stake(ValidatorRecord& v, Delegation& d, int64_t amount) {
  const int64_t value = delegation_value(v, d);
  if (amount > value)
    return Status(Code::kInsufficientFunds, "unbonding " + std::to_string(amount) + " of " +
                                                std::to_string(value) + " bonded");
  int64_t out = d.shares;
  if (amount < value) {
    const __int128 num = static_cast<__int128>(amount) * v.shares;
    out = static_cast<int64_t>(std::min<__int128>((num + v.tokens - 1) / v.tokens, d.shares));
  }
  v.tokens -= amount;
  v.shares -= out;
  d.shares -= out;
  return Status::ok();
}

Status check_self_bond(const StakingContext& c, const ValidatorRecord& v, const Delegation& d) {
  const int64_t left = delegation_value(v, d);
  if (left != 0 && left < c.params.min_self_bond)
    return Status(Code::kInvalidArgument, "self-bond would fall below min_self_bond (" +
                                              std::to_string(c.params.min_self_bond) + ")");
  return Status::ok();
}

void put_delegation(StateOverlay& s, const Address& who, const Address& op, const Delegation& d) {
  if (d.shares == 0)
    s.erase(delegation_key(who, op));
  else
    s.put(delegation_key(who, op), encode_to_bytes(d));
}

// Queues `amount` for release to `who` at height + unbonding_blocks.
Status start_unbonding(const StakingContext& c, StateOverlay& s, const Address& who,
                       const Address& op, int64_t amount, uint64_t height) {
  auto list = read_or_default<UnbondingList>(s, unbonding_key(op));
  if (!list) return list.status();
  if (list->entries.size() >= kMaxUnbondingEntries)
    return Status(Code::kTooLarge, "validator has too many unbonding entries; retry later");
  const uint64_t release = height + c.params.unbonding_blocks;
  list->entries.push_back({who, amount, height, release});
  s.put(unbonding_key(op), encode_to_bytes(*list));
  auto queue = read_or_default<ReleaseQueue>(s, release_key(release));
  if (!queue) return queue.status();
  auto& ops = queue->operators;
  if (std::find(ops.begin(), ops.end(), op) == ops.end()) {
    ops.push_back(op);
    s.put(release_key(release), encode_to_bytes(*queue));
  }
  return Status::ok();
}

// Bond or delegate `amount` from the sender to `op`.
Status stake_in(const StakingContext& c, TxScope& scope, const Address& op, Money amount,
                Code missing) {
  WATTLE_RETURN_IF_ERROR(positive(amount));
  const Address who = scope.tx.sender_address();
  auto v = load_validator(scope.state, op, missing);
  if (!v) return v.status();
  if (v->tombstoned)
    return missing == Code::kNotCandidate ? Status(Code::kNotCandidate, "validator is tombstoned")
                                          : Status(Code::kTombstoned, "validator is tombstoned");
  auto d = read_or_default<Delegation>(scope.state, delegation_key(who, op));
  if (!d) return d.status();
  WATTLE_RETURN_IF_ERROR(settle(*v, *d, who == op, scope.sender));
  auto left = debit(scope.sender.balance, amount, c.min_balance);
  if (!left) return left.status();
  scope.sender.balance = *left;
  WATTLE_RETURN_IF_ERROR(add_stake(*v, *d, amount.value()));
  scope.state.put(validator_key(op), encode_to_bytes(*v));
  put_delegation(scope.state, who, op, *d);
  return Status::ok();
}

// Unbond or undelegate `amount` of the sender's stake in `op`.
Status stake_out(const StakingContext& c, TxScope& scope, const Address& op, Money amount,
                 Code missing) {
  WATTLE_RETURN_IF_ERROR(positive(amount));
  const Address who = scope.tx.sender_address();
  auto v = load_validator(scope.state, op, missing);
  if (!v) return v.status();
  auto d = read_record<Delegation>(scope.state, delegation_key(who, op));
  if (!d) return d.status();
  if (!*d) return Status(Code::kInsufficientFunds, "nothing bonded to " + op.to_string());
  WATTLE_RETURN_IF_ERROR(settle(*v, **d, who == op, scope.sender));
  WATTLE_RETURN_IF_ERROR(remove_stake(*v, **d, amount.value()));
  if (who == op) WATTLE_RETURN_IF_ERROR(check_self_bond(c, *v, **d));
  WATTLE_RETURN_IF_ERROR(
      start_unbonding(c, scope.state, who, op, amount.value(), scope.ctx.height));
  scope.state.put(validator_key(op), encode_to_bytes(*v));
  put_delegation(scope.state, who, op, **d);
  return Status::ok();
}

Status create_validator(const StakingContext& c, const CreateValidator& t, TxScope& scope) {
  WATTLE_RETURN_IF_ERROR(
      require(c, {ConsensusKind::kPos, ConsensusKind::kDpos}, "create-validator"));
  WATTLE_RETURN_IF_ERROR(positive(t.amount));
  if (t.commission_bp > 10'000)
    return Status(Code::kInvalidArgument, "commission_bp must be 0..10000");
  if (t.amount.value() < c.params.min_self_bond)
    return Status(Code::kInvalidArgument,
                  "self-bond below min_self_bond (" + std::to_string(c.params.min_self_bond) + ")");
  const Address op = scope.tx.sender_address();
  StateOverlay& s = scope.state;
  auto existing = s.read(validator_key(op));
  if (!existing) return existing.status();
  if (*existing) return Status(Code::kDuplicate, op.to_string() + " is a validator already");
  auto key_owner = s.read(consensus_key_key(t.consensus_key));
  if (!key_owner) return key_owner.status();
  if (*key_owner)
    return Status(Code::kKeyInUse, "consensus key " + t.consensus_key.hex() + " is in use");
  auto g = read_or_default<StakingGlobal>(s, global_key());
  if (!g) return g.status();
  if (g->candidates.size() >= StakingParams::kMaxCandidates)
    return Status(Code::kTooLarge, "the chain has the most candidates it takes");
  g->candidates.insert(std::lower_bound(g->candidates.begin(), g->candidates.end(), op), op);
  s.put(global_key(), encode_to_bytes(*g));
  s.put(consensus_key_key(t.consensus_key), Bytes(op.bytes.begin(), op.bytes.end()));
  ValidatorRecord v;
  v.consensus_key = t.consensus_key;
  v.commission_bp = t.commission_bp;
  s.put(validator_key(op), encode_to_bytes(v));
  return stake_in(c, scope, op, t.amount, Code::kNotFound);
}

Status unjail(const StakingContext& c, TxScope& scope) {
  WATTLE_RETURN_IF_ERROR(require(c, {ConsensusKind::kPos, ConsensusKind::kDpos}, "unjail"));
  const Address op = scope.tx.sender_address();
  auto v = load_validator(scope.state, op, Code::kNotFound);
  if (!v) return v.status();
  if (v->tombstoned) return Status(Code::kTombstoned, "a tombstoned validator stays jailed");
  if (!v->jailed) return Status(Code::kNotJailed, "validator is not jailed");
  if (scope.ctx.height < v->jailed_until)
    return Status(Code::kJailed, "jailed until height " + std::to_string(v->jailed_until));
  v->jailed = false;
  v->jailed_until = 0;
  scope.state.put(validator_key(op), encode_to_bytes(*v));
  return Status::ok();
}

}  // namespace

Status deliver_staking_tx(const StakingContext& c, const StakingTx& tx, TxScope& scope) {
  const Address self = scope.tx.sender_address();
  return std::visit(
      [&](const auto& t) -> Status {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, CreateValidator>) {
          return create_validator(c, t, scope);
        } else if constexpr (std::is_same_v<T, Bond>) {
          WATTLE_RETURN_IF_ERROR(require(c, {ConsensusKind::kPos}, "bond"));
          return stake_in(c, scope, self, t.amount, Code::kNotFound);
        } else if constexpr (std::is_same_v<T, Unbond>) {
          WATTLE_RETURN_IF_ERROR(require(c, {ConsensusKind::kPos}, "unbond"));
          return stake_out(c, scope, self, t.amount, Code::kNotFound);
        } else if constexpr (std::is_same_v<T, Delegate>) {
          WATTLE_RETURN_IF_ERROR(require(c, {ConsensusKind::kDpos}, "delegate"));
          return stake_in(c, scope, t.validator, t.amount, Code::kNotCandidate);
        } else if constexpr (std::is_same_v<T, Undelegate>) {
          WATTLE_RETURN_IF_ERROR(require(c, {ConsensusKind::kDpos}, "undelegate"));
          return stake_out(c, scope, t.validator, t.amount, Code::kNotCandidate);
        } else if constexpr (std::is_same_v<T, Unjail>) {
          return unjail(c, scope);
        } else if constexpr (std::is_same_v<T, Propose>) {
          WATTLE_RETURN_IF_ERROR(require(c, {ConsensusKind::kPoa}, "an authority proposal"));
          return poa_propose(c, t, scope);
        } else {
          WATTLE_RETURN_IF_ERROR(require(c, {ConsensusKind::kPoa}, "an authority vote"));
          return poa_vote(c, t, scope);
        }
      },
      tx);
}

}  // namespace wattle::modules
