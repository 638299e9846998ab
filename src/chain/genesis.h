// Genesis: the document every node of a chain starts from.
//
// JSON (written by `wattle init`, read by `wattle node`):
//   {"chain_id": "wattle-local", "genesis_time_ms": 0, "block_interval_ms": 200,
//    "validators": [{"public_key": "<hex>", "power": 1}],
//    "balances": [{"address": "wat1...", "amount": 1000000000}],
//    "min_balance": 1000, "engine": "bft"}
// engine (optional, default "single") picks the consensus the node runs:
// "single" (one validator, which must then be the only one), "bft"
// (Tendermint-style over the validator set, weighted by power; the total
// power stays within kMaxTotalPower) or "pow" (Nakamoto; see GenesisPow; no
// staking section).
// min_balance (optional, default 0 = none) is the smallest balance an
// account may hold other than zero (rules.h); genesis balances must meet it.
// "market" (optional) is the energy module's section (modules/energy/market_params.h); a
// genesis without it hashes and behaves exactly as before markets existed.
// "certificates" (optional, needs "market") is the certificates module's section
// (modules/certificates/cert_params.h); likewise absent, nothing changes.
// Parsing is strict (unknown fields, wrong types, duplicate addresses, bad
// checksums and non-positive amounts are errors). The genesis hash is the
// hash of its canonical binary encoding, so formatting does not matter.
#pragma once

#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/evidence_check.h"
#include "chain/executor.h"
#include "chain/state.h"
#include "core/address.h"
#include "core/keys.h"
#include "modules/certificates/cert_params.h"
#include "modules/energy/market_params.h"
#include "modules/staking/staking_params.h"

namespace wattle::chain {

struct GenesisValidator {
  PublicKey public_key;
  uint64_t power = 1;
};

// Which consensus engine every node of the chain runs.
enum class EngineKind : uint8_t { kSingle = 0, kBft = 1, kPow = 2 };
std::string_view engine_name(EngineKind kind);

// "pow" (engine "pow" only; defaults when absent): the proof-of-work
// parameters every node of the chain checks headers with (docs/consensus.md,
// "Proof of work"); the node turns them into consensus::pow::PowParams. On a
// PoW chain the genesis validators name no one's rights: anyone may mine.
struct GenesisPow {
  uint64_t target_block_ms = 1'000;    // the interval retargets steer towards
  uint32_t initial_bits = 0x1e0fffff;  // compact target of the first window (~1M hashes)
  uint32_t retarget_blocks = 20;       // the target changes every this many blocks
  uint32_t finality_depth = 6;         // depth at which a block counts as final
  bool operator==(const GenesisPow&) const = default;
};

struct Genesis {
  // The bound on the validators' total power (consensus' ValidatorSet has
  // the same: 2^60 keeps every 3 * power sum within uint64).
  static constexpr uint64_t kMaxTotalPower = uint64_t{1} << 60;

  std::string chain_id;
  uint64_t genesis_time_ms = 0;
  uint64_t block_interval_ms = 200;
  std::vector<GenesisValidator> validators;
  std::vector<std::pair<Address, Money>> balances;
  Money min_balance;
  EngineKind engine = EngineKind::kSingle;
  std::optional<modules::MarketParams> market;
  std::optional<modules::CertParams> certificates;
  // "staking" (optional): the staking module's section (docs/staking.md);
  // without it the set is the genesis validators forever, as before.
  std::optional<modules::StakingParams> staking;
  std::optional<GenesisPow> pow;  // set iff engine == kPow

  static Result<Genesis> from_json(std::string_view text);
  std::string to_json() const;
  Hash256 hash() const;
  State initial_state() const;
  // The genesis records and their state tree, without building a State
  // (a genesis may hold millions of accounts).
  StateWrites initial_writes() const;
  Result<TreeUpdate> initial_tree() const;
  // The chain id and the standard modules (modules/standard.h) built from
  // this genesis' sections. The evidence checker comes from the consensus
  // layer (node/chain_consensus.h); without one, blocks carry no evidence.
  ChainParams params(EvidenceChecker evidence_checker = {}) const;
  // Block 0: no txs, the genesis state root, prev_hash = genesis hash.
  Block block() const;
};

// Who may propose the block at `height`: with a staking section (poa, pos,
// dpos) the keys of the set in force then, read from `committed` (a state
// at height - 1 or later); empty otherwise (the genesis validators propose).
Result<std::vector<PublicKey>> proposer_keys(const Genesis& genesis, const StateReader& committed,
                                             uint64_t height);

}  // namespace wattle::chain
