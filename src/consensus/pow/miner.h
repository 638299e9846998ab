// Mining: trying nonces until a header's hash meets its target. A pure
// function so that the node's mining threads, the simulator and the energy
// benchmark share it and count the same hashes.
#pragma once

#include <optional>

#include "consensus/pow/header.h"

namespace wattle::consensus::pow {

struct MineResult {
  std::optional<PowHeader> solved;  // the header with a winning nonce, if found
  uint64_t hashes = 0;              // hashes computed
};

// Tries nonces start_nonce, start_nonce+1, ... at most max_tries times.
MineResult mine(PowHeader header, uint64_t start_nonce, uint64_t max_tries);

}  // namespace wattle::consensus::pow
