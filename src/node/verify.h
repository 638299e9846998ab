// Offline chain verification: replays a stored chain from genesis.
//
// Checks, for every block: it decodes, links to its predecessor (height,
// prev_hash), its tx root matches, its commit certificate verifies against
// the genesis validator, and re-executing its txs from the genesis state
// (signatures included) reproduces the header's state root; at the end, the
// replayed state equals the stored state. This is what the crash test and
// `wattle verify` run; it reads the store and never writes.
#pragma once

#include <string>

#include "chain/genesis.h"
#include "chain/store.h"

namespace wattle::node {

struct VerifyReport {
  uint64_t height = 0;  // blocks verified: 0..height
  uint64_t txs = 0;
  Hash256 state_root;
};

Result<VerifyReport> verify_chain(const chain::Store& store, const chain::Genesis& genesis);
// Opens HOME's store read-only-in-effect and verifies it (the node must not be running).
Result<VerifyReport> verify_home(const std::string& home);

}  // namespace wattle::node
