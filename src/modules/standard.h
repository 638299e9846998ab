// The standard modules of a Wattle chain, in hook order: bank, energy
// market, evidence, certificates (docs/architecture.md, "Order of hooks"). This is the one
// place the chain's application is composed; a new module (staking,
// certificates) is added to this list, and the chain core is not touched.
#pragma once

#include <memory>
#include <optional>

#include "chain/evidence_check.h"
#include "chain/executor.h"
#include "modules/certificates/cert_params.h"
#include "modules/energy/market_params.h"
#include "modules/staking/staking_params.h"
#include "modules/staking/staking_state.h"

namespace wattle::modules {

// The staking section of a genesis and its validators (staking_module.h).
struct StakingSetup {
  StakingParams params;
  std::vector<SetEntry> genesis_set;
};

// The standard set for a genesis' parameters. Never fails: the standard
// modules do not collide. The staking module comes last (kSingle without a
// staking section: it then takes no tx and writes nothing).
std::shared_ptr<const chain::ModuleSet> standard_modules(
    Money min_balance, std::optional<MarketParams> market, chain::EvidenceChecker checker,
    std::optional<CertParams> certificates = {},
    std::optional<StakingSetup> staking = std::nullopt);

}  // namespace wattle::modules

namespace wattle::chain {

// Shorthands for a chain of the standard modules without a market or
// evidence (tests, tools); declared here, beside the composition they use.
ChainParams standard_params(std::string_view chain_id, Money min_balance = Money(0));
// apply_tx under an empty block context.
Status apply_tx(StateOverlay& state, const Tx& tx, Money min_balance = Money(0));
// execute_block in kStrict mode under an empty header.
Result<ExecutedBlock> execute_txs(const StateReader& state, const std::vector<Tx>& txs,
                                  std::string_view chain_id, bool verify_signatures,
                                  Money min_balance = Money(0));
Result<ExecutedBlock> validate_block(const StateReader& state, const BlockHeader& prev,
                                     const Block& block, std::string_view chain_id,
                                     bool verify_signatures);

}  // namespace wattle::chain
