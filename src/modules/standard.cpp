#include "modules/standard.h"

#include "core/assert.h"
#include "modules/bank/bank_module.h"
#include "modules/certificates/certificates_module.h"
#include "modules/energy/energy_module.h"
#include "modules/evidence/evidence_module.h"
#include "modules/staking/staking_module.h"

namespace wattle::modules {

std::shared_ptr<const chain::ModuleSet> standard_modules(Money min_balance,
                                                         std::optional<MarketParams> market,
                                                         chain::EvidenceChecker checker,
                                                         std::optional<CertParams> certificates,
                                                         std::optional<StakingSetup> staking) {
  std::vector<std::shared_ptr<const chain::Module>> modules{
      std::make_shared<BankModule>(min_balance),
      std::make_shared<EnergyModule>(market),
      std::make_shared<EvidenceModule>(std::move(checker)),
      // After the market: a slot is settled before it is issued.
      std::make_shared<CertificatesModule>(market, std::move(certificates)),
  };
  // After evidence: its end-block slashes what the evidence module recorded.
  // Without a staking section it is there all the same, as kSingle, so a
  // staking tx gets kNoStaking rather than an unknown kind.
  if (!staking) staking.emplace().params.consensus = ConsensusKind::kSingle;
  modules.push_back(std::make_shared<StakingModule>(std::move(staking->params),
                                                    std::move(staking->genesis_set), min_balance));
  auto set = chain::ModuleSet::make(std::move(modules));
  WATTLE_ASSERT(set.is_ok(), "the standard modules collide");
  return *set;
}

}  // namespace wattle::modules

namespace wattle::chain {

ChainParams standard_params(std::string_view chain_id, Money min_balance) {
  return ChainParams{std::string(chain_id),
                     modules::standard_modules(min_balance, std::nullopt, {})};
}

Status apply_tx(StateOverlay& state, const Tx& tx, Money min_balance) {
  return apply_tx(state, tx, standard_params("", min_balance), BlockContext{});
}

Result<ExecutedBlock> execute_txs(const StateReader& state, const std::vector<Tx>& txs,
                                  std::string_view chain_id, bool verify_signatures,
                                  Money min_balance) {
  return execute_block(state, BlockHeader{}, txs, standard_params(chain_id, min_balance),
                       ExecMode::kStrict, verify_signatures);
}

Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, std::string_view chain_id,
                                     bool verify_signatures) {
  return validate_block(state, prev, block, standard_params(chain_id), verify_signatures);
}

}  // namespace wattle::chain
