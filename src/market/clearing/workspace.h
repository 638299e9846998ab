// Caller-owned, reusable buffers for clearing slot after slot.
//
// Promise: a caller (the chain at each gate closure, the simulator over
// 96 x 365 slots) that keeps one ClearingWorkspace and one Clearing and
// passes them to clear_uniform_into / clear_into again and again allocates
// nothing per order once the buffers have grown to the largest book seen:
// every vector is cleared, never shrunk. Not thread-safe: one per thread.
#pragma once

#include "market/clearing/clearing_builder.h"
#include "market/clearing/merit_order.h"

namespace wattle::market {

struct ClearingWorkspace {
  MeritScratch merit;         // radix-sort records
  MeritOrder order;           // the two ranked sides
  Allocation allocation;      // the welfare-maximal walk
  ClearingScratch build;      // per-order accounts of make_clearing_into
  std::vector<int64_t> left;  // per-order energy left (grid closing)
  NettingScratch netting;     // owner netting before grid closing
};

}  // namespace wattle::market
