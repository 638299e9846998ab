// TokenBucket: a per-peer rate limit. Holds at most `burst` tokens, refilled
// at `rate` tokens per second; a frame costs one token (or its byte count in
// a byte bucket). The clock is a parameter, so the bucket is a pure value
// that tests drive without sleeping. Thread safety: none (one connection).
#pragma once

#include <algorithm>
#include <chrono>

namespace wattle::net {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate_per_s, double burst, Clock::time_point now)
      : rate_(rate_per_s), burst_(burst), tokens_(burst), last_(now) {}

  // Takes n tokens if that many are available; false (and nothing taken) if not.
  bool try_take(double n, Clock::time_point now) {
    refill(now);
    if (tokens_ < n) return false;
    tokens_ -= n;
    return true;
  }
  // Takes n tokens even if fewer are there, leaving a debt, and returns how
  // long until the debt is repaid (zero if there is none): for throttling a
  // flow that cannot be refused, only slowed (bytes already on the socket).
  std::chrono::nanoseconds charge(double n, Clock::time_point now) {
    refill(now);
    tokens_ -= n;
    if (tokens_ >= 0 || rate_ <= 0) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / rate_ * 1e9));
  }
  double available(Clock::time_point now) {
    refill(now);
    return tokens_;
  }

 private:
  void refill(Clock::time_point now) {
    if (now <= last_) return;  // steady clock; equal stamps add nothing
    const double dt = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + dt * rate_);
    last_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace wattle::net
