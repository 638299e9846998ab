// RateLimiter: a token bucket per client (an IP address) for work a client
// can make the node do on demand: signature checks of submitted txs.
//
// Promises:
// - Each client gets `burst` tokens that refill at `per_second`; a request of
//   n units passes if n tokens are there (a request larger than the whole
//   bucket needs a full bucket and empties it), else it is refused and costs
//   nothing. per_second == 0 means unlimited.
// - Bounded: at most max_clients buckets; when full, buckets that refilled
//   completely (indistinguishable from a new client) are dropped first, then
//   the least recently used, so a flood of addresses cannot grow memory.
// - Integer arithmetic only (nano-tokens), thread-safe (one mutex; the
//   critical section is a hash lookup).
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wattle::rpc {

struct RateLimit {
  uint64_t per_second = 0;  // 0: unlimited
  uint64_t burst = 0;
  size_t max_clients = 4096;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  bool enabled() const { return limit_.per_second != 0; }
  // Takes n tokens from `client`'s bucket; false (and nothing taken) if too few.
  bool try_take(std::string_view client, uint64_t n, Clock::time_point now = Clock::now());
  size_t clients() const;

 private:
  struct Bucket {
    uint64_t nano_tokens;
    Clock::time_point updated;
    std::list<std::string>::iterator lru;
  };
  void refill(Bucket& b, Clock::time_point now) const;
  void make_room(Clock::time_point now);

  const RateLimit limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;  // front: most recently used
};

}  // namespace wattle::rpc
