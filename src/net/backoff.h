// Backoff: delays between reconnect attempts to a persistent peer —
// exponential from `base`, capped at `cap`, with "equal jitter" (half fixed,
// half random) so that nodes restarted together do not redial in lockstep.
// The random draw is a parameter: a pure value, deterministic under test.
// Thread safety: none.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace wattle::net {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  Backoff(Duration base, Duration cap) : base_(std::max(base, Duration(1))), cap_(cap) {}

  // The delay before the next attempt; each call doubles the next one.
  Duration next(uint32_t random) {
    // Shift bounded so the doubling cannot overflow before the cap applies.
    const int shift = static_cast<int>(std::min<uint32_t>(attempts_, 30));
    ++attempts_;
    const int64_t full = std::min<int64_t>(cap_.count(), base_.count() << std::min(shift, 20));
    const int64_t half = full / 2;
    return Duration(half + (half > 0 ? static_cast<int64_t>(random) % (half + 1) : 0));
  }
  // After a successful connection the next failure starts from `base` again.
  void reset() { attempts_ = 0; }
  uint32_t attempts() const { return attempts_; }

 private:
  Duration base_;
  Duration cap_;
  uint32_t attempts_ = 0;
};

}  // namespace wattle::net
