// PowParams: the genesis parameters of a proof-of-work chain (docs/consensus.md,
// "Proof of work"). Every node of a chain must hold the same values: they
// decide which headers are valid.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace wattle::consensus::pow {

struct PowParams {
  uint64_t target_block_ms = 10'000;     // the block interval retargets steer towards
  uint32_t retarget_blocks = 20;         // the target changes at heights that are multiples of this
  uint32_t initial_bits = 0x1f0fffff;    // compact target of genesis and the first window
  uint32_t pow_limit_bits = 0x1f0fffff;  // the easiest target ever allowed
  uint32_t mtp_window = 11;              // a block's time must exceed the median of this many
  uint64_t max_future_ms =
      120'000;                  // how far a header's time may run ahead of the receiver's clock
  uint32_t max_orphans = 64;    // blocks held while their parent is unknown
  uint32_t max_headers = 500;   // headers per sync message
  uint32_t finality_depth = 6;  // depth at which the application treats a block as final
};

// Refuses parameter sets no chain can run on (zero windows, a limit that
// does not decode, an initial target easier than the limit).
Status validate(const PowParams& p);

}  // namespace wattle::consensus::pow
