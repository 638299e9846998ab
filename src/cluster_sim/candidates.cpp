#include "cluster_sim/candidates.h"

#include <fmt/format.h>

#include "cluster_sim/sim_app.h"
#include "cluster_sim/stake_load.h"
#include "consensus/bft/messages.h"
#include "modules/records.h"
#include "modules/staking/staking_state.h"
#include "modules/staking/staking_txs.h"

namespace wattle::cluster_sim::candidate {

namespace {

// `tx` from the candidate with its committed nonce (next() waits while one is pending).
Result<chain::Tx> signed_tx(const chain::Application& app, const KeyPair& key,
                            const modules::StakingTx& tx) {
  auto acc = app.account(Address::of(key.public_key()));
  if (!acc) return acc.status();
  return chain::Tx::make_signed(kChainId, key, acc->account.nonce, modules::to_module_tx(tx));
}

Step send(const chain::Application& app, const KeyPair& key, const modules::StakingTx& tx,
          std::string what) {
  auto signed_ = signed_tx(app, key, tx);
  if (!signed_) return {false, std::nullopt, what + ": " + signed_.status().to_string()};
  return {false, std::move(*signed_), std::move(what)};
}

}  // namespace

KeyPair key(uint32_t c) {
  return KeyPair::from_label(fmt::format("wattle-sim-candidate-{}", c));
}

Money bond() {
  return Money(static_cast<int64_t>(kPower) * stake::kPowerUnit);
}

Step next(const chain::Application& app, const KeyPair& key, Move move,
          modules::ConsensusKind kind) {
  const Address op = Address::of(key.public_key());
  const chain::StateReader& state = app.committed_state();
  auto v = modules::read_record<modules::ValidatorRecord>(state, modules::validator_key(op));
  if (!v) return {false, std::nullopt, "candidate: " + v.status().to_string()};
  if (move == Move::kJoin && *v) return {true, std::nullopt, "joined"};
  if (app.pending_nonce(op)) return {false, std::nullopt, "candidate: a tx pending"};
  if (move == Move::kJoin)
    return send(app, key, modules::CreateValidator{key.public_key(), bond(), 0},
                "candidate create-validator");
  if (!*v) return {false, std::nullopt, "candidate: not a validator yet"};
  auto d = modules::read_record<modules::Delegation>(state, modules::delegation_key(op, op));
  if (!d) return {false, std::nullopt, "candidate: " + d.status().to_string()};
  const int64_t bonded = *d ? modules::delegation_value(**v, **d) : 0;
  if (bonded == 0) return {true, std::nullopt, "left"};
  if (kind == modules::ConsensusKind::kDpos)  // a dpos operator's own stake is a delegation
    return send(app, key, modules::Undelegate{op, Money(bonded)},
                fmt::format("candidate undelegate {}", bonded));
  return send(app, key, modules::Unbond{Money(bonded)}, fmt::format("candidate unbond {}", bonded));
}

Result<Bytes> decision_at(const chain::Application& app, uint64_t height) {
  auto block = app.block(height);
  if (!block) return block.status();
  auto cert = decode_exact<consensus::bft::CommitCertificate>(block->certificate);
  if (!cert) return cert.status();
  block->certificate.clear();  // the value is the block as proposed
  consensus::bft::DecisionMessage d{consensus::Value{block->header.hash(), encode_to_bytes(*block)},
                                    std::move(*cert)};
  return consensus::bft::encode_message(d);
}

}  // namespace wattle::cluster_sim::candidate
