// The PoW TOML file of `wattle init --consensus pow --pow FILE`
// (docs/consensus.md, "Proof of work"): the genesis "pow" section, e.g.
//   target_block_ms = 1000       # the block interval retargets steer towards
//   initial_target = 0x1e3fffff  # compact target of the first window
//   retarget_blocks = 20         # blocks per retarget window
//   finality_depth = 6           # depth at which a block counts as final
// Every key is optional (the defaults of chain::GenesisPow); unknown keys and
// non-integers are errors naming the file and key.
#pragma once

#include <string>

#include "chain/genesis.h"

namespace wattle::cli {

Result<chain::GenesisPow> read_pow_toml(const std::string& path);

// The genesis "pow" section of `--consensus pow` (wattle init, wattle devnet
// init): `pow_file`'s, else the defaults, checked as a node will check it.
// Throws UserError for a staking file (no staking on PoW), --engine bft, or
// parameters a node would refuse.
chain::GenesisPow pow_section(const std::string& pow_file, const std::string& staking_file,
                              const std::string& engine);

}  // namespace wattle::cli
