// Refusal: why a PoW header or block was not accepted. The names are stable
// (metrics labels, logs, tests); never rename one, append new ones at the end.
#pragma once

#include <cstdint>
#include <string_view>

namespace wattle::consensus::pow {

enum class Refusal : uint8_t {
  kHighHash,       // the header's hash is above its target
  kBadBits,        // the compact target is not the one the retarget rule gives
  kTimeTooOld,     // time not after the median time of the previous blocks
  kTimeTooNew,     // time beyond the receiver's clock plus max_future_ms
  kUnknownParent,  // the parent is not known (the block waits in the orphan pool)
  kBadHeight,      // height is not the parent's plus one
  kLowWork,        // a header chain offered for sync with no more work than ours
  kBadBody,        // the body does not hash to the header's tx_root
  kInvalidBlock,   // the block or an ancestor was refused by the application
  kDuplicate,      // already known
  kMalformed,      // bytes that do not decode, or a message over its limits
};

std::string_view refusal_name(Refusal r);
inline constexpr size_t kRefusalCount = static_cast<size_t>(Refusal::kMalformed) + 1;

}  // namespace wattle::consensus::pow
