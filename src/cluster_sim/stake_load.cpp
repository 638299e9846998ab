#include "cluster_sim/stake_load.h"

#include "modules/staking/staking_txs.h"

namespace wattle::cluster_sim::stake {

namespace {

using modules::ConsensusKind;

// A signed tx from `key` with the replica's next nonce for it.
std::optional<chain::Tx> signed_by(const chain::Application& app, const KeyPair& key,
                                   const modules::StakingTx& tx) {
  const Address sender = Address::of(key.public_key());
  auto acc = app.account(sender);
  if (!acc) return std::nullopt;
  const uint64_t nonce = app.pending_nonce(sender).value_or(acc->account.nonce);
  return chain::Tx::make_signed(std::string(kChainId), key, nonce, modules::to_module_tx(tx));
}

// A step of stake: 1..kMaxStepPower units, a few micro-units off a
// multiple; one draw in ten asks far more than any balance (refused).
Money step(Prng& rng) {
  if (rng.percent(10)) return Money(int64_t{4'000'000'000'000});
  return Money(static_cast<int64_t>(rng.between(1, kMaxStepPower)) * kPowerUnit -
               static_cast<int64_t>(rng.below(kPowerUnit / 2)));
}

}  // namespace

modules::StakingParams params(ConsensusKind kind, uint32_t seats) {
  modules::StakingParams p;
  p.consensus = kind;
  p.min_self_bond = kPowerUnit;
  p.power_unit = kPowerUnit;
  p.max_validators = seats;
  p.unbonding_blocks = 30;
  p.epoch_blocks = 4;
  p.block_reward = 1'000;
  p.slash_double_sign_bp = 500;
  return p;
}

Draw draw(const chain::Application& app, Prng& rng, ConsensusKind kind,
          const std::vector<KeyPair>& validators, const std::vector<KeyPair>& accounts) {
  const KeyPair& v = validators[rng.below(validators.size())];
  const KeyPair& holder = accounts[rng.below(accounts.size())];
  const uint64_t pick = rng.below(10);
  if (pick == 0)  // a key already in use
    return {signed_by(app, holder, modules::CreateValidator{v.public_key(), Money(kPowerUnit), 0}),
            "create-validator"};
  if (pick == 1) return {signed_by(app, v, modules::Unjail{}), "unjail"};
  const bool more = pick % 2 == 0;
  if (kind == ConsensusKind::kDpos) {
    const Address op = Address::of(v.public_key());
    if (more) return {signed_by(app, holder, modules::Delegate{op, step(rng)}), "delegate"};
    return {signed_by(app, holder, modules::Undelegate{op, step(rng)}), "undelegate"};
  }
  if (more) return {signed_by(app, v, modules::Bond{step(rng)}), "bond"};
  return {signed_by(app, v, modules::Unbond{step(rng)}), "unbond"};
}

bool is_staking_tx(const chain::Tx& tx) {
  const auto* m = std::get_if<chain::ModuleTx>(&tx.payload);
  return m && m->kind >= modules::kFirstStakingTxKind && m->kind <= modules::kLastStakingTxKind;
}

}  // namespace wattle::cluster_sim::stake
