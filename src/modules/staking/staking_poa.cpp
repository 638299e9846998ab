// Proof-of-Authority governance (docs/staking.md, "poa"): an authority
// proposes to add, re-weight or remove one authority; the proposal passes
// when authorities holding > 2/3 of the current power have voted for it, and
// lapses after proposal_expiry_blocks. Nobody outside the set can propose or
// vote. A passing proposal changes StakingGlobal::current; end-block records
// it to take effect two blocks on, like any set change.
#include <algorithm>

#include "modules/staking/staking_rules.h"

namespace wattle::modules {

using chain::TxScope;

namespace {

const SetEntry* member(const ValidatorSetRecord& set, const PublicKey& key) {
  for (const auto& e : set.validators)
    if (e.key == key) return &e;
  return nullptr;
}

// The set with `p` applied; kInvalidArgument when it would be empty, over
// the power bound, or give one authority >= 1/3 where genesis forbids it.
Result<ValidatorSetRecord> applied(const StakingParams& params, ValidatorSetRecord set,
                                   const Propose& p) {
  auto& vs = set.validators;
  auto it = std::find_if(vs.begin(), vs.end(), [&](const SetEntry& e) { return e.key == p.key; });
  if (p.power == 0) {
    if (it == vs.end()) return Status(Code::kNotFound, "key " + p.key.hex() + " is no authority");
    vs.erase(it);
  } else if (it != vs.end()) {
    it->power = p.power;
  } else {
    if (vs.size() >= StakingParams::kMaxValidators)
      return Status(Code::kTooLarge, "the set has the most authorities it takes");
    vs.push_back({p.key, Address::of(p.key), p.power});
  }
  if (vs.empty()) return Status(Code::kInvalidArgument, "the proposal would leave the set empty");
  unsigned __int128 total = 0;
  for (const auto& e : vs) total += e.power;
  if (total > (uint64_t{1} << 60)) return Status(Code::kInvalidArgument, "total power over 2^60");
  if (params.forbid_third_power)
    for (const auto& e : vs)
      if (static_cast<unsigned __int128>(e.power) * 3 >= total)
        return Status(Code::kInvalidArgument,
                      "the proposal would give one authority >= 1/3 of the power");
  sort_set(set);
  return set;
}

Result<StakingGlobal> authority_global(TxScope& scope) {
  auto g = read_or_default<StakingGlobal>(scope.state, global_key());
  if (!g) return g.status();
  if (!member(g->current, scope.tx.sender))
    return Status(Code::kNotAuthority, "the sender is no authority");
  return g;
}

// Applies the proposal if its voters hold > 2/3 of the current power.
Status tally(const StakingParams& params, StakingGlobal& g, const Proposal& p, bool& passed) {
  unsigned __int128 total = 0, yes = 0;
  for (const auto& e : g.current.validators) {
    total += e.power;
    if (std::find(p.votes.begin(), p.votes.end(), e.key) != p.votes.end()) yes += e.power;
  }
  passed = yes * 3 > total * 2;
  if (!passed) return Status::ok();
  auto next = applied(params, g.current, Propose{p.key, p.power});
  if (!next) return next.status();
  g.current = std::move(*next);
  return Status::ok();
}

Status save(TxScope& scope, const StakingGlobal& g, uint64_t id, const Proposal& p, bool passed) {
  scope.state.put(global_key(), encode_to_bytes(g));
  if (passed)
    scope.state.erase(proposal_key(id));
  else
    scope.state.put(proposal_key(id), encode_to_bytes(p));
  return Status::ok();
}

}  // namespace

Status poa_propose(const StakingContext& c, const Propose& t, TxScope& scope) {
  auto g = authority_global(scope);
  if (!g) return g.status();
  // Refused now if it could never apply to the current set.
  auto check = applied(c.params, g->current, t);
  if (!check) return check.status();
  const uint64_t id = g->next_proposal++;
  Proposal p{t.key, t.power, scope.ctx.height + c.params.proposal_expiry_blocks, {scope.tx.sender}};
  bool passed = false;
  WATTLE_RETURN_IF_ERROR(tally(c.params, *g, p, passed));
  return save(scope, *g, id, p, passed);
}

Status poa_vote(const StakingContext& c, const Vote& t, TxScope& scope) {
  auto g = authority_global(scope);
  if (!g) return g.status();
  auto p = read_record<Proposal>(scope.state, proposal_key(t.proposal));
  if (!p) return p.status();
  if (!*p || scope.ctx.height > (*p)->expires_at)
    return Status(Code::kNotFound, "no open proposal " + std::to_string(t.proposal));
  auto& votes = (*p)->votes;
  if (std::find(votes.begin(), votes.end(), scope.tx.sender) != votes.end())
    return Status(Code::kAlreadyVoted, "this authority voted for the proposal already");
  if (votes.size() >= StakingParams::kMaxValidators)
    return Status(Code::kTooLarge, "too many votes");
  votes.push_back(scope.tx.sender);
  bool passed = false;
  WATTLE_RETURN_IF_ERROR(tally(c.params, *g, **p, passed));
  return save(scope, *g, t.proposal, **p, passed);
}

}  // namespace wattle::modules
