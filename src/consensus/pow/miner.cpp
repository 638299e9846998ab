#include "consensus/pow/miner.h"

#include "consensus/pow/target.h"

namespace wattle::consensus::pow {

MineResult mine(PowHeader header, uint64_t start_nonce, uint64_t max_tries) {
  MineResult r;
  const auto target = decode_compact(header.bits);
  if (!target) return r;
  for (uint64_t i = 0; i < max_tries; ++i) {
    header.nonce = start_nonce + i;
    ++r.hashes;
    if (meets_target(header.hash(), *target)) {
      r.solved = header;
      break;
    }
  }
  return r;
}

}  // namespace wattle::consensus::pow
