#include "modules/staking/staking_module.h"

#include "modules/staking/staking_queries.h"
#include "modules/staking/staking_rules.h"
#include "modules/staking/staking_txs.h"

namespace wattle::modules {

using namespace ::wattle::chain;

std::vector<uint8_t> StakingModule::tx_kinds() const {
  std::vector<uint8_t> kinds;
  for (uint8_t k = kFirstStakingTxKind; k <= kLastStakingTxKind; ++k) kinds.push_back(k);
  return kinds;
}

std::vector<Namespace> StakingModule::namespaces() const {
  return {Namespace::kValidator, Namespace::kStake, kUnbondingNs, kReleaseNs, kGlobalNs, kSetNs,
          kSetIndexNs,           kConsensusKeyNs,   kProposalNs,  kSigningNs};
}

Status StakingModule::init_genesis(StateOverlay& state) const {
  return staking_genesis(StakingContext{params_, min_balance_}, genesis_, state);
}

Status StakingModule::check_tx(const Tx& tx) const {
  const auto* m = std::get_if<ModuleTx>(&tx.payload);
  if (m == nullptr) return Status(Code::kInternal, "staking: not a module tx");
  auto t = decode_staking_tx(*m);
  return t ? Status::ok() : t.status();
}

Status StakingModule::deliver_tx(TxScope& scope) const {
  const auto* m = std::get_if<ModuleTx>(&scope.tx.payload);
  if (m == nullptr) return Status(Code::kInternal, "staking: not a module tx");
  auto t = decode_staking_tx(*m);
  if (!t) return t.status();
  return deliver_staking_tx(StakingContext{params_, min_balance_}, *t, scope);
}

Status StakingModule::last_commit(StateOverlay& state, const BlockHeader& header,
                                  const LastCommit& commit, std::vector<Event>* events) const {
  return handle_last_commit(StakingContext{params_, min_balance_}, state, header.height, commit,
                            events);
}

Status StakingModule::end_block(StateOverlay& state, const BlockHeader& header,
                                std::vector<Event>* events) const {
  return staking_end_block(StakingContext{params_, min_balance_}, state, header.height, events);
}

namespace {

// The value a staking record holds, by namespace.
Result<__int128> held(const StateKey& key, const std::optional<Bytes>& bytes) {
  if (!bytes) return __int128{0};
  if (key.ns == Namespace::kValidator) {
    auto v = decode_exact<ValidatorRecord>(*bytes);
    if (!v) return v.status();
    return __int128{v->tokens} + v->reward_pool + v->commission;
  }
  if (key.ns == kUnbondingNs) {
    auto l = decode_exact<UnbondingList>(*bytes);
    if (!l) return l.status();
    __int128 sum = 0;
    for (const auto& e : l->entries) sum += e.amount;
    return sum;
  }
  auto g = decode_exact<StakingGlobal>(*bytes);  // kGlobalNs
  if (!g) return g.status();
  return __int128{g->burned} - g->minted;
}

}  // namespace

Result<__int128> StakingModule::value_delta(const StateReader& base,
                                            const StateWrites& writes) const {
  __int128 delta = 0;
  for (Namespace ns : {Namespace::kValidator, kUnbondingNs, kGlobalNs}) {
    for (auto it = writes.lower_bound(StateKey{ns, {}}); it != writes.end() && it->first.ns == ns;
         ++it) {
      auto before = base.read(it->first);
      if (!before) return before.status();
      auto was = held(it->first, *before);
      if (!was) return was.status();
      auto now = held(it->first, it->second);
      if (!now) return now.status();
      delta += *now - *was;
    }
  }
  return delta;
}

Result<Bytes> StakingModule::query(std::string_view path, ByteView request,
                                   const StateReader& state) const {
  if (path == "validators") {
    Reader r(request);
    uint64_t height = 0;
    WATTLE_RETURN_IF_ERROR(r.u64(height));
    WATTLE_RETURN_IF_ERROR(r.finish());
    auto set = set_at(state, height);
    if (!set) return set.status();
    return encode_to_bytes(*set);
  }
  if (path == "stake") {
    auto who = decode_exact<Address>(request);
    if (!who) return who.status();
    auto view = stake_view(state, *who);
    if (!view) return view.status();
    return encode_to_bytes(*view);
  }
  return Status(Code::kNotFound, "staking: no query " + std::string(path));
}

}  // namespace wattle::modules
