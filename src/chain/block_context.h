// BlockContext: what a tx's rules may read about the block executing it.
//
// Market rules depend on the block's time (gate closure, reading windows),
// and an order's priority on (height, index in block). CheckTx evaluates the
// same rules under the context of the next block as far as it is known:
// height head+1, time head time + 1 ms (a block is strictly later than its
// parent), index 0. Value type.
#pragma once

#include <cstdint>

#include "core/hash.h"

namespace wattle::chain {

struct BlockContext {
  uint64_t height = 0;
  uint64_t time_ms = 0;
  Hash256 prev_hash;
  uint32_t tx_index = 0;
};

}  // namespace wattle::chain
