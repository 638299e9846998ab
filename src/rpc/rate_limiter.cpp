#include "rpc/rate_limiter.h"

#include <algorithm>

namespace wattle::rpc {

namespace {
constexpr uint64_t kNano = 1'000'000'000;
}

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
  const uint64_t cap = limit_.burst * kNano;
  if (now <= b.updated) return;
  uint64_t elapsed_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - b.updated).count());
  // Cap before multiplying: past the time to refill from zero the bucket is full anyway.
  const uint64_t full_after_ns = cap / limit_.per_second + 1;
  elapsed_ns = std::min(elapsed_ns, full_after_ns);
  b.nano_tokens = std::min(cap, b.nano_tokens + elapsed_ns * limit_.per_second);
  b.updated = now;
}

void RateLimiter::make_room(Clock::time_point now) {
  if (buckets_.size() < limit_.max_clients) return;
  const uint64_t cap = limit_.burst * kNano;
  // Full buckets carry no information: forget them all at once.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    if (it->second.nano_tokens == cap) {
      lru_.erase(it->second.lru);
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  if (buckets_.size() < limit_.max_clients || lru_.empty()) return;
  buckets_.erase(lru_.back());
  lru_.pop_back();
}

bool RateLimiter::try_take(std::string_view client, uint64_t n, Clock::time_point now) {
  if (!enabled()) return true;
  const uint64_t cap = limit_.burst * kNano;
  const uint64_t want = std::min(n, limit_.burst) * kNano;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    make_room(now);
    lru_.emplace_front(client);
    it = buckets_.emplace(std::string(client), Bucket{cap, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    refill(it->second, now);
  }
  if (it->second.nano_tokens < want) return false;
  it->second.nano_tokens -= want;
  return true;
}

size_t RateLimiter::clients() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace wattle::rpc
