// The staking module (docs/staking.md): who may validate. It owns the
// staking txs (kinds 32..39, staking_txs.h), the validator and stake records
// (Namespace::kValidator, kStake and 32..38, staking_state.h), the genesis
// set, the downtime rule over each block's last commit (when the block's
// caller supplies it), and at every end-block: double-sign slashing from the evidence
// module's committed records, unbonding releases, the block reward, and the
// validator set recomputed (pos every block, dpos every epoch, poa by
// governance) and recorded to take effect two blocks later.
//
// Its conservation term is the change of (bonded tokens + unbonding entries
// + undistributed rewards and commission − minted + burned), so the sum with
// the bank's balances is zero for every block (docs/staking.md,
// "Conservation"). Immutable; thread-safe.
#pragma once

#include "chain/module.h"
#include "modules/staking/staking_params.h"
#include "modules/staking/staking_state.h"

namespace wattle::modules {

class StakingModule final : public chain::Module {
 public:
  // `genesis_set`: the genesis validators (key, power); operators are
  // derived from the keys.
  StakingModule(StakingParams params, std::vector<SetEntry> genesis_set, Money min_balance)
      : params_(std::move(params)), genesis_(std::move(genesis_set)), min_balance_(min_balance) {}

  std::string_view name() const override { return "staking"; }
  std::vector<uint8_t> tx_kinds() const override;
  std::vector<chain::Namespace> namespaces() const override;
  Status init_genesis(chain::StateOverlay& state) const override;
  Status check_tx(const chain::Tx& tx) const override;
  Status deliver_tx(chain::TxScope& scope) const override;
  Status last_commit(chain::StateOverlay& state, const chain::BlockHeader& header,
                     const chain::LastCommit& commit,
                     std::vector<chain::Event>* events) const override;
  Status end_block(chain::StateOverlay& state, const chain::BlockHeader& header,
                   std::vector<chain::Event>* events) const override;
  Result<__int128> value_delta(const chain::StateReader& base,
                               const chain::StateWrites& writes) const override;
  // "validators" (request: u64 height): the ValidatorSetRecord in force;
  // "stake" (request: address): a StakeView.
  Result<Bytes> query(std::string_view path, ByteView request,
                      const chain::StateReader& state) const override;

  const StakingParams& params() const { return params_; }

 private:
  const StakingParams params_;
  const std::vector<SetEntry> genesis_;
  const Money min_balance_;
};

}  // namespace wattle::modules
