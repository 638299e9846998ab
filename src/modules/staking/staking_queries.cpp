#include "modules/staking/staking_queries.h"

#include "modules/staking/staking_params.h"

namespace wattle::modules {

void encode(Writer& w, const StakeView& v) {
  w.boolean(v.validator.has_value());
  if (v.validator) encode(w, *v.validator);
  w.u32(static_cast<uint32_t>(v.delegations.size()));
  for (const auto& d : v.delegations) {
    encode(w, d.validator);
    w.i64(d.amount);
    w.i64(d.rewards);
  }
  encode(w, UnbondingList{v.unbonding});
}

Status decode(Reader& r, StakeView& v) {
  bool has = false;
  WATTLE_RETURN_IF_ERROR(r.boolean(has));
  if (has) {
    v.validator.emplace();
    WATTLE_RETURN_IF_ERROR(decode(r, *v.validator));
  }
  uint32_t n = 0;
  WATTLE_RETURN_IF_ERROR(r.count(n, StakingParams::kMaxCandidates, 36));
  v.delegations.resize(n);
  for (auto& d : v.delegations) {
    WATTLE_RETURN_IF_ERROR(decode(r, d.validator));
    WATTLE_RETURN_IF_ERROR(r.i64(d.amount));
    WATTLE_RETURN_IF_ERROR(r.i64(d.rewards));
  }
  UnbondingList l;
  WATTLE_RETURN_IF_ERROR(decode(r, l));
  v.unbonding = std::move(l.entries);
  return Status::ok();
}

Result<StakeView> stake_view(const chain::StateReader& state, const Address& who) {
  StakeView view;
  auto own = read_record<ValidatorRecord>(state, validator_key(who));
  if (!own) return own.status();
  view.validator = *own;
  auto g = read_or_default<StakingGlobal>(state, global_key());
  if (!g) return g.status();
  for (const auto& op : g->candidates) {
    auto v = read_record<ValidatorRecord>(state, validator_key(op));
    if (!v) return v.status();
    if (!*v) continue;
    auto d = read_record<Delegation>(state, delegation_key(who, op));
    if (!d) return d.status();
    if (*d) {
      int64_t rewards = pending_reward(**v, **d) + (op == who ? (*v)->commission : 0);
      view.delegations.push_back({op, delegation_value(**v, **d), rewards});
    }
    auto list = read_or_default<UnbondingList>(state, unbonding_key(op));
    if (!list) return list.status();
    for (const auto& e : list->entries)
      if (e.delegator == who) view.unbonding.push_back(e);
  }
  return view;
}

}  // namespace wattle::modules
